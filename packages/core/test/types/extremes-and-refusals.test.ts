/**
 * Timestamps at their limits and the refusals of the type system (docs/api.md "Column types"):
 * ±infinity and each precision's extremes round-trip exactly like DuckDB (direct and keyed writes,
 * after the drain, by version), or are refused with a precise code and message; every refusal
 * leaves the table exactly as it was (same version, same rows) and writes nothing to the log.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { engineAndReference } from './engine-and-reference.ts';

const env = engineAndReference();
const both = env.both;

/** The statement is refused with `code` and a message matching `message`; the table is unchanged. */
async function refused(table: string, sql: string, code: string, message: RegExp): Promise<void> {
  const before = await env.h.engine.describeTable(env.h.bucket, table);
  const rows = (await env.h.query(`SELECT * FROM ${table} ORDER BY ALL`)).rows;
  const err = await env.h.exec(sql).then(() => undefined, (e: unknown) => e);
  expect(isAppError(err), `${sql} should be refused`).toBe(true);
  expect(isAppError(err) ? err.code : '', sql).toBe(code);
  expect((err as Error).message, sql).toMatch(message);
  const after = await env.h.engine.describeTable(env.h.bucket, table);
  expect(after.deltaVersion).toBe(before.deltaVersion);
  expect(after.walBacklogEntries ?? '0').toBe(before.walBacklogEntries ?? '0');
  expect((await env.h.query(`SELECT * FROM ${table} ORDER BY ALL`)).rows).toEqual(rows);
}

const TS_COLUMNS = '(id INTEGER, t TIMESTAMP, tz TIMESTAMPTZ, d DATE, s TIMESTAMP_S, ms TIMESTAMP_MS)';

describe('timestamps at their limits', () => {
  it.each([
    ['direct', TS_COLUMNS],
    ['keyed', TS_COLUMNS.replace('id INTEGER', 'id INTEGER PRIMARY KEY')],
  ])('±infinity and the extremes of every precision round-trip (%s writes)', async (kind, columns) => {
    const t = `lim_${kind}`;
    await both(`CREATE TABLE ${t} ${columns}`);
    await both(`INSERT INTO ${t} VALUES (1, 'infinity', 'infinity', 'infinity', 'infinity', 'infinity'), (2, '-infinity', '-infinity', '-infinity', '-infinity', '-infinity')`);
    await both(`INSERT INTO ${t} VALUES (3, '294247-01-10 04:00:54', '294247-01-10 04:00:54.774+00', '5881580-07-10', '294247-01-10 04:00:54', '294247-01-10 04:00:54.000'),
      (4, '290309-12-22 (BC) 00:00:00', '290309-12-22 (BC) 00:00:00+00', '5877642-06-25 (BC)', '290309-12-22 (BC) 00:00:00', '290309-12-22 (BC) 00:00:00'),
      (5, '1969-12-31 23:59:59.999999', '1969-12-31 23:59:59.999999+00', '1969-12-31', '1969-12-31 23:59:59', '1969-12-31 23:59:59.999')`);
    await both(`SELECT *, isinf(t), isinf(tz), isinf(d), isinf(s), isinf(ms) FROM ${t} ORDER BY id`);
    await both(`SELECT id FROM ${t} WHERE t > TIMESTAMP '2000-01-01 00:00:00' ORDER BY id`);
    await both(`SELECT id FROM ${t} WHERE tz < TIMESTAMPTZ '1900-01-01 00:00:00+00' ORDER BY id`);
    await both(`UPDATE ${t} SET t = 'infinity' WHERE id = 5`);
    await both(`SELECT * FROM ${t} ORDER BY id`);
    // Time travel to the version with the first two rows.
    const v = (await env.h.engine.describeTable(env.h.bucket, t)).deltaVersion;
    expect((await env.h.query(`SELECT count(*) FROM ${t} AS OF VERSION ${v}`)).rows).toEqual([['5']]);
    // The wire spells them like DuckDB's text.
    expect((await env.h.query(`SELECT t, tz, d, s, ms FROM ${t} WHERE id = 1`)).rows).toEqual([['infinity', 'infinity', 'infinity', 'infinity', 'infinity']]);
  });

  it.each([['direct', ''], ['keyed', ' PRIMARY KEY']])("the last fraction of a second of DuckDB's range round-trips in TIMESTAMP and TIMESTAMP_MS (stored as timestamp_ntz, no UTC conversion; %s writes)", async (kind, pk) => {
    const t = `lim_max_${kind}`;
    await both(`CREATE TABLE ${t} (id INTEGER${pk}, t TIMESTAMP, ms TIMESTAMP_MS)`);
    await both(`INSERT INTO ${t} VALUES (1, '294247-01-10 04:00:54.775806', NULL), (2, NULL, '294247-01-10 04:00:54.775')`);
    await both(`SELECT id, t, ms, isinf(t), isinf(ms) FROM ${t} ORDER BY id`);
    await both(`SELECT id FROM ${t} WHERE t > TIMESTAMP '294247-01-10 04:00:54.775805' ORDER BY id`);
  });

  it('a keyed write refuses a TIMESTAMPTZ the write log cannot record exactly (nothing acknowledged)', async () => {
    await env.h.exec('CREATE TABLE lim_log (id INTEGER PRIMARY KEY, tz TIMESTAMPTZ)');
    await refused('lim_log', "INSERT INTO lim_log VALUES (1, '294247-01-10 04:00:54.775806+00')", 'ERR_TYPE_MISMATCH', /cannot be recorded exactly in the write log/);
  });

  it.each(['direct', 'keyed'])('refuses ±infinity in a date/timestamp partition column (%s writes)', async (kind) => {
    const t = `lim_part_${kind}`;
    await env.h.exec(`CREATE TABLE ${t} (id INTEGER${kind === 'keyed' ? ' PRIMARY KEY' : ''}, t TIMESTAMP, d DATE) PARTITIONED BY (t, d)`);
    await env.h.exec(`INSERT INTO ${t} VALUES (1, TIMESTAMP '2026-01-01 00:00:00', DATE '2026-01-01')`);
    await refused(t, `INSERT INTO ${t} VALUES (2, 'infinity', DATE '2026-01-02')`, 'ERR_TYPE_MISMATCH', /Partition column "t" cannot hold 'infinity' or '-infinity'/);
    await refused(t, `UPDATE ${t} SET d = '-infinity' WHERE id = 1`, 'ERR_TYPE_MISMATCH', /Partition column "d" cannot hold/);
  });
});

describe('refusals of the type system', () => {
  beforeAll(async () => {
    await env.h.exec('CREATE TABLE huge (id INTEGER PRIMARY KEY, h HUGEINT, u UHUGEINT, l STRUCT(x HUGEINT)[])');
    await env.h.exec('CREATE TABLE huge_direct (id INTEGER, h HUGEINT)');
    await env.h.exec('INSERT INTO huge VALUES (1, 99999999999999999999999999999999999999, 0, [{\'x\': -99999999999999999999999999999999999999}])');
    await env.h.exec('INSERT INTO huge_direct VALUES (1, 1)');
  });

  it.each([
    ['huge', 'INSERT INTO huge VALUES (2, 100000000000000000000000000000000000000, 0, NULL)', /Column "h" \(HUGEINT\) is stored in Delta as "decimal\(38,0\)"/],
    ['huge', 'UPDATE huge SET u = 340282366920938463463374607431768211455 WHERE id = 1', /Column "u" \(UHUGEINT\)/],
    ['huge', "UPDATE huge SET l = [{'x': 170141183460469231731687303715884105727}] WHERE id = 1", /Column "l" \(STRUCT\(x HUGEINT\)\[\]\)/],
    ['huge_direct', 'INSERT INTO huge_direct VALUES (2, -170141183460469231731687303715884105728)', /Could not cast value .* to DECIMAL\(38,0\)/],
  ])('%s: a value beyond 38 digits is refused before it is acknowledged: %s', async (table, sql, message) => {
    await refused(table, sql, 'ERR_TYPE_MISMATCH', message);
  });

  it.each([
    ['CREATE TABLE r1 (u UNION(n INTEGER, s VARCHAR))', /Column "u": DuckDB type UNION .*use a STRUCT with one field per member \(or JSON\) instead/],
    ['CREATE TABLE r2 (t TIMESTAMP_NS)', /Column "t": DuckDB type TIMESTAMP_NS cannot be stored .*use TIMESTAMP \(microseconds/],
    ['CREATE TABLE r3 (v VARIANT)', /Column "v": DuckDB type VARIANT .*use JSON instead/],
    ['CREATE TABLE r4 AS SELECT union_value(n := 1) AS u', /Column "u": DuckDB type UNION/],
    ['CREATE TABLE r5 (a INTEGER, b INTEGER[]) PARTITIONED BY (b)', /"b" of type INTEGER\[\] cannot be a partition column/],
    ['CREATE TABLE r6 (a INTEGER, j JSON) PARTITIONED BY (j)', /"j" of type JSON cannot be a partition column/],
  ])('%s is refused and creates nothing', async (sql, message) => {
    const before = (await env.h.engine.listTables(env.h.bucket)).map((t) => t.name).sort();
    const err = await env.h.exec(sql).then(() => undefined, (e: unknown) => e);
    expect(isAppError(err), sql).toBe(true);
    expect((err as { code: string }).code).toMatch(/^ERR_(SQL_UNSUPPORTED|BAD_REQUEST)$/);
    expect((err as Error).message).toMatch(message);
    expect((await env.h.engine.listTables(env.h.bucket)).map((t) => t.name).sort()).toEqual(before);
  });

  it('ALTER TABLE refuses a type without a Delta storage and changes nothing', async () => {
    await refused('huge_direct', 'ALTER TABLE huge_direct ADD COLUMN u UNION(a INTEGER)', 'ERR_SQL_UNSUPPORTED', /Column "u": DuckDB type UNION/);
    await refused('huge_direct', 'ALTER TABLE huge_direct ALTER COLUMN h SET DATA TYPE TIMESTAMP_NS', 'ERR_SQL_UNSUPPORTED', /Column "h": DuckDB type TIMESTAMP_NS/);
  });
});

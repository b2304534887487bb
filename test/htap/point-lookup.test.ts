/**
 * The point-lookup fast path (packages/core/src/sql/point-lookup-read.ts) against the general path,
 * differentially: random keys that live in Delta (several files), in the un-drained overlay
 * (upserted over a Delta row, or new), tombstoned, or nowhere; single and composite keys; every
 * column type family with NULLs; literals and parameters; STRONG, EVENTUAL and OLTP_ONLY. The general path
 * answers the same question written so that the fast path does not recognise it (`WHERE (…)`).
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness, type ExecuteQueryResult } from '../../packages/core/src/api/index.ts';
import { seededRandom } from '../../packages/core/src/retry/index.ts';
import { NOT_UNRESERVED_KEYWORDS, classifyTokens } from '../../packages/core/src/sql/point-lookup-shape.ts';
import { tokenize } from '../../packages/core/src/sql/sql-tokens.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';

let h: Harness;
const BATCHES = 3;
const PER_BATCH = 40;

const COLUMNS = [
  'i8 TINYINT', 'u32 UINTEGER', 'hb HUGEINT', 'dec DECIMAL(18,4)', 'f DOUBLE', 'r REAL', 'b BOOLEAN', 's VARCHAR', 'bl BLOB',
  'dt DATE', 'ts TIMESTAMP', 'tz TIMESTAMPTZ', 'tm TIME', 'u UUID', 'j JSON', 'l INTEGER[]', 'st STRUCT(a INTEGER, b VARCHAR)', 'm MAP(VARCHAR, INTEGER)',
];

/** One row's values as SQL (NULL in every column for every 5th id). */
function rowValues(id: number, tag: string): string {
  if (id % 5 === 0) return `(${id}, ${COLUMNS.map(() => 'NULL').join(', ')})`;
  return `(${id}, ${id % 100 - 50}, ${id * 7}, ${id}::HUGEINT * 1000000000000, ${id}.1234, ${id} / 3.0, ${id}.5::REAL, ${id % 2 === 0}, '${tag}''s ${id}', '\\x${(id % 256).toString(16).padStart(2, '0')}'::BLOB, `
    + `DATE '2024-01-01' + ${id}, TIMESTAMP '2024-01-01 10:00:00' + INTERVAL (${id}) SECOND, TIMESTAMPTZ '2024-01-01 10:00:00+00' + INTERVAL (${id}) MINUTE, TIME '10:00:00' + INTERVAL (${id}) SECOND, `
    + `'00000000-0000-0000-0000-${id.toString().padStart(12, '0')}'::UUID, '{"k": ${id}, "t": "${tag}"}'::JSON, [${id}, NULL, ${id + 1}], {'a': ${id}, 'b': '${tag}'}, MAP {'x': ${id}})`;
}

async function query(sql: string, freshness: Freshness | undefined, params?: unknown[]): Promise<ExecuteQueryResult> {
  const r = await h.engine.execute({ bucket: h.bucket, sql, ...(freshness !== undefined ? { freshness } : {}), ...(params !== undefined ? { params } : {}) });
  if (!('query' in r)) throw new Error(`not a query: ${sql}`);
  return r.query;
}

const tookFastPath = (q: ExecuteQueryResult): boolean => q.strategyReason.includes('point lookup');

beforeAll(async () => {
  h = await createHarness({}, { drainLogWrites: false });
  await h.ddl(`CREATE TABLE wide (id BIGINT PRIMARY KEY, ${COLUMNS.join(', ')})`);
  await h.ddl('CREATE TABLE pair (region VARCHAR, n SMALLINT, v VARCHAR, w DOUBLE, PRIMARY KEY (region, n))');
  // Several Delta files with distinct key ranges (the locator picks one).
  for (let b = 0; b < BATCHES; b++) {
    const ids = Array.from({ length: PER_BATCH }, (_, i) => b * PER_BATCH + i + 1);
    await h.write(`INSERT INTO wide VALUES ${ids.map((id) => rowValues(id, 'delta')).join(', ')}`);
    await h.write(`INSERT INTO pair VALUES ${ids.map((id) => `('r${b}', ${id}, ${id % 5 === 0 ? 'NULL' : `'v${id}'`}, ${id % 3 === 0 ? 'NULL' : id / 4})`).join(', ')}`);
    await h.engine.compact(h.bucket, 'wide');
    await h.engine.compact(h.bucket, 'pair');
  }
  // Un-drained: upserts over Delta rows, new keys, tombstones (one of them re-inserted after its delete).
  await h.write(`INSERT OR REPLACE INTO wide VALUES ${[3, 41, 85, 100].map((id) => rowValues(id, 'log')).join(', ')}`);
  await h.write(`INSERT INTO wide VALUES ${[500, 501, 505].map((id) => rowValues(id, 'new')).join(', ')}`);
  await h.write('DELETE FROM wide WHERE id IN (7, 42, 90, 501)');
  await h.write('DELETE FROM wide WHERE id = 8');
  await h.write(`INSERT INTO wide VALUES ${rowValues(8, 'again')}`);
  await h.write("INSERT OR REPLACE INTO pair VALUES ('r0', 3, 'log', 1.5), ('r9', 1, NULL, NULL)");
  await h.write("DELETE FROM pair WHERE region = 'r1' AND n = 45");
});
afterAll(async () => {
  await h?.close();
});

describe('point lookup fast path = general path', () => {
  it('single BIGINT key: Delta, overlay, tombstoned, re-inserted and absent keys, every type family', async () => {
    const random = seededRandom(14);
    const keys = [3, 7, 8, 41, 42, 85, 90, 100, 500, 501, 505, 0, -1, 9999, 9_223_372_036_854_775_807n];
    for (let i = 0; i < 12; i++) keys.push(Math.floor(random() * (BATCHES * PER_BATCH + 20)));
    let fast = 0;
    for (const freshness of [Freshness.STRONG, undefined, Freshness.OLTP_ONLY]) {
      for (const id of keys) {
        const a = await query(`SELECT * FROM wide WHERE id = ${id}`, freshness);
        const b = await query(`SELECT * FROM wide WHERE (id = ${id})`, freshness);
        expect(tookFastPath(a), `id ${id}`).toBe(true);
        expect(tookFastPath(b)).toBe(false);
        expect(a.columns, `columns of id ${id}`).toEqual(b.columns);
        expect(a.rows, `id ${id} at ${freshness ?? 'EVENTUAL'}`).toEqual(b.rows);
        expect(a.version).toBe(b.version);
        fast++;
      }
    }
    expect(fast).toBe(keys.length * 3);
    // The un-drained states really differ between STRONG and EVENTUAL (the test covers the overlay).
    expect((await query('SELECT s FROM wide WHERE id = 3', Freshness.STRONG)).rows).toEqual([["log's 3"]]);
    expect((await query('SELECT s FROM wide WHERE id = 3', undefined)).rows).toEqual([["delta's 3"]]);
    expect((await query('SELECT s FROM wide WHERE id = 42', Freshness.STRONG)).rows).toEqual([]);
    expect((await query('SELECT s FROM wide WHERE id = 8', Freshness.STRONG)).rows).toEqual([["again's 8"]]);
    expect((await query('SELECT s FROM wide WHERE id = 8', Freshness.OLTP_ONLY)).rows).toEqual([["again's 8"]]);
    expect((await query('SELECT s FROM wide WHERE id = 4', Freshness.OLTP_ONLY)).rows).toEqual([]);
  });

  it('projections, quoted names, parameters', async () => {
    const cases: [string, string, unknown[]?][] = [
      ['SELECT "S", id, j, st FROM wide WHERE "ID" = 41', 'SELECT "S", id, j, st FROM wide WHERE ("ID" = 41)'],
      ['SELECT tz, m, l FROM wide WHERE id = $1', 'SELECT tz, m, l FROM wide WHERE (id = $1)', [85]],
      ['SELECT * FROM wide WHERE id = $1', 'SELECT * FROM wide WHERE (id = $1)', [2n]],
      ['select s from WIDE where ID = 505;', 'select s from WIDE where (ID = 505);'],
    ];
    for (const freshness of [Freshness.STRONG, undefined, Freshness.OLTP_ONLY]) {
      for (const [sql, general, params] of cases) {
        const a = await query(sql, freshness, params);
        const b = await query(general, freshness, params);
        expect(tookFastPath(a), sql).toBe(true);
        expect(a.columns).toEqual(b.columns);
        expect(a.rows, sql).toEqual(b.rows);
      }
    }
  });

  it('composite key (VARCHAR, SMALLINT)', async () => {
    const keys: [string, number][] = [['r0', 3], ['r0', 4], ['r1', 45], ['r1', 46], ['r2', 100], ['r9', 1], ['r9', 2], ['r2', 1], ["it's", 5]];
    for (const freshness of [Freshness.STRONG, undefined, Freshness.OLTP_ONLY]) {
      for (const [region, n] of keys) {
        const lit = `'${region.replaceAll("'", "''")}'`;
        const a = await query(`SELECT * FROM pair WHERE n = ${n} AND region = ${lit}`, freshness);
        const b = await query(`SELECT * FROM pair WHERE (n = ${n} AND region = ${lit})`, freshness);
        expect(tookFastPath(a)).toBe(true);
        expect(a.columns).toEqual(b.columns);
        expect(a.rows, `${region}/${n}`).toEqual(b.rows);
        const p = await query('SELECT v, w FROM pair WHERE region = $1 AND n = $2', freshness, [region, n]);
        expect(tookFastPath(p)).toBe(true);
        expect(p.rows).toEqual(b.rows.map((r) => r.slice(2)));
      }
    }
  });

  it('anything not exactly the shape keeps the general path (and its answers and errors)', async () => {
    const general = [
      'SELECT * FROM wide WHERE id = 3 OR id = 4', // not a conjunction of key equalities
      "SELECT * FROM wide WHERE id = '3'", // a string for an integer key: DuckDB's cast rules, not ours
      'SELECT * FROM wide WHERE id = 3.0',
      'SELECT * FROM pair WHERE region = \'r0\'', // not every key column
      'SELECT * FROM wide WHERE id = 3 AND s = \'x\'',
      'SELECT id + 1 FROM wide WHERE id = 3',
      'SELECT * FROM wide WHERE id = 99999999999999999999', // wider than BIGINT
      'SELECT * FROM pair WHERE region = \'r0\' AND n = 70000', // out of SMALLINT range
    ];
    for (const sql of general) {
      const a = await query(sql, Freshness.STRONG);
      expect(tookFastPath(a), sql).toBe(false);
    }
    await expect(query('SELECT nope FROM wide WHERE id = 3', Freshness.STRONG)).rejects.toMatchObject({ code: 'ERR_SQL_BIND' });
    await expect(query('SELECT * FROM missing WHERE id = 3', Freshness.STRONG)).rejects.toMatchObject({ code: 'ERR_TABLE_NOT_FOUND' });
    await expect(query('SELECT * FROM wide WHERE id = $1', Freshness.STRONG, [1, 2])).rejects.toBeDefined();
  });

  it('a write after a lookup is seen by the next STRONG lookup (no cached answer), also across a drain', async () => {
    expect((await query('SELECT s FROM wide WHERE id = 600', Freshness.STRONG)).rows).toEqual([]);
    await h.write("INSERT INTO wide (id, s) VALUES (600, 'fresh')");
    expect((await query('SELECT s FROM wide WHERE id = 600', Freshness.STRONG)).rows).toEqual([['fresh']]);
    await h.write('DELETE FROM wide WHERE id = 600');
    expect((await query('SELECT s FROM wide WHERE id = 600', Freshness.STRONG)).rows).toEqual([]);
    await h.write("INSERT INTO wide (id, s) VALUES (600, 'back')");
    await h.engine.compact(h.bucket, 'wide');
    const drained = await query('SELECT s FROM wide WHERE id = 600', undefined);
    expect(drained.rows).toEqual([['back']]);
    expect(drained.filesScanned).toBeLessThan(BATCHES + 1);
    expect((await query('SELECT s FROM wide WHERE id = 42', undefined)).rows).toEqual([]);
  });

  it('tables of the same name in two buckets never share cached statements or rows', async () => {
    const other = 'other-bucket';
    const run = async (bucket: string, sql: string, freshness?: Freshness) => {
      const r = await h.engine.execute({ bucket, sql, ...(freshness !== undefined ? { freshness } : {}) });
      if (!('query' in r)) throw new Error(sql);
      return r.query;
    };
    await h.engine.execute({ bucket: other, sql: 'CREATE TABLE pair (region VARCHAR, n SMALLINT, v VARCHAR, w DOUBLE, PRIMARY KEY (region, n))' });
    await h.engine.execute({ bucket: other, sql: "INSERT INTO pair VALUES ('r0', 4, 'other', 0.5)" });
    for (let i = 0; i < 3; i++) {
      for (const freshness of [Freshness.STRONG, undefined]) {
        expect((await run(h.bucket, "SELECT v FROM pair WHERE region = 'r0' AND n = 4", freshness)).rows).toEqual([['v4']]);
        expect((await run(other, "SELECT v FROM pair WHERE region = 'r0' AND n = 4", Freshness.STRONG)).rows).toEqual([['other']]);
      }
      await h.engine.compact(other, 'pair');
    }
  });

  it('answers from the decoded-file cache equal the general path, every type family (wip/lookup4)', async () => {
    // Keys only in Delta (none in the log), in each of the three files; a file's second Parquet
    // read builds its decoded table in the background, so each key is asked until the cache answers.
    const cases: [string, string][] = [1, 2, 4, 5, 10, 15, 39, 40, 43, 60, 80, 81, 95, 110, 120].map((id) => [`SELECT * FROM wide WHERE id = ${id}`, `SELECT * FROM wide WHERE (id = ${id})`]);
    for (const [region, n] of [['r0', 4], ['r1', 46], ['r2', 100], ['r2', 99]] as const) cases.push([`SELECT v, w, region FROM pair WHERE region = '${region}' AND n = ${n}`, `SELECT v, w, region FROM pair WHERE (region = '${region}' AND n = ${n})`]);
    let decoded = 0;
    const missed: string[] = [];
    for (const freshness of [Freshness.STRONG, undefined]) {
      for (const [sql, general] of cases) {
        for (let attempt = 0; attempt < 400; attempt++) {
          const a = await query(sql, freshness);
          const b = await query(general, freshness);
          expect(tookFastPath(a), sql).toBe(true);
          expect(a.columns, sql).toEqual(b.columns);
          expect(a.rows, `${sql} at ${freshness ?? 'EVENTUAL'}`).toEqual(b.rows);
          if (attempt === 399) missed.push(`${sql} ${freshness ?? ''}: ${a.strategyReason}`);
          if (a.strategyReason.includes('decoded-file cache')) {
            decoded++;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }
    }
    expect(decoded, missed.join('; ')).toBe(cases.length * 2);
  });
});

describe('point lookup shape', () => {
  it('classifies exactly the documented shape', () => {
    const shape = (sql: string) => classifyTokens(sql, tokenize(sql));
    expect(shape('SELECT a, "B" FROM t WHERE k = -5 AND "x y" = \'it\'\'s\' AND z = $2')).toEqual({
      table: 't', columns: ['a', 'B'], projection: 'a, "B"',
      equalities: [{ column: 'k', value: { kind: 'integer', text: '-5' } }, { column: 'x y', value: { kind: 'string', text: "it's" } }, { column: 'z', value: { kind: 'param', index: 2 } }],
    });
    for (const sql of ['SELECT * FROM t WHERE k = 1 LIMIT 1', 'SELECT * FROM s.t WHERE k = 1', 'SELECT * FROM t WHERE k = 1 OR k = 2', 'SELECT * FROM t WHERE k = 0x10',
      'SELECT * FROM t WHERE k = 1_000', 'SELECT * FROM t, u WHERE k = 1', 'SELECT count(*) FROM t WHERE k = 1', 'SELECT * FROM t WHERE k = E\'x\'',
      'SELECT * FROM duckdb_tables WHERE k = 1', 'SELECT * FROM t WHERE k = 1 AND', 'SELECT "from" FROM t WHERE order = 1', 'SELECT * FROM t WHERE k = 1e3']) {
      expect(shape(sql), sql).toBeUndefined();
    }
  });

  it('its keyword list is the running DuckDB\'s (every keyword that is not unreserved)', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const rows = (await conn.runAndReadAll("SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category <> 'unreserved'")).getRows().map((r) => String(r[0]));
      expect(new Set(rows)).toEqual(NOT_UNRESERVED_KEYWORDS);
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  });
});

/**
 * Every storable DuckDB type round-trips (docs/api.md "Column types"): per type, values (extremes,
 * nested NULLs, NULL) are written through every write path — INSERT VALUES and INSERT … SELECT
 * (direct), keyed INSERT / UPDATE / MERGE (write log, then drained), CTAS, ALTER TABLE ADD COLUMN
 * with a backfilled DEFAULT — and must read back exactly as plain DuckDB holds them (values and
 * `typeof`), also by version (AS OF) and after OPTIMIZE. The Delta files must be readable
 * without k3's metadata: the schema holds the documented Delta type, the conformance reader
 * (CLI scan) reads every row, and DuckDB's own Parquet reader sees the documented storage type.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanSnapshot } from '../../../cli/src/scan.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import type { DataType } from '../../src/delta/schema.ts';
import { deltaToDuckDBWriteType, withConnection, createDuckDB } from '../../src/exec/index.ts';
import { LocalObjectStore } from '../../src/object-store/local-object-store.ts';
import { engineAndReference } from './engine-and-reference.ts';

interface TypeCase {
  readonly type: string;
  /** Three SQL literals of the type (the first two non-NULL). */
  readonly values: readonly [string, string, string];
  readonly delta: DataType;
  /** Stored with k3.duckdbType (no Delta twin). */
  readonly restored: boolean;
}

const arr = (elementType: DataType): DataType => ({ type: 'array', elementType, containsNull: true });

const CASES: readonly TypeCase[] = [
  { type: 'DECIMAL(38,10)', values: ['9999999999999999999999999999.9999999999', '-0.0000000001', 'NULL'], delta: 'decimal(38,10)', restored: false },
  { type: 'DECIMAL(4,1)', values: ['999.9', '-999.9', '0.0'], delta: 'decimal(4,1)', restored: false },
  { type: 'TINYINT', values: ['127', '-128', 'NULL'], delta: 'byte', restored: false },
  { type: 'SMALLINT', values: ['32767', '-32768', '0'], delta: 'short', restored: false },
  { type: 'INTEGER', values: ['2147483647', '-2147483648', 'NULL'], delta: 'integer', restored: false },
  { type: 'BIGINT', values: ['9223372036854775807', '-9223372036854775808', 'NULL'], delta: 'long', restored: false },
  { type: 'FLOAT', values: ["'inf'::FLOAT", '-3.4028235e38', "'nan'::FLOAT"], delta: 'float', restored: false },
  { type: 'DOUBLE', values: ['1.7976931348623157e308', "'-inf'::DOUBLE", '-0.0'], delta: 'double', restored: false },
  { type: 'BOOLEAN', values: ['true', 'false', 'NULL'], delta: 'boolean', restored: false },
  { type: 'VARCHAR', values: ["'ü€😀'", "''", "'a''b'"], delta: 'string', restored: false },
  { type: 'BLOB', values: ["'\\x00\\xFF'::BLOB", "''::BLOB", 'NULL'], delta: 'binary', restored: false },
  { type: 'DATE', values: ["DATE '0001-01-01'", "DATE '9999-12-31'", 'NULL'], delta: 'date', restored: false },
  { type: 'TIMESTAMP', values: ["TIMESTAMP '0001-01-01 00:00:00'", "TIMESTAMP '9999-12-31 23:59:59.999999'", "TIMESTAMP '1969-12-31 23:59:59.999999'"], delta: 'timestamp_ntz', restored: false },
  { type: 'TIMESTAMP WITH TIME ZONE', values: ["TIMESTAMPTZ '2024-01-02 03:04:05.123456+00'", "TIMESTAMPTZ '1900-01-01 00:00:00+05:30'", 'NULL'], delta: 'timestamp', restored: true },
  { type: 'JSON', values: ['\'{"a":[1,2.5,"x",null],"n":12345678901234567890}\'', "'[]'", 'NULL'], delta: 'string', restored: false },
  { type: 'INTEGER[]', values: ['[1, NULL, 3]', '[]', 'NULL'], delta: arr('integer'), restored: false },
  { type: 'VARCHAR[][]', values: ["[['a'], NULL, []]", "[[NULL]]", 'NULL'], delta: arr(arr('string')), restored: false },
  { type: 'INTEGER[3]', values: ['[1, 2, 3]', '[NULL, 5, 6]', 'NULL'], delta: arr('integer'), restored: true },
  {
    type: 'STRUCT(a INTEGER, "b c" VARCHAR)', values: ["{'a': 1, 'b c': 'x'}", "{'a': NULL, 'b c': NULL}", 'NULL'],
    delta: { type: 'struct', fields: [{ name: 'a', type: 'integer', nullable: true, metadata: {} }, { name: 'b c', type: 'string', nullable: true, metadata: {} }] }, restored: false,
  },
  { type: 'MAP(VARCHAR, BIGINT)', values: ["MAP {'k': 1, 'z': NULL}", 'MAP {}', 'NULL'], delta: { type: 'map', keyType: 'string', valueType: 'long', valueContainsNull: true }, restored: false },
  {
    type: 'STRUCT(l DECIMAL(10,2)[], m MAP(INTEGER, TIMESTAMP))[]', values: ["[{'l': [1.25, NULL], 'm': MAP {1: TIMESTAMP '2020-01-01 00:00:00'}}]", '[NULL]', 'NULL'],
    delta: arr({ type: 'struct', fields: [{ name: 'l', type: arr('decimal(10,2)'), nullable: true, metadata: {} }, { name: 'm', type: { type: 'map', keyType: 'integer', valueType: 'timestamp_ntz', valueContainsNull: true }, nullable: true, metadata: {} }] }),
    restored: false,
  },
  { type: 'UUID', values: ["'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'", 'NULL'], delta: 'string', restored: true },
  { type: 'HUGEINT', values: ['99999999999999999999999999999999999999', '-99999999999999999999999999999999999999', 'NULL'], delta: 'decimal(38,0)', restored: true },
  { type: 'UHUGEINT', values: ['99999999999999999999999999999999999999', '0', 'NULL'], delta: 'decimal(38,0)', restored: true },
  { type: 'UBIGINT', values: ['18446744073709551615', '0', 'NULL'], delta: 'decimal(20,0)', restored: true },
  { type: 'UINTEGER', values: ['4294967295', '0', 'NULL'], delta: 'long', restored: true },
  { type: 'USMALLINT', values: ['65535', '0', 'NULL'], delta: 'integer', restored: true },
  { type: 'UTINYINT', values: ['255', '0', 'NULL'], delta: 'short', restored: true },
  { type: "ENUM('lo', 'hi')", values: ["'hi'", "'lo'", 'NULL'], delta: 'string', restored: true },
  { type: 'INTERVAL', values: ["INTERVAL '1 year 2 months 3 days 04:05:06.000007'", "INTERVAL '-1 day'", 'NULL'], delta: 'string', restored: true },
  { type: 'TIME', values: ["TIME '23:59:59.999999'", "TIME '00:00:00'", 'NULL'], delta: 'string', restored: true },
  { type: 'TIME WITH TIME ZONE', values: ["TIMETZ '12:00:00+02'", "TIMETZ '00:00:00-15:59'", 'NULL'], delta: 'string', restored: true },
  { type: 'BIT', values: ["'0101'::BIT", "'1'::BIT", 'NULL'], delta: 'string', restored: true },
  { type: 'BIGNUM', values: ["'123456789012345678901234567890123456789012345'::BIGNUM", "'-1'::BIGNUM", 'NULL'], delta: 'string', restored: true },
  { type: 'TIMESTAMP_S', values: ["TIMESTAMP_S '2024-01-01 00:00:01'", "TIMESTAMP_S '1970-01-01 00:00:00'", 'NULL'], delta: 'timestamp_ntz', restored: true },
  { type: 'TIMESTAMP_MS', values: ["TIMESTAMP_MS '2024-01-01 00:00:01.123'", "TIMESTAMP_MS '1960-01-01 00:00:00.001'", 'NULL'], delta: 'timestamp_ntz', restored: true },
];

const env = engineAndReference();
const both = env.both;

async function k3Rows(sql: string): Promise<unknown[][]> {
  return (await env.h.query(sql)).rows;
}

describe.each(CASES.map((c, i) => ({ ...c, i })))('$type', ({ type, values, delta, restored, i }) => {
  const t = `rt${i}`;
  const [a, b, c] = values;

  it('round-trips through every write path, by version, after the drain and after OPTIMIZE', { timeout: 120_000 }, async () => {
    // Direct writes (no primary key).
    await both(`CREATE TABLE ${t} (id INTEGER, v ${type})`);
    await both(`INSERT INTO ${t} VALUES (1, ${a}), (2, ${b}), (3, ${c})`);
    await both(`INSERT INTO ${t} SELECT id + 10, v FROM ${t}`);
    await both(`UPDATE ${t} SET v = (SELECT v FROM ${t} WHERE id = 2) WHERE id = 13`);
    await both(`SELECT id, v, typeof(v) FROM ${t} ORDER BY id`);
    const v2 = (await env.h.engine.describeTable(env.h.bucket, t)).deltaVersion;
    await both(`DELETE FROM ${t} WHERE id = 11`);
    // Keyed writes (write log, drained by the harness) and MERGE.
    await both(`CREATE TABLE ${t}k (id INTEGER PRIMARY KEY, v ${type})`);
    await both(`INSERT INTO ${t}k VALUES (1, ${a})`);
    await both(`INSERT INTO ${t}k VALUES (2, ${b}), (3, ${c})`);
    await both(`UPDATE ${t}k SET v = (SELECT v FROM ${t} WHERE id = 1) WHERE id = 3`);
    await both(`MERGE INTO ${t}k USING (SELECT id + 100 AS id, v FROM ${t}) s ON ${t}k.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`);
    await both(`INSERT OR REPLACE INTO ${t}k SELECT id, v FROM ${t} WHERE id = 2`);
    await both(`SELECT id, v, typeof(v) FROM ${t}k ORDER BY id`);
    // CTAS and ADD COLUMN with a backfilled default.
    await both(`CREATE TABLE ${t}c AS SELECT v, [v] AS l, {'v': v} AS s FROM ${t}`);
    await both(`SELECT v, l, s, typeof(v), typeof(l), typeof(s) FROM ${t}c ORDER BY v NULLS FIRST`, false);
    if (!/^(MAP|STRUCT|.*\]$)/.test(type)) {
      await both(`ALTER TABLE ${t} ADD COLUMN w ${type} DEFAULT ${a}`);
      await both(`SELECT id, v, w, typeof(w) FROM ${t} ORDER BY id`);
    }
    // Time travel: the version after the UPDATE still holds row 11.
    const old = await k3Rows(`SELECT count(*) FROM ${t} AS OF VERSION ${v2} WHERE id = 11`);
    expect(old).toEqual([['1']]);
    // OPTIMIZE rewrites the files; the contents stay the same.
    await env.h.exec(`OPTIMIZE ${t}`);
    await env.h.exec(`OPTIMIZE ${t}k`);
    await both(`SELECT * FROM ${t} ORDER BY id`);
    await both(`SELECT * FROM ${t}k ORDER BY id`);

    // The Delta table as other engines see it.
    const store = new LocalObjectStore(path.join(env.h.dir, 'data', env.h.bucket));
    for (const name of [t, `${t}k`]) {
      const root = `tables/${name}/`;
      const snap = await loadSnapshot(store, root);
      const field = snap.schema.fields.find((f) => f.name === 'v')!;
      expect(field.type).toEqual(delta);
      expect(field.metadata['k3.duckdbType'] !== undefined).toBe(restored);
      const scanned = await scanSnapshot(store, snap);
      const expectedRows = await env.ref.run(`SELECT count(*) FROM ${name}`);
      expect(String(scanned.rows.length)).toBe(String(expectedRows.rows[0]![0]));
      // DuckDB's own Parquet reader sees the Delta storage type.
      const files = snap.files.map((f) => path.join(store.rootDir, ...f.key.split('/')));
      const parquetType = await withDb(async (conn) => (await conn.runAndReadAll(`SELECT typeof(v) FROM read_parquet([${files.map((p) => `'${p}'`).join(', ')}]) LIMIT 1`)).getRows()[0]?.[0]);
      const want = await withDb(async (conn) => (await conn.runAndReadAll(`SELECT typeof(NULL::${deltaToDuckDBWriteType(delta)})`)).getRows()[0]?.[0]);
      expect(parquetType, `${name} parquet type`).toBe(want);
    }
  });
});

async function withDb<T>(fn: Parameters<typeof withConnection<T>>[1]): Promise<T> {
  const db = await createDuckDB({ threads: 1 });
  try {
    await withConnection(db, async (conn) => conn.run("SET TimeZone = 'UTC'"));
    return await withConnection(db, fn);
  } finally {
    db.closeSync();
  }
}

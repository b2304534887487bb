/**
 * keysWithRange (keys-with-range.ts): the keys of a TEMP keys table as write-log text plus the
 * range over its first key column in ONE query must equal what the two separate queries gave —
 * captureKeys and the min / max aggregate — on a real DuckDB, for every key shape a scoped MERGE
 * loads by. And the DuckDB behaviour the MERGE's call is built around: a multi-statement call
 * answers with its FIRST result set (a SELECT before the last hid the range before wip/ingest5).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysWithRange, keysWithRangeSql, scalarsWithCapture, scalarsWithCaptureSql } from '../../src/sql/keys-with-range.ts';
import { captureKeys, roundTripCaptureSql } from '../../src/wal/capture-rows.ts';
import type { WalTableShape } from '../../src/wal/table-shape.ts';

let db: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
afterAll(() => {
  conn?.closeSync();
  db?.closeSync();
});

function shapeOf(columns: [string, string][], primaryKey: string[]): WalTableShape {
  return { tableId: 't', columns: columns.map(([name, type]) => ({ name, type })), primaryKey, fingerprint: 'f', notNull: primaryKey };
}

/** The two separate queries the MERGE ran before: the keys as text, then the range (keyRangeFilter's). */
async function separately(table: string, shape: WalTableShape): Promise<{ tuples: unknown[]; range: string | undefined }> {
  const tuples = await captureKeys(conn, `SELECT * FROM ${table}`, shape);
  const key = shape.primaryKey[0]!;
  const type = shape.columns.find((c) => c.name === key)!.type;
  const [lo, hi] = (await conn.runAndReadAll(`SELECT CAST(min("${key}") AS VARCHAR), CAST(max("${key}") AS VARCHAR) FROM ${table}`)).getRows()[0]!;
  const lit = (v: unknown): string => `'${String(v).replaceAll("'", "''")}'`;
  const range = lo === null && hi === null ? undefined : ` WHERE s."${key}" BETWEEN CAST(${lit(lo)} AS ${type}) AND CAST(${lit(hi)} AS ${type})`;
  return { tuples, range };
}

// Captured rows may hold integers typed (bigint: roundTripCaptureSql, wip/bulk6).
const sorted = (tuples: unknown[]): string[] => tuples.map((t) => JSON.stringify(t, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).sort();

describe('keysWithRange', () => {
  const cases: { name: string; columns: [string, string][]; key: string[]; rows: string }[] = [
    { name: 'BIGINT keys, negative and large', columns: [['id', 'BIGINT']], key: ['id'], rows: '(-5), (9007199254740993), (12)' },
    { name: 'VARCHAR keys with quotes (text order, not numeric)', columns: [['k', 'VARCHAR']], key: ['k'], rows: "('b''x'), ('a'), ('10'), ('9')" },
    { name: 'a two-column key', columns: [['a', 'INTEGER'], ['b', 'VARCHAR']], key: ['a', 'b'], rows: "(2, 'x'), (1, 'y'), (2, 'a')" },
    { name: 'a NULL first key among others', columns: [['id', 'INTEGER']], key: ['id'], rows: '(NULL), (4), (3)' },
    { name: 'only a NULL key: no range', columns: [['id', 'INTEGER']], key: ['id'], rows: '(NULL)' },
    { name: 'TIMESTAMP keys', columns: [['ts', 'TIMESTAMP']], key: ['ts'], rows: "(TIMESTAMP '2026-06-01 00:00:01'), (TIMESTAMP '1999-12-31 23:59:59.5')" },
  ];
  for (const [i, c] of cases.entries()) {
    it(c.name, async () => {
      const table = `k${i}`;
      await conn.run(`CREATE TEMP TABLE ${table} (${c.columns.map(([n, t]) => `"${n}" ${t}`).join(', ')}); INSERT INTO ${table} VALUES ${c.rows}`);
      const shape = shapeOf(c.columns, c.key);
      const got = keysWithRange((await conn.runAndReadAll(keysWithRangeSql(table, shape)!)).getRows(), shape, 's');
      const want = await separately(table, shape);
      expect(sorted(got.tuples)).toEqual(sorted(want.tuples));
      expect(got.range).toBe(want.range);
      expect(got.tuples.length).toBeGreaterThan(0);
    });
  }

  it('an empty keys table: no tuple, no range (as the aggregate\'s all-NULL row said)', async () => {
    await conn.run('CREATE TEMP TABLE empty_keys (id BIGINT)');
    const shape = shapeOf([['id', 'BIGINT']], ['id']);
    const got = keysWithRange((await conn.runAndReadAll(keysWithRangeSql('empty_keys', shape)!)).getRows(), shape, 's');
    expect(got).toEqual({ tuples: [], range: undefined });
    expect((await separately('empty_keys', shape)).range).toBeUndefined();
  });

  it('its WHERE condition fails the call when it fails to bind (the MERGE source width check)', async () => {
    await conn.run('CREATE TEMP TABLE src3 AS SELECT 1 AS a, 2 AS b, 3 AS c; CREATE TEMP TABLE kk (id INTEGER); INSERT INTO kk VALUES (1)');
    const shape = shapeOf([['id', 'INTEGER']], ['id']);
    const ok = keysWithRangeSql('kk', shape, 'NOT EXISTS (SELECT * FROM src3 UNION ALL SELECT NULL, NULL, NULL LIMIT 0)')!;
    expect(keysWithRange((await conn.runAndReadAll(ok)).getRows(), shape, 's').tuples).toEqual([['1']]);
    const bad = keysWithRangeSql('kk', shape, 'NOT EXISTS (SELECT * FROM src3 UNION ALL SELECT NULL, NULL LIMIT 0)')!;
    await expect(conn.runAndReadAll(bad)).rejects.toThrow(/same number of result columns/);
  });

  it('DuckDB answers a multi-statement call with its first result set (why the check is a filter)', async () => {
    const r = await conn.runAndReadAll('CREATE TEMP TABLE ms AS SELECT 1 AS x; SELECT * FROM ms LIMIT 0; SELECT 42 AS y');
    expect(r.columnNames()).toEqual(['x']);
    expect(r.getRows()).toEqual([]);
    // Statements after that SELECT still ran.
    await conn.run('CREATE TEMP TABLE ms2 AS SELECT 1 AS x; SELECT 7; INSERT INTO ms2 VALUES (2)');
    expect((await conn.runAndReadAll('SELECT count(*)::INTEGER FROM ms2')).getRows()).toEqual([[2]]);
  });

  it('scalarsWithCapture: the new keys\' range and scalars with the captured rows, one query, as asked separately', async () => {
    await conn.run("CREATE TEMP TABLE tgt (id BIGINT, name VARCHAR); INSERT INTO tgt VALUES (1, 'a'), (2, 'b'), (30, NULL); CREATE TEMP TABLE named (id BIGINT); INSERT INTO named VALUES (1), (2)");
    const shape = shapeOf([['id', 'BIGINT'], ['name', 'VARCHAR']], ['id']);
    const capture = roundTripCaptureSql('SELECT * FROM tgt', shape, 'false');
    const also = ['(SELECT count(*) FROM tgt)'];
    const sql = (keys: string): string => scalarsWithCaptureSql(keys, shape, also, capture)!;
    const want = (await conn.runAndReadAll(capture)).getRows();
    const got = scalarsWithCapture((await conn.runAndReadAll(sql('(SELECT id FROM tgt EXCEPT SELECT id FROM named)'))).getRows(), shape, 1, 's');
    expect(got.range).toBe(` WHERE s."id" BETWEEN CAST('30' AS BIGINT) AND CAST('30' AS BIGINT)`);
    expect(got.also.map(Number)).toEqual([3]);
    expect(sorted(got.captured)).toEqual(sorted(want));
    expect(got.captured).toHaveLength(3);
    // No new key: no range, the scalars and rows still answer.
    const none = scalarsWithCapture((await conn.runAndReadAll(sql('(SELECT id FROM named EXCEPT SELECT id FROM tgt)'))).getRows(), shape, 1, 's');
    expect(none.range).toBeUndefined();
    expect(none.also.map(Number)).toEqual([3]);
    expect(none.captured).toHaveLength(3);
    // Nothing changed: no captured row (not one row of NULLs).
    const emptyCapture = roundTripCaptureSql('SELECT * FROM tgt WHERE false', shape, 'false');
    const nothing = scalarsWithCapture((await conn.runAndReadAll(scalarsWithCaptureSql('(SELECT id FROM named)', shape, also, emptyCapture)!)).getRows(), shape, 1, 's');
    expect(nothing.captured).toEqual([]);
    expect(nothing.range).toBe(` WHERE s."id" BETWEEN CAST('1' AS BIGINT) AND CAST('2' AS BIGINT)`);
  });
});

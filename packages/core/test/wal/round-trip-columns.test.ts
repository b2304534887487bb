/**
 * roundTripColumns (wip/bulk7: the blind replace's capture read by column) gives exactly what
 * roundTripRows gives for the same result read by row — every integer type, text (quotes, UTF-8,
 * empty), DOUBLE, NULLs, more rows than one DuckDB chunk (2,048) — and no values as soon as one
 * row does not read back. Real DuckDB.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useDuckDB } from '../plan/support/duckdb.ts';
import { roundTripCaptureSql, roundTripColumns, roundTripRows } from '../../src/wal/capture-rows.ts';
import type { WalTableShape } from '../../src/wal/table-shape.ts';

const duck = useDuckDB();

const columns = [
  { name: 'k', type: 'BIGINT' }, { name: 'i', type: 'INTEGER' }, { name: 'h', type: 'HUGEINT' }, { name: 'u', type: 'UBIGINT' },
  { name: 's', type: 'VARCHAR' }, { name: 'd', type: 'DOUBLE' }, { name: 'b', type: 'BOOLEAN' }, { name: 't', type: 'TIMESTAMP' },
];
const shape: WalTableShape = { tableId: 't', columns, primaryKey: ['k'], fingerprint: 'f', notNull: ['k'] };

async function both(sql: string, differs: string): Promise<{ byRow: ReturnType<typeof roundTripRows>; byColumn: ReturnType<typeof roundTripColumns>; rows: number }> {
  const capture = roundTripCaptureSql(sql, shape, differs);
  const rows = (await duck.conn.runAndReadAll(capture)).getRows();
  const byColumn = roundTripColumns((await duck.conn.runAndReadAll(capture)).getColumns(), shape);
  return { byRow: roundTripRows(rows, shape), byColumn, rows: rows.length };
}

describe('roundTripColumns', () => {
  beforeAll(async () => {
    await duck.conn.run(`CREATE TABLE src AS SELECT i::BIGINT AS k,
      CASE WHEN i % 7 = 0 THEN NULL ELSE (i * -31)::INTEGER END AS i,
      (i::HUGEINT * 170141183460469231731687303715) AS h,
      CASE WHEN i % 5 = 0 THEN 18446744073709551615::UBIGINT ELSE i::UBIGINT END AS u,
      CASE i % 4 WHEN 0 THEN 'it''s' WHEN 1 THEN '€ ' || i WHEN 2 THEN '' ELSE NULL END AS s,
      CASE WHEN i % 3 = 0 THEN NULL ELSE i / 7.0 END AS d,
      i % 2 = 0 AS b,
      TIMESTAMP '2024-01-01' + to_seconds(i) AS t
      FROM range(5000) r(i)`);
  });

  it('gives roundTripRows\' values over several chunks, every value text or NULL', async () => {
    const { byRow, byColumn, rows } = await both('SELECT * FROM src ORDER BY k', 'false');
    expect(rows).toBe(5000);
    expect(byColumn.count).toBe(5000);
    expect(byRow).toHaveLength(5000);
    expect(byColumn.values).toEqual(byRow);
    expect(byColumn.values?.flat().every((v) => v === null || typeof v === 'string')).toBe(true);
    expect(byColumn.values?.[5]).toEqual(byRow?.[5]);
    expect(byColumn.values?.[0]?.[4]).toBe('it\'s');
    expect(byColumn.values?.[7]?.[1]).toBeNull();
  });

  it('gives the same values for runs of equal text, NULLs inside a run and a text repeated after another (wip/bulk11: a repeat is stored as the previous string)', async () => {
    const { byRow, byColumn } = await both(`SELECT * REPLACE (CASE WHEN k % 10 < 5 THEN 'same' WHEN k % 10 = 5 THEN NULL WHEN k % 10 = 6 THEN 'same'
      WHEN k % 10 = 7 THEN 'x' || (k // 20) ELSE 'same' || '' END AS s) FROM src ORDER BY k`, 'false');
    expect(byColumn.values).toEqual(byRow);
    expect(byColumn.values?.slice(0, 10).map((r) => r[4])).toEqual(['same', 'same', 'same', 'same', 'same', null, 'same', 'x0', 'same', 'same']);
    expect(byColumn.values?.slice(20, 30).map((r) => r[4])).toEqual(['same', 'same', 'same', 'same', 'same', null, 'same', 'x1', 'same', 'same']);
  });

  it('gives no values when one row does not read back, and none for no rows', async () => {
    const bad = await both('SELECT * FROM src ORDER BY k', 'src.k = 4321');
    expect(bad.byRow).toBeUndefined();
    expect(bad.byColumn).toEqual({ count: 5000, values: undefined });
    const none = await both('SELECT * FROM src WHERE k < 0', 'false');
    expect(none.byRow).toEqual([]);
    expect(none.byColumn).toEqual({ count: 0, values: [] });
  });
});

import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { loadRelation, toReduceValue, typedLiteral, withRelationCte } from '../../src/plan/index.ts';
import type { ReduceValue } from '../../src/reduce/index.ts';
import { useDuckDB } from './support/duckdb.ts';

const db = useDuckDB();

describe('merged relation: DuckDB values ↔ reducer values', () => {
  const columns = [
    { name: 'h', type: 'HUGEINT' }, { name: 'dec', type: 'DECIMAL(38,2)' }, { name: 'dbl', type: 'DOUBLE' }, { name: 'f', type: 'FLOAT' },
    { name: 'd', type: 'DATE' }, { name: 'ts', type: 'TIMESTAMP' }, { name: 'tz', type: 'TIMESTAMP WITH TIME ZONE' }, { name: 's', type: 'VARCHAR' },
    { name: 'bl', type: 'BLOB' }, { name: 'b', type: 'BOOLEAN' }, { name: 'i', type: 'INTEGER' }, { name: 'u', type: 'UUID' },
  ];
  const rows: ReduceValue[][] = [
    [2n ** 100n, -5n, -0, 0.1, -1, 1704067200123456n, 0n, "it's\0x", new Uint8Array([0, 255]), true, -7, '00000000-0000-0000-0000-00000000002a'],
    [-(2n ** 120n), 12345678901234567890123456789012345678n, Number.NaN, Number.POSITIVE_INFINITY, 19723, -1n, -1n, '\u{1F600}', new Uint8Array([]), false, 2147483647, null],
    [null, null, null, null, null, null, null, null, null, null, null, null],
  ];

  it('round-trips every carried type exactly through a typed TEMP table', async () => {
    await loadRelation(db.conn, 'm', columns, rows);
    const reader = await db.conn.runAndReadAll('SELECT * FROM m');
    expect(reader.columnTypes().map(String)).toEqual(columns.map((c) => c.type));
    const back = reader.getRows().map((r) => r.map(toReduceValue));
    expect(back[0]).toEqual([2n ** 100n, -5n, -0, Math.fround(0.1), -1, 1704067200123456n, 0n, "it's\0x", new Uint8Array([0, 255]), true, -7, '00000000-0000-0000-0000-00000000002a']);
    expect(Object.is(back[0]![2], -0)).toBe(true);
    expect(back[1]![2]).toBeNaN();
    expect(back[1]!.slice(0, 2)).toEqual([-(2n ** 120n), 12345678901234567890123456789012345678n]);
    expect(back[2]!.every((v) => v === null)).toBe(true);
    const text = (await db.conn.runAndReadAll('SELECT dec::VARCHAR, d::VARCHAR, ts::VARCHAR FROM m ORDER BY h NULLS LAST LIMIT 2')).getRows();
    expect(text).toEqual([['123456789012345678901234567890123456.78', '2024-01-01', '1969-12-31 23:59:59.999999'], ['-0.05', '1969-12-31', '2024-01-01 00:00:00.123456']]);
  });

  it('inserts in batches and refuses values the reducer does not carry', async () => {
    const many = Array.from({ length: 1234 }, (_, i) => [BigInt(i)]);
    await loadRelation(db.conn, 'big', [{ name: 'x', type: 'BIGINT' }], many);
    expect((await db.conn.runAndReadAll('SELECT count(*), sum(x) FROM big')).getRows()[0]).toEqual([1234n, 760761n]);
    const list = (await db.conn.runAndReadAll('SELECT [1, 2] AS l')).getRows()[0]![0]!;
    expect(() => toReduceValue(list)).toThrow(expect.objectContaining({ code: 'ERR_SQL_UNSUPPORTED' }));
    try {
      typedLiteral(new Uint8Array([1]), 'INTEGER[]');
      expect.unreachable();
    } catch (e) {
      expect(isAppError(e, 'ERR_SQL_UNSUPPORTED')).toBe(true);
    }
  });

  it('withRelationCte: the same relation as a CTE of the FINAL statement — same types, same values, one call', async () => {
    await loadRelation(db.conn, 'm2', columns, rows);
    const fromTable = await db.conn.runAndReadAll('SELECT * FROM m2 ORDER BY i NULLS LAST');
    const sql = withRelationCte('SELECT * FROM m2 ORDER BY i NULLS LAST', 'm2', columns, rows)!;
    expect(sql.startsWith('WITH "m2" AS (')).toBe(true);
    await db.conn.run('DROP TABLE m2');
    const inlined = await db.conn.runAndReadAll(sql);
    expect(inlined.columnTypes().map(String)).toEqual(columns.map((c) => c.type));
    expect(inlined.columnNames()).toEqual(columns.map((c) => c.name));
    const norm = (r: typeof inlined) => r.getRows().map((row) => row.map(toReduceValue));
    const a = norm(inlined);
    const b = norm(fromTable);
    expect(a).toEqual(b);
    expect(Object.is(a[1]![2], -0) || Object.is(a[0]![2], -0)).toBe(true);
    // No rows: still the typed columns; too many rows, or a WITH of its own: undefined (the caller loads the table).
    const empty = await db.conn.runAndReadAll(withRelationCte('SELECT * FROM e', 'e', columns, [])!);
    expect(empty.columnTypes().map(String)).toEqual(columns.map((c) => c.type));
    expect(empty.getRows()).toEqual([]);
    expect(withRelationCte('SELECT * FROM big', 'big', [{ name: 'x', type: 'BIGINT' }], Array.from({ length: 501 }, (_, i) => [BigInt(i)]))).toBeUndefined();
    expect(withRelationCte('WITH a AS (SELECT 1) SELECT * FROM big', 'big', [{ name: 'x', type: 'BIGINT' }], [[1n]])).toBeUndefined();
  });
});

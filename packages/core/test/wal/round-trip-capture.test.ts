/**
 * roundTripCaptureSql captures integer columns typed (wip/bulk6) and roundTripRows prints them:
 * the write-log text must be exactly what the VARCHAR capture (captureRows) gives — for every
 * integer type at its extremes, zero, negatives and NULL, beside text columns. Real DuckDB.
 */
import { describe, expect, it } from 'vitest';
import { useDuckDB } from '../plan/support/duckdb.ts';
import { captureRows, roundTripCaptureSql, roundTripRows } from '../../src/wal/capture-rows.ts';
import type { WalTableShape } from '../../src/wal/table-shape.ts';

const duck = useDuckDB();

const TYPES = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT'];

describe('roundTripCaptureSql', () => {
  it('gives the VARCHAR capture\'s text for every integer type', async () => {
    const columns = [{ name: 'k', type: 'INTEGER' }, ...TYPES.map((type, i) => ({ name: `c${i}`, type })), { name: 's', type: 'VARCHAR' }, { name: 'd', type: 'DOUBLE' }];
    const shape: WalTableShape = { tableId: 't', columns, primaryKey: ['k'], fingerprint: 'f', notNull: ['k'] };
    await duck.conn.run(`CREATE TABLE ints (${columns.map((c) => `"${c.name}" ${c.type}`).join(', ')})`);
    const values = (pick: (type: string) => string): string => TYPES.map((t) => `CAST(${pick(t)} AS ${t})`).join(', ');
    const insert = (k: number, ints: string, s: string, d: string): Promise<unknown> => duck.conn.run(`INSERT INTO ints VALUES (${k}, ${ints}, ${s}, ${d})`);
    await insert(1, values((t) => (t.startsWith('U') ? '0' : `'${MIN[t]}'`)), `'a'`, '1.5');
    await insert(2, values((t) => `'${MAX[t]}'`), `'b''c'`, '-0.0');
    await insert(3, values(() => '0'), 'NULL', 'NULL');
    await insert(4, values(() => 'NULL'), `'€'`, '1e300');
    await insert(5, values((t) => (t.startsWith('U') ? '7' : '-7')), `''`, '0.1');
    const sql = 'SELECT * FROM ints ORDER BY k';
    const typed = roundTripRows((await duck.conn.runAndReadAll(roundTripCaptureSql(sql, shape, 'false'))).getRows(), shape);
    const text = await captureRows(duck.conn, sql, shape);
    expect(text).toHaveLength(5);
    expect(typed).toEqual(text);
    // The extremes really are the extremes (the VARCHAR text DuckDB prints for them).
    expect(text[1]?.[4]).toBe('9223372036854775807');
    expect(text[0]?.[4]).toBe('-9223372036854775808');
    expect(text[1]?.[9]).toBe('18446744073709551615');
    expect(text[1]?.[10]).toBe('340282366920938463463374607431768211455');
    // Every value is text or NULL, as a write-log record holds.
    expect(typed?.flat().every((v) => v === null || typeof v === 'string')).toBe(true);
  });
});

const MIN: Record<string, string> = { TINYINT: '-128', SMALLINT: '-32768', INTEGER: '-2147483648', BIGINT: '-9223372036854775808', HUGEINT: '-170141183460469231731687303715884105728' };
const MAX: Record<string, string> = {
  TINYINT: '127', SMALLINT: '32767', INTEGER: '2147483647', BIGINT: '9223372036854775807', HUGEINT: '170141183460469231731687303715884105727',
  UTINYINT: '255', USMALLINT: '65535', UINTEGER: '4294967295', UBIGINT: '18446744073709551615', UHUGEINT: '340282366920938463463374607431768211455',
};

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.ts';
import { decodeArrowPartial, encodeArrowPartial } from '../../src/jobs/index.ts';
import { toReduceValue } from '../../src/plan/index.ts';
import type { ReduceValue } from '../../src/reduce/index.ts';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

/** Encodes a DuckDB result to Arrow IPC, decodes it, and returns both sides. */
async function roundTrip(sql: string): Promise<{ decoded: ReturnType<typeof decodeArrowPartial>; expected: { columns: { name: string; type: string }[]; rows: ReduceValue[][] } }> {
  const reader = await conn.runAndReadAll(sql);
  const types = reader.columnTypes();
  const ipc = encodeArrowPartial(reader.columnNames().map((name, i) => ({ name, type: types[i]! })), reader.getColumns());
  return {
    decoded: decodeArrowPartial(ipc),
    expected: { columns: reader.columnNames().map((name, i) => ({ name, type: String(types[i]) })), rows: reader.getRows().map((r) => r.map(toReduceValue)) },
  };
}

function same(a: ReduceValue, b: ReduceValue): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  return Object.is(a, b);
}

function expectSameRows(actual: ReduceValue[][], expected: ReduceValue[][]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => row.forEach((v, j) => {
    if (!same(v, expected[i]![j]!)) throw new Error(`row ${i} col ${j}: ${String(v)} (${typeof v}) != ${String(expected[i]![j])} (${typeof expected[i]![j]})`);
  }));
}

describe('Arrow IPC partials', () => {
  it('keep every carried type exact, including extremes, NaN, -0 and NULL', async () => {
    const { decoded, expected } = await roundTrip(`SELECT * FROM (VALUES
      (170141183460469231731687303715884105727::HUGEINT, '-170141183460469231731687303715884105727'::HUGEINT, 9223372036854775807::BIGINT, '-9223372036854775808'::BIGINT,
       18446744073709551615::UBIGINT, 99999999999999999999999999999999999.999::DECIMAL(38,3), -12.34::DECIMAL(4,2), 1.5::DECIMAL(18,1),
       0.1::FLOAT, 'NaN'::DOUBLE, -0.0::DOUBLE, 'Infinity'::DOUBLE, '-128'::TINYINT, 32767::SMALLINT, '-2147483648'::INTEGER, 255::UTINYINT, 65535::USMALLINT, 4294967295::UINTEGER,
       true, 'héllo ☃ 𝄞', '\\x00\\xff'::BLOB, DATE '1969-12-31', TIMESTAMP '1900-01-01 00:00:00.000001', TIMESTAMPTZ '2024-02-29 23:59:59.999999+00', '00000000-0000-0000-0000-000000000001'::UUID),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, false, '', ''::BLOB, DATE '2024-01-01', TIMESTAMP '2024-01-01', TIMESTAMPTZ '1970-01-01 00:00:00+00', '00000000-0000-0000-0000-000000000000'::UUID)
    ) t`);
    expect(decoded.columns).toEqual(expected.columns);
    expect(decoded.columns.map((c) => c.type)).toContain('DECIMAL(38,3)');
    expect(decoded.columns[0]!.type).toBe('HUGEINT');
    expectSameRows(decoded.rows, expected.rows);
  });

  it('encodes an empty result with its columns', async () => {
    const { decoded, expected } = await roundTrip('SELECT 1::BIGINT AS a, 2.5::DECIMAL(10,1) AS b WHERE false');
    expect(decoded).toEqual({ columns: expected.columns, rows: [] });
  });

  it('property: random BIGINT/HUGEINT/DECIMAL/VARCHAR columns round-trip exactly', async () => {
    const huge = fc.bigInt({ min: -(2n ** 127n) + 1n, max: 2n ** 127n - 1n });
    const row = fc.tuple(fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), fc.option(huge), fc.option(fc.bigInt({ min: -(10n ** 18n) + 1n, max: 10n ** 18n - 1n })), fc.option(fc.string()));
    await fc.assert(fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 20 }), async (rows) => {
      const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
      const values = rows.map(([a, h, d, s]) => `(${a === null ? 'NULL' : `'${a}'::BIGINT`}, ${h === null ? 'NULL' : `'${h}'::HUGEINT`}, ${d === null ? 'NULL' : `('${d}'::DECIMAL(38,0) / 1000)`}, ${s === null ? 'NULL' : lit(s)})`);
      const { decoded, expected } = await roundTrip(`SELECT col0::BIGINT a, col1::HUGEINT h, col2::DECIMAL(38,3) d, col3::VARCHAR s FROM (VALUES ${values.join(', ')})`);
      expect(decoded.columns).toEqual(expected.columns);
      expectSameRows(decoded.rows, expected.rows);
    }), { numRuns: 40 });
  });

  it('refuses types the reducer does not carry with ERR_SQL_UNSUPPORTED', async () => {
    const reader = await conn.runAndReadAll('SELECT [1, 2] AS l');
    const err = (() => { try { encodeArrowPartial([{ name: 'l', type: reader.columnTypes()[0]! }], reader.getColumns()); } catch (e) { return e; } return undefined; })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ERR_SQL_UNSUPPORTED');
  });

  it('refuses bytes that are not an Arrow stream with ERR_JOB_CONTRACT', () => {
    expect(() => decodeArrowPartial(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]))).toThrow(expect.objectContaining({ code: 'ERR_JOB_CONTRACT' }));
  });
});

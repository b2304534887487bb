/**
 * The premise of EXACT_TEXT_TYPES (wip/bulk7), checked in real DuckDB: for each listed type the
 * text round trip `CAST(CAST(x AS VARCHAR) AS t)` gives x back at the type's extremes, zero,
 * NULL and a spread of values — so textRoundTripDiffers may leave these columns out — while it
 * still checks every other type (a TIMESTAMPTZ whose text does not read back is still caught).
 */
import { describe, expect, it } from 'vitest';
import { useDuckDB } from '../plan/support/duckdb.ts';
import { EXACT_TEXT_TYPES } from '../../src/exec/exact-text-types.ts';
import { textRoundTripDiffers } from '../../src/exec/storable.ts';
import type { StructField } from '../../src/delta/schema.ts';

const duck = useDuckDB();

const MIN: Record<string, string> = { TINYINT: '-128', SMALLINT: '-32768', INTEGER: '-2147483648', BIGINT: '-9223372036854775808', HUGEINT: '-170141183460469231731687303715884105728' };
const MAX: Record<string, string> = {
  TINYINT: '127', SMALLINT: '32767', INTEGER: '2147483647', BIGINT: '9223372036854775807', HUGEINT: '170141183460469231731687303715884105727',
  UTINYINT: '255', USMALLINT: '65535', UINTEGER: '4294967295', UBIGINT: '18446744073709551615', UHUGEINT: '340282366920938463463374607431768211455',
};

function valuesOf(type: string): string[] {
  if (type === 'VARCHAR') return [`''`, `'it''s'`, `'€ ü 𝄞'`, `'line' || chr(10) || 'break'`, `' lead and trail '`, `'NULL'`, `'12'`, `'\\x00'`, `repeat('x', 5000)`, 'NULL'];
  if (type === 'BOOLEAN') return ['true', 'false', 'NULL'];
  const out = ['0', '1', 'NULL', `'${MAX[type]!}'`, `'${MIN[type] ?? '0'}'`];
  if (!type.startsWith('U')) out.push('-1', `'${BigInt(MIN[type]!) + 1n}'`);
  out.push(`'${BigInt(MAX[type]!) - 1n}'`, `'${BigInt(MAX[type]!) / 3n}'`);
  return out;
}

describe('EXACT_TEXT_TYPES', () => {
  for (const type of EXACT_TEXT_TYPES) {
    it(`${type}: every value's text reads back as the value`, async () => {
      const values = valuesOf(type);
      const rows = values.map((v) => `SELECT CAST(${v} AS ${type}) AS x`).join(' UNION ALL ');
      const got = (await duck.conn.runAndReadAll(`SELECT count(*), count(*) FILTER (WHERE CAST(CAST(x AS VARCHAR) AS ${type}) IS DISTINCT FROM x) FROM (${rows})`)).getRows()[0];
      expect(Number(got?.[0])).toBe(values.length);
      expect(Number(got?.[1])).toBe(0);
    });
  }

  it('textRoundTripDiffers leaves them out and still catches a TIMESTAMPTZ that does not read back', async () => {
    const field = (name: string, type: string): StructField => ({ name, type, nullable: true, metadata: {} }) as StructField;
    const fields = [field('id', 'long'), field('s', 'string'), field('b', 'boolean'), field('t', 'timestamp'), field('d', 'double')];
    const differs = textRoundTripDiffers(fields, 'src');
    expect(differs).not.toContain('"id"');
    expect(differs).not.toContain('"s"');
    expect(differs).not.toContain('"b"');
    expect(differs).toContain('"t"');
    expect(differs).toContain('"d"');
    expect(textRoundTripDiffers([field('id', 'long'), field('s', 'string')], 'src')).toBe('false');
    const row = (t: string): Promise<unknown> => duck.conn.runAndReadAll(`SELECT (${differs}) FROM (SELECT 1::BIGINT AS id, 'a' AS s, true AS b, ${t} AS t, 0.5::DOUBLE AS d) AS src`).then((r) => r.getRows()[0]?.[0]);
    expect(await row(`TIMESTAMPTZ '2024-01-02 03:04:05.123456+00'`)).toBe(false);
    // Its text does not read back: the check's cast fails (the write path then refuses the row, ERR_TYPE_MISMATCH).
    await expect(row(`TIMESTAMPTZ '294247-01-10 04:00:54.775806+00'`)).rejects.toThrow(/out of range/);
  });
});

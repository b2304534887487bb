import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDB, encodeReader, encodeResult, withConnection, type K3DuckDB } from '../../src/exec/index.ts';
import { DUCKDB_KEYWORDS } from '../../src/exec/duckdb-keywords.ts';

/** [SQL expression, expected type text, expected wire value (golden JSON)]. */
const GOLDEN: Array<[string, string, unknown]> = [
  ['true', 'BOOLEAN', true],
  ['(-128)::TINYINT', 'TINYINT', -128],
  ['32767::SMALLINT', 'SMALLINT', 32767],
  ['(-2147483648)::INTEGER', 'INTEGER', -2147483648],
  ['255::UTINYINT', 'UTINYINT', 255],
  ['4294967295::UINTEGER', 'UINTEGER', 4294967295],
  ['9223372036854775807::BIGINT', 'BIGINT', '9223372036854775807'],
  ['(-9223372036854775808)::BIGINT', 'BIGINT', '-9223372036854775808'],
  ['18446744073709551615::UBIGINT', 'UBIGINT', '18446744073709551615'],
  ['170141183460469231731687303715884105727::HUGEINT', 'HUGEINT', '170141183460469231731687303715884105727'],
  ['340282366920938463463374607431768211455::UHUGEINT', 'UHUGEINT', '340282366920938463463374607431768211455'],
  ["'123456789012345678901234567890'::BIGNUM", 'BIGNUM', '123456789012345678901234567890'],
  ['123.456::DECIMAL(18,3)', 'DECIMAL(18,3)', '123.456'],
  ['(-0.5)::DECIMAL(4,2)', 'DECIMAL(4,2)', '-0.50'],
  ["'12345678901234567890123456.789012345678'::DECIMAL(38,12)", 'DECIMAL(38,12)', '12345678901234567890123456.789012345678'],
  ['0.1::FLOAT', 'FLOAT', 0.1],
  ['3.4028235e38::FLOAT', 'FLOAT', 3.4028235e38],
  ["'nan'::FLOAT", 'FLOAT', 'NaN'],
  ['0.1::DOUBLE', 'DOUBLE', 0.1],
  ['9007199254740993::DOUBLE', 'DOUBLE', 9007199254740992],
  ["'infinity'::DOUBLE", 'DOUBLE', 'Infinity'],
  ["'-infinity'::DOUBLE", 'DOUBLE', '-Infinity'],
  ["'-0.0'::DOUBLE", 'DOUBLE', '-0'],
  ["'-0.0'::FLOAT", 'FLOAT', '-0'],
  ['0.0::DOUBLE', 'DOUBLE', 0],
  ["'héllo ''world'''", 'VARCHAR', "héllo 'world'"],
  ['\'{"big": 12345678901234567890, "f": 1.10}\'::JSON', 'JSON', '{"big": 12345678901234567890, "f": 1.10}'],
  ["'b'::ENUM('a', 'b')", "ENUM('a', 'b')", 'b'],
  ["'8f1c0a47-1b7e-4e53-9a3d-6b1f3c2d4e5f'::UUID", 'UUID', '8f1c0a47-1b7e-4e53-9a3d-6b1f3c2d4e5f'],
  ["'\\xAA\\x00abc'::BLOB", 'BLOB', Buffer.from([0xaa, 0x00, 0x61, 0x62, 0x63]).toString('base64')],
  ["''::BLOB", 'BLOB', ''],
  ["'0101'::BIT", 'BIT', '0101'],
  ["DATE '2021-01-02'", 'DATE', '2021-01-02'],
  ["DATE '0044-03-15 (BC)'", 'DATE', '0044-03-15 (BC)'],
  ["DATE 'infinity'", 'DATE', 'infinity'],
  ["DATE '-infinity'", 'DATE', '-infinity'],
  ["TIMESTAMP '2021-01-02 03:04:05.123456'", 'TIMESTAMP', '2021-01-02 03:04:05.123456'],
  ["TIMESTAMP '2021-01-02 03:04:05.5'", 'TIMESTAMP', '2021-01-02 03:04:05.5'],
  ["TIMESTAMP '9999-12-31 00:00:00'", 'TIMESTAMP', '9999-12-31 00:00:00'],
  ['make_timestamp(-43, 3, 15, 12, 0, 0)', 'TIMESTAMP', '0044-03-15 (BC) 12:00:00'],
  ["TIMESTAMP '1969-12-31 23:59:59.999999'", 'TIMESTAMP', '1969-12-31 23:59:59.999999'],
  ["TIMESTAMP 'infinity'", 'TIMESTAMP', 'infinity'],
  ["TIMESTAMP_S '2021-01-02 03:04:05'", 'TIMESTAMP_S', '2021-01-02 03:04:05'],
  ["TIMESTAMP_MS '2021-01-02 03:04:05.123'", 'TIMESTAMP_MS', '2021-01-02 03:04:05.123'],
  ["TIMESTAMP_NS '2021-01-02 03:04:05.123456789'", 'TIMESTAMP_NS', '2021-01-02 03:04:05.123456789'],
  ["TIMESTAMPTZ '2021-01-02 03:04:05.5+02'", 'TIMESTAMP WITH TIME ZONE', '2021-01-02T01:04:05.5Z'],
  ["TIMESTAMPTZ '2021-01-02 00:00:00+00'", 'TIMESTAMP WITH TIME ZONE', '2021-01-02T00:00:00Z'],
  ["make_timestamp(-43, 3, 15, 12, 0, 0)::TIMESTAMPTZ", 'TIMESTAMP WITH TIME ZONE', '-0043-03-15T12:00:00Z'],
  ["TIMESTAMPTZ '-infinity'", 'TIMESTAMP WITH TIME ZONE', '-infinity'],
  ["TIME '01:02:03.5'", 'TIME', '01:02:03.5'],
  ["TIMETZ '01:02:03+05:30'", 'TIME WITH TIME ZONE', '01:02:03+05:30'],
  ["INTERVAL '1 year 2 months 3 days 4 hours 5.5 seconds'", 'INTERVAL', '1 year 2 months 3 days 04:00:05.5'],
  ["INTERVAL '-90 minutes'", 'INTERVAL', '-01:30:00'],
  ['[1, NULL, 3]', 'INTEGER[]', [1, null, 3]],
  ['[[1::BIGINT], []]', 'BIGINT[][]', [['1'], []]],
  ['[1.5, 2]::DOUBLE[2]', 'DOUBLE[2]', [1.5, 2]],
  ["{'x': 1, 'Y': 2::BIGINT, 'a b': [DATE '2020-01-01'], 'select': NULL::VARCHAR}", 'STRUCT(x INTEGER, Y BIGINT, "a b" DATE[], "select" VARCHAR)', { x: 1, Y: '2', 'a b': ['2020-01-01'], select: null }],
  ["MAP {'k': 1::HUGEINT}", 'MAP(VARCHAR, HUGEINT)', [{ key: 'k', value: '1' }]],
  ["MAP {1: {'j': '[1]'::JSON}}", 'MAP(INTEGER, STRUCT(j JSON))', [{ key: 1, value: { j: '[1]' } }]],
  ["['{}'::JSON, NULL]", 'JSON[]', ['{}', null]],
  ['union_value(k := 7::BIGINT)', 'UNION(k BIGINT)', { tag: 'k', value: '7' }],
  ['NULL::BIGINT', 'BIGINT', null],
  ['NULL::STRUCT(a INTEGER)', 'STRUCT(a INTEGER)', null],
];

describe('result encoding', () => {
  let db: K3DuckDB;
  beforeAll(async () => {
    db = await createDuckDB({ threads: 1 });
  });
  afterAll(() => db.closeSync());

  it('encodes every type per the golden table, with the type text DuckDB prints', async () => {
    const select = GOLDEN.map(([expr], i) => `${expr} AS c${i}, typeof(${expr}) AS t${i}`).join(', ');
    const encoded = await withConnection(db, async (conn) => encodeReader(await conn.runAndReadAll(`SELECT ${select}`)));
    expect(encoded.rows).toHaveLength(1);
    const row = encoded.rows[0]!;
    GOLDEN.forEach(([expr, type, value], i) => {
      const col = encoded.columns[2 * i]!;
      expect({ expr, name: col.name, type: col.type, value: row[2 * i] }).toEqual({ expr, name: `c${i}`, type, value });
      // Our type text is exactly DuckDB's own typeof() text.
      expect({ expr, type: row[2 * i + 1] }).toEqual({ expr, type });
    });
    // The wire form survives JSON serialization unchanged (no bigint, no NaN numbers).
    expect(JSON.parse(JSON.stringify(encoded))).toEqual(encoded);
  });

  it('encodes a materialized result from conn.run and many rows', async () => {
    const encoded = await withConnection(db, async (conn) =>
      encodeResult(await conn.run('SELECT range AS id, range::INTEGER % 3 AS m FROM range(5000) ORDER BY id')));
    expect(encoded.columns).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'm', type: 'INTEGER' }]);
    expect(encoded.rows).toHaveLength(5000);
    expect(encoded.rows[4999]).toEqual(['4999', 4999 % 3]);
  });

  it('keeps duplicate column names and an empty result', async () => {
    const encoded = await withConnection(db, async (conn) =>
      encodeReader(await conn.runAndReadAll('SELECT 1 AS a, 2 AS a FROM range(0)')));
    expect(encoded).toEqual({ columns: [{ name: 'a', type: 'INTEGER' }, { name: 'a', type: 'INTEGER' }], rows: [] });
  });

  it('FLOAT values read back to the same float32, in at most 9 significant digits', async () => {
    const encoded = await withConnection(db, async (conn) =>
      encodeReader(await conn.runAndReadAll('SELECT f, f::DOUBLE FROM (SELECT (random() * 1e6 - 5e5)::FLOAT AS f FROM range(2000))')));
    for (const [f, exact] of encoded.rows) {
      expect(typeof f).toBe('number');
      expect(Math.fround(f as number)).toBe(exact);
      expect((f as number).toPrecision(9).length).toBeGreaterThanOrEqual(String(Number((f as number).toPrecision(9))).length);
    }
  });

  it('the keyword list matches the running DuckDB', async () => {
    const names = await withConnection(db, async (conn) =>
      (await conn.runAndReadAll('SELECT keyword_name FROM duckdb_keywords()')).getRows().map((r) => r[0] as string));
    expect(new Set(names)).toEqual(DUCKDB_KEYWORDS);
  });
});

/**
 * End-to-end: the documented wire encoding of values (docs/api.md "Values in result rows"),
 * checked literally over HTTP — the compatibility suites cannot catch an encoding mistake because
 * both of their sides use the same encoder. Also checks that stored values of the eleven column
 * types come back through Parquet with the same encoding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, startServer, type StartedServer } from '../support/server.ts';

const BUCKET = 'e2e-values';
let server: StartedServer;

beforeAll(async () => {
  server = await startServer();
  expect((await execute(server.url, BUCKET, 'CREATE TABLE anchor (a INTEGER)')).status).toBe(200);
});
afterAll(async () => {
  await server?.stop();
});

async function row(sql: string): Promise<{ types: string[]; values: unknown[] }> {
  const res = await execute(server.url, BUCKET, sql);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { types: res.body.query!.columns.map((c) => c.type), values: res.body.query!.rows[0]! };
}

describe('value encoding on the wire', () => {
  const cases: Array<[string, string, unknown]> = [
    ['9007199254740993::BIGINT', 'BIGINT', '9007199254740993'],
    ['170141183460469231731687303715884105727::HUGEINT', 'HUGEINT', '170141183460469231731687303715884105727'],
    ['18446744073709551615::UBIGINT', 'UBIGINT', '18446744073709551615'],
    ['12.50::DECIMAL(10,2)', 'DECIMAL(10,2)', '12.50'],
    ['42::INTEGER', 'INTEGER', 42],
    ['-7::SMALLINT', 'SMALLINT', -7],
    ['1.5::DOUBLE', 'DOUBLE', 1.5],
    ['0.1::FLOAT', 'FLOAT', 0.1],
    ["'NaN'::DOUBLE", 'DOUBLE', 'NaN'],
    ["'inf'::DOUBLE", 'DOUBLE', 'Infinity'],
    ["-'inf'::DOUBLE", 'DOUBLE', '-Infinity'],
    ['true', 'BOOLEAN', true],
    ["'héllo'", 'VARCHAR', 'héllo'],
    ['\'{"a": 12345678901234567890}\'::JSON', 'JSON', '{"a": 12345678901234567890}'],
    ["'\\xDE\\xAD'::BLOB", 'BLOB', '3q0='],
    ["DATE '2026-05-27'", 'DATE', '2026-05-27'],
    ["'infinity'::DATE", 'DATE', 'infinity'],
    ["TIMESTAMP '2026-05-27 10:00:00.123456'", 'TIMESTAMP', '2026-05-27 10:00:00.123456'],
    ["TIMESTAMP '2026-05-27 10:00:00'", 'TIMESTAMP', '2026-05-27 10:00:00'],
    ["TIMESTAMPTZ '2026-05-27 12:00:00+02'", 'TIMESTAMP WITH TIME ZONE', '2026-05-27T10:00:00Z'],
    ["TIME '12:34:56'", 'TIME', '12:34:56'],
    ['INTERVAL 1 DAY', 'INTERVAL', '1 day'],
    ["'0d9d5b43-8a14-4a83-9a3b-2f6ce0d4d0a1'::UUID", 'UUID', '0d9d5b43-8a14-4a83-9a3b-2f6ce0d4d0a1'],
    ['[1, 2]', 'INTEGER[]', [1, 2]],
    ["{'a': 1, 'b': 'x'}", 'STRUCT(a INTEGER, b VARCHAR)', { a: 1, b: 'x' }],
    ["MAP {'k': 9007199254740993}", 'MAP(VARCHAR, BIGINT)', [{ key: 'k', value: '9007199254740993' }]],
    ['NULL::INTEGER', 'INTEGER', null],
  ];
  for (const [expr, type, wire] of cases) {
    it(`${expr} → ${JSON.stringify(wire)}`, async () => {
      const { types, values } = await row(`SELECT ${expr} AS v`);
      expect(types).toEqual([type]);
      expect(values).toEqual([wire]);
    });
  }
});

describe('stored values of the eleven column types', () => {
  it('come back from Parquet with the documented encoding', async () => {
    const create = await execute(server.url, BUCKET, 'CREATE TABLE eleven (s VARCHAR, i INTEGER, l BIGINT, sh SMALLINT, f FLOAT, d DOUBLE, b BOOLEAN, dt DATE, ts TIMESTAMP, bin BLOB, j JSON)');
    expect(create.status).toBe(200);
    const ins = await execute(
      server.url,
      BUCKET,
      `INSERT INTO eleven VALUES ('ü', -2147483648, -9223372036854775808, 32767, 0.1, 0.1, false, DATE '0001-01-01', TIMESTAMP '1969-12-31 23:59:59.999999', '\\x00\\xFF'::BLOB, '{"n":12345678901234567890,"s":"x"}')`,
    );
    expect(ins.status, JSON.stringify(ins.body)).toBe(200);
    const { types, values } = await row('SELECT * FROM eleven');
    expect(types).toEqual(['VARCHAR', 'INTEGER', 'BIGINT', 'SMALLINT', 'FLOAT', 'DOUBLE', 'BOOLEAN', 'DATE', 'TIMESTAMP', 'BLOB', 'JSON']);
    expect(values).toEqual(['ü', -2147483648, '-9223372036854775808', 32767, 0.1, 0.1, false, '0001-01-01', '1969-12-31 23:59:59.999999', 'AP8=', '{"n":12345678901234567890,"s":"x"}']);
  });
});

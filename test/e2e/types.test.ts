/**
 * End-to-end over HTTP: types beyond the eleven API types on the wire (docs/api.md "Column
 * types"). DescribeTable, ListTables, `ddl.table`, query and RETURNING columns carry `duckdbType`
 * beside the enum (UNSPECIFIED outside the eleven); the structured CreateTable accepts
 * `duckdbType` (also as `duckdb_type`); nested values encode as JSON arrays / objects, decimals
 * and 64-bit-plus integers as strings; CHECK violations answer 400 ERR_CONSTRAINT_CHECK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, k3fetch, startServer, type StartedServer } from '../support/server.ts';

const BUCKET = 'e2e-types';
let server: StartedServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await k3fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('types on the wire', () => {
  it('SQL CREATE TABLE, INSERT … RETURNING and SELECT carry duckdbType and encode nested values as JSON', async () => {
    const created = await execute(server.url, BUCKET, `CREATE TABLE orders (id BIGINT PRIMARY KEY, amount DECIMAL(10,2) CHECK (amount >= 0),
      lines STRUCT(sku VARCHAR, qty INTEGER)[], attrs MAP(VARCHAR, VARCHAR), ref UUID, big HUGEINT, at_tz TIMESTAMPTZ)`);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.ddl!.table!.columns.map((c) => [c.name, c.type, c.duckdbType])).toEqual([
      ['id', 'COLUMN_TYPE_LONG', 'BIGINT'],
      ['amount', 'COLUMN_TYPE_UNSPECIFIED', 'DECIMAL(10,2)'],
      ['lines', 'COLUMN_TYPE_UNSPECIFIED', 'STRUCT(sku VARCHAR, qty INTEGER)[]'],
      ['attrs', 'COLUMN_TYPE_UNSPECIFIED', 'MAP(VARCHAR, VARCHAR)'],
      ['ref', 'COLUMN_TYPE_UNSPECIFIED', 'UUID'],
      ['big', 'COLUMN_TYPE_UNSPECIFIED', 'HUGEINT'],
      ['at_tz', 'COLUMN_TYPE_UNSPECIFIED', 'TIMESTAMP WITH TIME ZONE'],
    ]);
    const ins = await execute(server.url, BUCKET, `INSERT INTO orders VALUES (1, 49.99, [{'sku': 'A-12', 'qty': 2}], MAP {'gift': 'yes'},
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 12345678901234567890123, TIMESTAMPTZ '2026-05-27 10:00:00+00') RETURNING id, amount, lines`);
    expect(ins.status, JSON.stringify(ins.body)).toBe(200);
    expect(ins.body.write!.returning).toEqual({
      columns: [
        { name: 'id', type: 'BIGINT', duckdbType: 'BIGINT', columnType: 'COLUMN_TYPE_LONG' },
        { name: 'amount', type: 'DECIMAL(10,2)', duckdbType: 'DECIMAL(10,2)', columnType: 'COLUMN_TYPE_UNSPECIFIED' },
        { name: 'lines', type: 'STRUCT(sku VARCHAR, qty INTEGER)[]', duckdbType: 'STRUCT(sku VARCHAR, qty INTEGER)[]', columnType: 'COLUMN_TYPE_UNSPECIFIED' },
      ],
      rows: [['1', '49.99', [{ sku: 'A-12', qty: 2 }]]],
    });
    const q = await execute(server.url, BUCKET, 'SELECT * FROM orders');
    expect(q.status).toBe(200);
    expect(q.body.query!.columns.map((c) => c.duckdbType)).toEqual(['BIGINT', 'DECIMAL(10,2)', 'STRUCT(sku VARCHAR, qty INTEGER)[]', 'MAP(VARCHAR, VARCHAR)', 'UUID', 'HUGEINT', 'TIMESTAMP WITH TIME ZONE']);
    expect(q.body.query!.rows).toEqual([['1', '49.99', [{ sku: 'A-12', qty: 2 }], [{ key: 'gift', value: 'yes' }], 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '12345678901234567890123', '2026-05-27T10:00:00Z']]);
    const described = await k3fetch(`${server.url}/${BUCKET}/tables/orders`).then(async (r) => (await r.json()) as { columns: Array<{ name: string; duckdbType: string }> });
    expect(described.columns.map((c) => c.duckdbType)).toEqual(['BIGINT', 'DECIMAL(10,2)', 'STRUCT(sku VARCHAR, qty INTEGER)[]', 'MAP(VARCHAR, VARCHAR)', 'UUID', 'HUGEINT', 'TIMESTAMP WITH TIME ZONE']);
  });

  it('a CHECK violation answers 400 ERR_CONSTRAINT_CHECK naming the constraint, and writes nothing', async () => {
    const res = await execute(server.url, BUCKET, 'INSERT INTO orders (id, amount) VALUES (2, -1)');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_CONSTRAINT_CHECK');
    expect(res.body.message).toMatch(/CHECK constraint "orders_amount_check" \(amount >= 0\)/);
    expect((await execute(server.url, BUCKET, 'SELECT count(*) FROM orders', { freshness: 'FRESHNESS_STRONG' })).body.query!.rows).toEqual([['1']]);
  });

  it('the structured CreateTable accepts duckdbType (and duckdb_type) beside or instead of the enum', async () => {
    const res = await post(`/${BUCKET}/tables`, {
      name: 'ledger',
      columns: [
        { name: 'id', type: 'COLUMN_TYPE_LONG' },
        { name: 'amount', duckdbType: 'DECIMAL(18,4)', nullable: true },
        { name: 'tags', duckdb_type: 'VARCHAR[]', nullable: true },
      ],
      mergeKeys: ['id'],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((res.body.columns as Array<{ type: string; duckdbType: string }>).map((c) => [c.type, c.duckdbType])).toEqual([
      ['COLUMN_TYPE_LONG', 'BIGINT'], ['COLUMN_TYPE_UNSPECIFIED', 'DECIMAL(18,4)'], ['COLUMN_TYPE_UNSPECIFIED', 'VARCHAR[]'],
    ]);
    const bad = await post(`/${BUCKET}/tables`, { name: 'ledger2', columns: [{ name: 'u', duckdbType: 'UNION(a INTEGER, b VARCHAR)' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('ERR_SQL_UNSUPPORTED');
    expect(bad.body.message).toMatch(/Column "u": DuckDB type UNION/);
  });
});

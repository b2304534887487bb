/**
 * End-to-end: the structured catalog routes (`POST /:bucket/tables`, `GET /:bucket/tables`,
 * `GET /:bucket/tables/:table`) on a real server, and their agreement with SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResponseValidator, type ResponseValidator } from '../support/openapi-validator.ts';
import { k3fetch, execute, startServer, type StartedServer } from '../support/server.ts';

const BUCKET = 'e2e-catalog';
let server: StartedServer;
let conforms: ResponseValidator;

beforeAll(async () => {
  server = await startServer();
  conforms = await createResponseValidator(server.url);
});
afterAll(async () => {
  await server?.stop();
});

async function create(body: unknown, bucket = BUCKET): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await k3fetch(`${server.url}/${bucket}/tables`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function get(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await k3fetch(`${server.url}${path}`);
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const ORDERS = {
  name: 'orders',
  description: 'Orders placed',
  columns: [
    { name: 'id', type: 'COLUMN_TYPE_LONG' },
    { name: 'region', type: 'COLUMN_TYPE_STRING' },
    { name: 'state', type: 'COLUMN_TYPE_STRING', nullable: true, defaultExpression: "'pending'", duckdbType: '' },
    { name: 'amount', type: 'COLUMN_TYPE_DOUBLE', nullable: true },
    { name: 'meta', type: 'COLUMN_TYPE_JSON', nullable: true },
  ],
  partitionColumns: ['region'],
  mergeKeys: ['id'],
};

describe('structured catalog routes', () => {
  it('a bucket without tables does not exist yet: 404 ERR_BUCKET_NOT_FOUND on list and describe', async () => {
    for (const path of [`/${BUCKET}/tables`, `/${BUCKET}/tables/orders`]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.json.code).toBe('ERR_BUCKET_NOT_FOUND');
      expect(conforms('ErrorBody', res.json)).toBeUndefined();
    }
  });

  it('POST creates a table (201) with proto defaults filled in, and it describes identically', async () => {
    const res = await create({ ...ORDERS, bucket: BUCKET });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(conforms('Table', res.json)).toBeUndefined();
    expect(res.json).toMatchObject({
      bucket: BUCKET,
      name: 'orders',
      description: 'Orders placed',
      partitionColumns: ['region'],
      mergeKeys: ['id'],
      source: 'TABLE_SOURCE_MANUAL',
      status: 'TABLE_STATUS_ACTIVE',
      deltaVersion: '0',
      rowCount: '0',
    });
    expect(res.json.columns).toEqual([
      { name: 'id', type: 'COLUMN_TYPE_LONG', nullable: false, defaultExpression: '', duckdbType: '' },
      { name: 'region', type: 'COLUMN_TYPE_STRING', nullable: false, defaultExpression: '', duckdbType: '' },
      { name: 'state', type: 'COLUMN_TYPE_STRING', nullable: true, defaultExpression: "'pending'", duckdbType: '' },
      { name: 'amount', type: 'COLUMN_TYPE_DOUBLE', nullable: true, defaultExpression: '', duckdbType: '' },
      { name: 'meta', type: 'COLUMN_TYPE_JSON', nullable: true, defaultExpression: '', duckdbType: '' },
    ]);
    expect((await get(`/${BUCKET}/tables/orders`)).json).toEqual(res.json);
  });

  it('SQL sees the structured table: defaults, NOT NULL and the primary key apply', async () => {
    const ins = await execute(server.url, BUCKET, `INSERT INTO orders (id, region, amount, meta) VALUES (1, 'UK', 10.5, '{"a":1}'), (2, 'EU', NULL, NULL)`);
    expect(ins.status, JSON.stringify(ins.body)).toBe(200);
    // A keyed table: the INSERT goes to the write log (no Delta version of its own; the helper drains it).
    expect(ins.body.write).toMatchObject({ tableName: 'orders', rowsAffected: '2', strategy: 'WRITE_STRATEGY_KEYED_INSERT_BULK', version: '0' });
    const rows = await execute(server.url, BUCKET, 'SELECT id, region, state, amount, meta FROM orders ORDER BY id');
    expect(rows.body.query?.rows).toEqual([
      ['1', 'UK', 'pending', 10.5, '{"a":1}'],
      ['2', 'EU', 'pending', null, null],
    ]);
    const nul = await execute(server.url, BUCKET, "INSERT INTO orders (id) VALUES (3)");
    expect(nul.status).toBe(400);
    expect(nul.body.code).toBe('ERR_CONSTRAINT_NOT_NULL');
    const dup = await execute(server.url, BUCKET, "INSERT INTO orders (id, region) VALUES (1, 'US')");
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('ERR_CONSTRAINT_PRIMARY_KEY');
  });

  it('describe reflects the commit (deltaVersion, rowCount, sizeBytes, updatedAt) and list returns every table', async () => {
    const described = (await get(`/${BUCKET}/tables/orders`)).json;
    expect(described).toMatchObject({ deltaVersion: '1', rowCount: '2' });
    expect(Number(described.sizeBytes)).toBeGreaterThan(0);
    expect(Number(described.updatedAt)).toBeGreaterThanOrEqual(Number(described.createdAt));
    expect((await execute(server.url, BUCKET, 'CREATE TABLE notes (body VARCHAR)')).status).toBe(200);
    const listed = await get(`/${BUCKET}/tables`);
    expect(listed.status).toBe(200);
    const tables = listed.json.tables as Array<Record<string, unknown>>;
    expect(tables.map((t) => t.name).sort()).toEqual(['notes', 'orders']);
    for (const t of tables) expect(conforms('Table', t)).toBeUndefined();
    expect(tables.find((t) => t.name === 'orders')).toEqual(described);
  });

  const refusals: Array<[string, unknown, number, string]> = [
    ['a table that exists', ORDERS, 409, 'ERR_TABLE_EXISTS'],
    ['a body bucket that differs from the path', { ...ORDERS, name: 'o2', bucket: 'elsewhere' }, 400, 'ERR_BAD_REQUEST'],
    ['no columns', { name: 'o3', columns: [] }, 400, 'ERR_BAD_REQUEST'],
    ['an unknown column type', { name: 'o4', columns: [{ name: 'a', type: 'COLUMN_TYPE_UUID' }] }, 400, 'ERR_BAD_REQUEST'],
    ['a misspelt field', { name: 'o5', columns: [{ name: 'a', type: 'COLUMN_TYPE_INT', nulable: true }] }, 400, 'ERR_BAD_REQUEST'],
    ['a default that does not fit the type', { name: 'o6', columns: [{ name: 'a', type: 'COLUMN_TYPE_INT', defaultExpression: "'abc'" }] }, 400, 'ERR_DEFAULT_EXPRESSION_INVALID'],
    ['an invalid table name', { name: 'bad/name', columns: [{ name: 'a', type: 'COLUMN_TYPE_INT' }] }, 400, 'ERR_INVALID_NAME'],
  ];
  for (const [what, body, status, code] of refusals) {
    it(`refuses ${what} with ${status} ${code}, creating nothing`, async () => {
      const res = await create(body);
      expect(res.status, JSON.stringify(res.json)).toBe(status);
      expect(res.json.code).toBe(code);
      expect(conforms('ErrorBody', res.json)).toBeUndefined();
      const listed = (await get(`/${BUCKET}/tables`)).json.tables as Array<{ name: string }>;
      expect(listed.map((t) => t.name).sort()).toEqual(['notes', 'orders']);
    });
  }
});

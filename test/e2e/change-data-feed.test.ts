/**
 * End-to-end Change Data Feed over HTTP on a started server (embedded compactor running): a table
 * created with `enableChangeDataFeed` through the structured CreateTable route (proto field name
 * accepted), keyed writes drained by the embedded compactor, UPDATE / DELETE / MERGE, then
 * `GET …/changes` paged to the end and compared with `table_changes` in SQL, `GET …/diff`
 * against an old version, and VACUUM making old changes unreadable with a clear 410.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, k3fetch, startServer, drainTable, type StartedServer } from '../support/server.ts';
import { createResponseValidator, type ResponseValidator } from '../support/openapi-validator.ts';

const BUCKET = 'cdf-e2e';
let server: StartedServer;
let conforms: ResponseValidator;

beforeAll(async () => {
  server = await startServer();
  conforms = await createResponseValidator(server.url);
});
afterAll(async () => {
  await server?.stop();
});

async function sql(text: string): Promise<Record<string, unknown>> {
  const res = await execute(server.url, BUCKET, text);
  expect(res.status, `${text}\n→ ${JSON.stringify(res.body)}`).toBe(200);
  return res.body as Record<string, unknown>;
}

async function call(method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await k3fetch(`${server.url}/${BUCKET}/${route}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('change data feed over HTTP', () => {
  it('records every write and pages the feed; diff against an old version', async () => {
    const created = await call('POST', 'tables', {
      name: 'orders', enable_change_data_feed: true, mergeKeys: ['id'],
      columns: [{ name: 'id', type: 'COLUMN_TYPE_INT', nullable: false }, { name: 'status', type: 'COLUMN_TYPE_STRING' }, { name: 'qty', type: 'COLUMN_TYPE_INT' }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await sql("INSERT INTO orders VALUES (1, 'new', 1), (2, 'new', 2), (3, 'new', 3)");
    await drainTable(server.url, BUCKET, 'orders');
    await sql("UPDATE orders SET status = 'paid' WHERE id = 2");
    await sql('DELETE FROM orders WHERE id = 3');
    await drainTable(server.url, BUCKET, 'orders');
    await sql("UPDATE orders SET qty = qty * 10 WHERE status = 'new'"); // not keyed: straight to Delta
    await sql("MERGE INTO orders USING (SELECT 4 AS id, 'new' AS status, 4 AS qty) s ON orders.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.status, s.qty)");
    await drainTable(server.url, BUCKET, 'orders');

    const inSql = (await sql("SELECT * FROM table_changes('orders', 0) ORDER BY ALL")).query as { rows: unknown[][] };
    const paged: unknown[][] = [];
    let next: string | undefined;
    let first: Record<string, unknown> | undefined;
    for (let i = 0; i < 30; i++) {
      const page = await call('GET', `tables/orders/changes?${next === undefined ? 'from=0&' : `page_token=${encodeURIComponent(next)}&`}page_size=2`);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      first ??= page.body;
      paged.push(...(page.body.rows as unknown[][]));
      next = page.body.nextPageToken as string | undefined;
      if (next === undefined) break;
    }
    // The routes are the Changes / Diff RPCs: their responses are the proto's messages.
    expect(conforms('ChangesResponse', first)).toBeUndefined();
    expect((first!.columns as Array<{ name: string }>).map((c) => c.name)).toEqual(['id', 'status', 'qty', '_change_type', '_commit_version', '_commit_timestamp']);
    expect(paged.map((r) => JSON.stringify(r)).sort()).toEqual(inSql.rows.map((r) => JSON.stringify(r)).sort());
    const types = paged.map((r) => `${String(r[0])}:${String(r[3])}`).sort();
    expect(types).toEqual(['1:insert', '1:update_postimage', '1:update_preimage', '2:insert', '2:update_postimage', '2:update_preimage', '3:delete', '3:insert', '4:insert']);

    const diff = await call('GET', 'tables/orders/diff?version=1');
    expect(diff.status, JSON.stringify(diff.body)).toBe(200);
    expect(conforms('DiffResponse', diff.body)).toBeUndefined();
    expect(diff.body).toMatchObject({ fromVersion: '1', keyColumns: ['id'], added: '1', removed: '1', changed: '2', truncated: false });
    expect(diff.body.rows).toContainEqual({ change: 'changed', key: { id: 1 }, before: { id: 1, status: 'new', qty: 1 }, after: { id: 1, status: 'new', qty: 10 } });

    expect((await call('GET', 'tables/orders/changes')).body.code).toBe('ERR_BAD_REQUEST');
    expect(await call('GET', 'tables/orders/changes?from=0&to=99')).toMatchObject({ status: 404, body: { code: 'ERR_DELTA_VERSION_NOT_FOUND' } });
    expect(await call('GET', 'tables/orders/changes?from=0&from_version=1')).toMatchObject({ status: 400 });
    expect(await call('GET', 'tables/nope/changes?from=0')).toMatchObject({ status: 404, body: { code: 'ERR_TABLE_NOT_FOUND' } });
  });

  it('tables without the feed refuse; vacuumed changes are a 410', async () => {
    await sql('CREATE TABLE plain (id INTEGER)');
    await sql('INSERT INTO plain VALUES (1)');
    expect(await call('GET', 'tables/plain/changes?from=0')).toMatchObject({ status: 400, body: { code: 'ERR_CDF_NOT_ENABLED' } });

    await sql("CREATE TABLE vac (id INTEGER, v VARCHAR) WITH ('delta.enableChangeDataFeed' = true)");
    await sql("INSERT INTO vac VALUES (1, 'a'), (2, 'b')");
    await sql("UPDATE vac SET v = 'z' WHERE id = 1");
    const vacuum = await call('POST', 'tables/vac/vacuum', { retentionHours: 0, disableRetentionCheck: true });
    expect(vacuum.status, JSON.stringify(vacuum.body)).toBe(200);
    expect((vacuum.body.filesDeletedPaths as string[]).some((p) => p.includes('/_change_data/'))).toBe(true);
    const gone = await call('GET', 'tables/vac/changes?from=2&to=2');
    expect(gone).toMatchObject({ status: 410, body: { code: 'ERR_DELTA_DATA_FILE_MISSING' } });
    // The versions after the vacuum (VACUUM START / END) carry no changes and read fine.
    expect(await call('GET', 'tables/vac/changes?from=3')).toMatchObject({ status: 200, body: { rows: [] } });
  });
});

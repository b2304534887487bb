/**
 * End-to-end: the real server process (`node services/coordinator/src/main.ts`) over HTTP.
 * Health, readiness, the OpenAPI document, graceful shutdown, and bad input: every refusal gets
 * a 4xx with a stable code and leaves every table exactly as it was (deltaVersion and rows).
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResponseValidator, type ResponseValidator } from '../support/openapi-validator.ts';
import { k3fetch, execute, startServer, type StartedServer } from '../support/server.ts';

const BUCKET = 'e2e-server';

async function post(url: string, path: string, body: string, contentType = 'application/json'): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await k3fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function ok(server: StartedServer, sql: string) {
  const res = await execute(server.url, BUCKET, sql);
  expect(res.status, `${sql}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

/** deltaVersion and all rows of every table: what "no change to any table" means. */
async function tableState(server: StartedServer, tables: readonly string[]): Promise<unknown> {
  const state: Record<string, unknown> = {};
  for (const t of tables) {
    const described = await k3fetch(`${server.url}/${BUCKET}/tables/${t}`);
    expect(described.status).toBe(200);
    const table = (await described.json()) as { deltaVersion: string; rowCount: string };
    const rows = await execute(server.url, BUCKET, `SELECT * FROM ${t} ORDER BY ALL`, { freshness: 'FRESHNESS_STRONG' });
    expect(rows.status).toBe(200);
    state[t] = { deltaVersion: table.deltaVersion, rows: rows.body.query?.rows };
  }
  return state;
}

describe('server process', () => {
  let server: StartedServer;
  let conforms: ResponseValidator;
  beforeAll(async () => {
    server = await startServer({ K3_BODY_LIMIT: '2KiB' });
    conforms = await createResponseValidator(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('prints the URL and an example session on stdout', () => {
    const { stdout } = server.output();
    expect(stdout).toMatch(/^k3-tables listening on http:\/\/127\.0\.0\.1:\d+$/m);
    expect(stdout).toContain(`curl -sS -X POST ${server.url}/demo/tables/_execute`);
    expect(stdout).toContain('CREATE TABLE contracts');
  });

  it('the example session printed in the banner runs as shown', async () => {
    const lines = server.output().stdout.split('\n').filter((l) => l.trim().startsWith('curl '));
    expect(lines).toHaveLength(3);
    let last: unknown;
    for (const line of lines) {
      const url = /-X POST (\S+)/.exec(line)?.[1];
      const quoted = /-d '((?:[^']|'\\'')*)'$/.exec(line.trim())?.[1];
      expect(url && quoted, line).toBeTruthy();
      // Only the headers the line itself sends: the banner's curls must carry the token.
      const headers = Object.fromEntries([...line.matchAll(/-H '([^:']+): ([^']*)'/g)].map((m) => [m[1]!, m[2]!]));
      expect(headers.authorization, line).toBe(`Bearer ${server.token}`);
      const res = await fetch(url!, { method: 'POST', headers, body: quoted!.replaceAll("'\\''", "'") });
      last = await res.json();
      expect(res.status, JSON.stringify(last)).toBe(200);
    }
    expect((last as { query: { rows: unknown[][] } }).query.rows).toEqual([
      ['UK', '1', 58200],
      ['EU', '1', 41000],
    ]);
  });

  it('answers /healthz and /readyz', async () => {
    const h = await k3fetch(`${server.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok' });
    expect(h.headers.get('x-request-id')).toBeTruthy();
    const r = await k3fetch(`${server.url}/readyz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ready' });
  });

  it('serves an OpenAPI 3 document listing every route', async () => {
    const doc = (await (await k3fetch(`${server.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    // Every route the server registers (new routes are added by other issues: contain, not equal).
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /openapi.json',
        'GET /{bucket}/tables',
        'POST /{bucket}/tables',
        'GET /{bucket}/tables/{table}',
        'POST /{bucket}/tables/_execute',
        'POST /{bucket}/tables/{table}/_compact',
        'GET /{bucket}/tables/{table}/history',
        'POST /{bucket}/tables/{table}/optimize',
        'POST /{bucket}/tables/{table}/restore',
        'POST /{bucket}/tables/{table}/vacuum',
      ]),
    );
    // …and each operation documents its success response.
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [m, op] of Object.entries(ops as Record<string, { responses?: Record<string, unknown> }>)) {
        expect(Object.keys(op.responses ?? {}).some((c) => c === '200' || c === '201'), `${m} ${p}`).toBe(true);
      }
    }
  });

  describe('bad input: 4xx with a stable code, no table changes', () => {
    const TABLES = ['accounts', 'notes'] as const;
    let before: unknown;

    beforeAll(async () => {
      await ok(server, 'CREATE TABLE accounts (id BIGINT PRIMARY KEY, owner VARCHAR NOT NULL, balance DOUBLE, opened DATE)');
      await ok(server, "INSERT INTO accounts VALUES (1, 'ada', 10.5, DATE '2026-01-01'), (2, 'bob', 20.25, NULL)");
      await ok(server, 'CREATE TABLE notes (id INTEGER, body VARCHAR)');
      await ok(server, "INSERT INTO notes VALUES (1, 'hello')");
      // Drain the keyed inserts into Delta now, so no background drain moves deltaVersion later.
      for (const t of TABLES) expect((await k3fetch(`${server.url}/${BUCKET}/tables/${t}/_compact`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
      before = await tableState(server, TABLES);
    });

    const refusals: Array<[string, () => Promise<{ status: number; body: object }>, number, string]> = [
      ['malformed JSON', () => post(server.url, `/${BUCKET}/tables/_execute`, '{"sql": "DELETE FROM accounts"'), 400, 'ERR_BAD_REQUEST'],
      ['missing sql', () => post(server.url, `/${BUCKET}/tables/_execute`, '{"freshness": "FRESHNESS_EVENTUAL"}'), 400, 'ERR_BAD_REQUEST'],
      ['sql of the wrong JSON type', () => post(server.url, `/${BUCKET}/tables/_execute`, '{"sql": 1}'), 400, 'ERR_BAD_REQUEST'],
      ['unknown freshness', () => execute(server.url, BUCKET, 'DELETE FROM accounts', { freshness: 'FRESHNESS_NOW' }), 400, 'ERR_BAD_REQUEST'],
      ['non-JSON content type', () => post(server.url, `/${BUCKET}/tables/_execute`, 'DELETE FROM accounts', 'text/plain'), 400, 'ERR_BAD_REQUEST'],
      ['oversize body', () => execute(server.url, BUCKET, `INSERT INTO notes VALUES (2, '${'x'.repeat(4096)}')`), 413, 'ERR_BODY_TOO_LARGE'],
      ['invalid bucket name', () => execute(server.url, 'Not_A_Bucket', 'SELECT 1'), 400, 'ERR_INVALID_NAME'],
      ['bucket in body differs from the path', () => execute(server.url, BUCKET, 'DELETE FROM accounts', { bucket: 'other-bucket' }), 400, 'ERR_BAD_REQUEST'],
      ['unknown bucket', () => execute(server.url, 'no-such-bucket', 'SELECT * FROM accounts'), 404, 'ERR_BUCKET_NOT_FOUND'],
      ['unknown bucket in a write', () => execute(server.url, 'no-such-bucket', 'DELETE FROM accounts'), 404, 'ERR_BUCKET_NOT_FOUND'],
      ['unknown table', () => execute(server.url, BUCKET, 'SELECT * FROM no_such_table'), 404, 'ERR_TABLE_NOT_FOUND'],
      ['unknown table in a write', () => execute(server.url, BUCKET, 'INSERT INTO no_such_table VALUES (1)'), 404, 'ERR_TABLE_NOT_FOUND'],
      ['unknown column', () => execute(server.url, BUCKET, 'UPDATE accounts SET no_such_column = 1'), 400, 'ERR_SQL_BIND'],
      ['SQL that does not parse', () => execute(server.url, BUCKET, 'SELEC * FROM accounts'), 400, 'ERR_SQL_PARSE'],
      ['a value of the wrong type', () => execute(server.url, BUCKET, "INSERT INTO accounts VALUES (3, 'cy', 'not a number', NULL)"), 400, 'ERR_TYPE_MISMATCH'],
      ['NULL into a NOT NULL column', () => execute(server.url, BUCKET, 'INSERT INTO accounts VALUES (3, NULL, 1.0, NULL)'), 400, 'ERR_CONSTRAINT_NOT_NULL'],
      ['a failing row among good ones', () => execute(server.url, BUCKET, "INSERT INTO accounts VALUES (3, 'cy', 1.0, NULL), (4, NULL, 2.0, NULL)"), 400, 'ERR_CONSTRAINT_NOT_NULL'],
      ['multi-statement body', () => execute(server.url, BUCKET, "DELETE FROM accounts; INSERT INTO notes VALUES (9, 'x')"), 400, 'ERR_SQL_MULTI_STATEMENT'],
      ['BEGIN', () => execute(server.url, BUCKET, 'BEGIN'), 400, 'ERR_SQL_TRANSACTION_UNSUPPORTED'],
      ['BEGIN TRANSACTION', () => execute(server.url, BUCKET, 'BEGIN TRANSACTION'), 400, 'ERR_SQL_TRANSACTION_UNSUPPORTED'],
      ['COMMIT', () => execute(server.url, BUCKET, 'COMMIT'), 400, 'ERR_SQL_TRANSACTION_UNSUPPORTED'],
      ['ROLLBACK', () => execute(server.url, BUCKET, 'ROLLBACK'), 400, 'ERR_SQL_TRANSACTION_UNSUPPORTED'],
      ['ALTER TABLE … DROP COLUMN', () => execute(server.url, BUCKET, 'ALTER TABLE accounts DROP COLUMN balance'), 400, 'ERR_SQL_UNSUPPORTED'],
      ['ALTER TABLE … RENAME COLUMN', () => execute(server.url, BUCKET, 'ALTER TABLE accounts RENAME COLUMN owner TO holder'), 400, 'ERR_SQL_UNSUPPORTED'],
      ['reading a host file (sandbox)', () => execute(server.url, BUCKET, "SELECT * FROM read_csv('/etc/passwd')"), 400, 'ERR_SQL_UNSUPPORTED'],
      ['COPY … TO a host file (sandbox)', () => execute(server.url, BUCKET, "COPY accounts TO '/tmp/k3-e2e-leak.csv'"), 400, 'ERR_SQL_UNSUPPORTED'],
      ['ATTACH', () => execute(server.url, BUCKET, "ATTACH '/tmp/k3-e2e.db' AS other"), 400, 'ERR_SQL_UNSUPPORTED'],
      ['INSTALL an extension', () => execute(server.url, BUCKET, 'INSTALL httpfs'), 400, 'ERR_SQL_UNSUPPORTED'],
      ['SET a setting', () => execute(server.url, BUCKET, 'SET threads = 1'), 400, 'ERR_SQL_UNSUPPORTED'],
      ['CREATE VIEW', () => execute(server.url, BUCKET, 'CREATE VIEW v AS SELECT * FROM accounts'), 400, 'ERR_SQL_UNSUPPORTED'],
      ['CREATE TEMP TABLE', () => execute(server.url, BUCKET, 'CREATE TEMP TABLE scratch (a INTEGER)'), 400, 'ERR_SQL_UNSUPPORTED'],
      ['a duplicate primary key', () => execute(server.url, BUCKET, "INSERT INTO accounts VALUES (1, 'dup', 0, NULL)"), 409, 'ERR_CONSTRAINT_PRIMARY_KEY'],
      ['an UPDATE that sets a NOT NULL column to NULL', () => execute(server.url, BUCKET, 'UPDATE accounts SET owner = NULL WHERE id = 2'), 400, 'ERR_CONSTRAINT_NOT_NULL'],
      ['CREATE TABLE that exists', () => execute(server.url, BUCKET, 'CREATE TABLE notes (id INTEGER)'), 409, 'ERR_TABLE_EXISTS'],
      ['structured create with an unknown type', () => post(server.url, `/${BUCKET}/tables`, JSON.stringify({ name: 'z', columns: [{ name: 'a', type: 'COLUMN_TYPE_DECIMAL' }] })), 400, 'ERR_BAD_REQUEST'],
    ];

    for (const [name, send, status, code] of refusals) {
      it(`refuses ${name} with ${status} ${code}`, async () => {
        const res = await send();
        const body = res.body as Record<string, unknown>;
        expect(res.status, JSON.stringify(body)).toBe(status);
        expect(body).toMatchObject({ code, retryable: false });
        expect(typeof body.message).toBe('string');
        expect(body.requestId).toBeTruthy();
        expect(conforms('ErrorBody', body)).toBeUndefined();
        expect(await tableState(server, TABLES)).toEqual(before);
      });
    }

    it('no refusal created a bucket or a table anywhere else', async () => {
      const res = await k3fetch(`${server.url}/no-such-bucket/tables`);
      expect(res.status).toBe(404);
      const listed = (await (await k3fetch(`${server.url}/${BUCKET}/tables`)).json()) as { tables: Array<{ name: string }> };
      expect(listed.tables.map((t) => t.name).sort()).toEqual(['accounts', 'notes']);
    });

    it('refusal messages for the seeds refusals say what to do instead', async () => {
      const drop = await execute(server.url, BUCKET, 'ALTER TABLE accounts DROP COLUMN balance');
      expect(drop.body.message).toMatch(/CREATE TABLE .*AS SELECT|CTAS|nullable/i);
      const begin = await execute(server.url, BUCKET, 'BEGIN');
      expect(begin.body.message).toMatch(/one statement|atomic|Postgres/i);
    });

    it('answers unknown routes with 404 ERR_NOT_FOUND', async () => {
      const res = await k3fetch(`${server.url}/${BUCKET}/nothing-here`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'ERR_NOT_FOUND' });
    });
  });
});

describe('client disconnect and restart', () => {
  it('cancels the running statement when the client disconnects', async () => {
    const server = await startServer({ K3_LOG_LEVEL: 'info' });
    try {
      expect((await execute(server.url, 'e2e-abort', 'CREATE TABLE t (a INTEGER)')).status).toBe(200);
      const ac = new AbortController();
      const started = Date.now();
      const pending = k3fetch(`${server.url}/e2e-abort/tables/_execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sql: 'SELECT sum(range) FROM range(50000000000)' }),
        signal: ac.signal,
      }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 300));
      ac.abort();
      await pending;
      const cancelled = () => server.output().stderr.split('\n').find((l) => l.includes('"rpc failed"') && l.includes('ERR_QUERY_CANCELLED'));
      while (!cancelled() && Date.now() - started < 15_000) await new Promise((r) => setTimeout(r, 50));
      expect(cancelled(), server.output().stderr.slice(-2000)).toBeTruthy();
      // Summing 5e10 numbers takes minutes; the statement stopped long before that.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect((await k3fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('stops a statement at K3_QUERY_TIMEOUT with 504 ERR_QUERY_TIMEOUT (retryable)', async () => {
    const server = await startServer({ K3_QUERY_TIMEOUT: '500ms' });
    try {
      expect((await execute(server.url, 'e2e-timeout', 'CREATE TABLE t (a INTEGER)')).status).toBe(200);
      const started = Date.now();
      const res = await execute(server.url, 'e2e-timeout', 'SELECT sum(range) FROM range(50000000000)');
      expect(res.status, JSON.stringify(res.body)).toBe(504);
      expect(res.body).toMatchObject({ code: 'ERR_QUERY_TIMEOUT', retryable: true });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await server.stop();
    }
  });

  it('keeps tables across a restart on the same data directory', async () => {
    const first = await startServer();
    expect((await execute(first.url, 'e2e-restart', 'CREATE TABLE kept (id BIGINT, note VARCHAR) PARTITIONED BY (note)')).status).toBe(200);
    expect((await execute(first.url, 'e2e-restart', "INSERT INTO kept VALUES (9007199254740993, 'a'), (2, 'b')")).status).toBe(200);
    await first.stop({ keepData: true });
    const second = await startServer({}, { dataDir: first.dataDir });
    try {
      const res = await execute(second.url, 'e2e-restart', 'SELECT id, note FROM kept ORDER BY id');
      expect(res.body.query?.rows).toEqual([['2', 'b'], ['9007199254740993', 'a']]);
      const listed = (await (await k3fetch(`${second.url}/e2e-restart/tables`)).json()) as { tables: Array<{ name: string; deltaVersion: string }> };
      expect(listed.tables.map((t) => [t.name, t.deltaVersion])).toEqual([['kept', '1']]);
    } finally {
      await second.stop();
      await rm(first.dataDir, { recursive: true, force: true });
    }
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request, refuses new connections, and exits 0 on SIGTERM', async () => {
    const server = await startServer({ K3_LOG_LEVEL: 'info' });
    expect((await execute(server.url, 'e2e-shutdown', 'CREATE TABLE t (a INTEGER)')).status).toBe(200);
    // A statement that takes a noticeable moment (seconds), in flight when the signal arrives.
    let answeredAt = Number.POSITIVE_INFINITY;
    const inFlight = execute(server.url, 'e2e-shutdown', 'SELECT count(*) AS n, sum(range) AS s FROM range(300000000)').then((r) => {
      answeredAt = Date.now();
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    server.child.kill('SIGTERM');
    // The listener is closed right after the server logs that shutdown started.
    const deadline = Date.now() + 10_000;
    while (!server.output().stderr.includes('shutdown started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const shutdownSeenAt = Date.now();
    expect(server.output().stderr).toContain('shutdown started');
    const res = await inFlight;
    expect(answeredAt, 'the statement was still running when shutdown began').toBeGreaterThan(shutdownSeenAt);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.query?.rows).toEqual([['300000000', '44999999850000000']]);
    await expect(k3fetch(`${server.url}/healthz`)).rejects.toThrow();
    await server.stop(); // asserts exit code 0
  });

  it('exits 0 on SIGINT when idle', async () => {
    const server = await startServer();
    server.child.kill('SIGINT');
    await server.stop();
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { AppError, loadConfig } from '@k3/core';
import { buildServer } from '../src/server.ts';
import { FakeEngine, QUERY_RESPONSE } from './fake-engine.ts';

interface Harness {
  app: FastifyInstance;
  engine: FakeEngine;
  logs: string[];
  setReady(v: boolean): void;
}

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
});

function harness(env: Record<string, string> = {}): Harness {
  const engine = new FakeEngine();
  const logs: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) });
  let ready = true;
  const app = buildServer({ engine, config: loadConfig({ K3_BODY_LIMIT: '4KiB', ...env }), logger, ready: () => ready });
  open.push(app);
  return { app, engine, logs, setReady: (v) => void (ready = v) };
}

const exec = (app: FastifyInstance, payload: unknown, bucket = 'kb-prod', headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: `/${bucket}/tables/_execute`,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    headers: { 'content-type': 'application/json', ...headers },
  });

describe('ops routes', () => {
  it('healthz answers ok with a generated request id', async () => {
    const { app } = harness();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a well-formed incoming x-request-id and replaces a malformed one', async () => {
    const { app } = harness();
    const kept = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(replaced.headers['x-request-id']).not.toContain(' ');
  });

  it('readyz and data routes answer 503 ERR_NOT_READY while not ready; healthz stays up', async () => {
    const h = harness();
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    h.setReady(false);
    const r = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ code: 'ERR_NOT_READY', retryable: true, requestId: r.headers['x-request-id'] });
    const e = await exec(h.app, { sql: 'SELECT 1' });
    expect(e.statusCode).toBe(503);
    expect(h.engine.calls).toHaveLength(0);
    const health = await h.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    // Draining: responses close their keep-alive connection.
    expect(health.headers['connection']).toBe('close');
  });

  it('serves an OpenAPI 3 document describing every route with its schemas', async () => {
    const { app } = harness();
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    const t = '/{bucket}/tables/{table}';
    expect(Object.keys(doc.paths).sort()).toEqual(
      ['/healthz', '/metrics', '/openapi.json', '/readyz', '/{bucket}/tables', '/{bucket}/tables/_execute', t, `${t}/_compact`, `${t}/history`, `${t}/optimize`, `${t}/restore`, `${t}/vacuum`,
        `${t}/insert`, `${t}/merge`, `${t}/update`, `${t}/delete-rows`, `${t}/query`, '/{bucket}/engine', '/{bucket}/engine/enable', '/{bucket}/engine/disable',
        '/_auth/tokens', '/_auth/tokens/{name}',
        `${t}/changes`, `${t}/diff`, // wip/cdf
        // wip/pipeline
        '/{bucket}/tables/_pipeline', `${t}/ingest-rule`, `${t}/ingest-runs`, `${t}/ingest`,
        '/{bucket}/usage'].sort(), // wip/contract
    );
    expect(Object.keys(doc.paths['/_auth/tokens']).sort()).toEqual(['get', 'post']);
    expect(doc.paths['/_auth/tokens/{name}'].delete.parameters).toEqual([{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(Object.keys(doc.paths[t])).toEqual(expect.arrayContaining(['get', 'delete']));
    expect(Object.keys(doc.paths['/{bucket}/tables'])).toEqual(expect.arrayContaining(['get', 'post']));
    const exe = doc.paths['/{bucket}/tables/_execute'].post;
    expect(exe.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/ExecuteRequest');
    expect(exe.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/ExecuteResponse');
    expect(exe.responses['4XX'].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorBody');
    for (const name of ['ErrorBody', 'Table', 'Column', 'ExecuteRequest', 'ExecuteResponse', 'ExecuteQueryResult', 'ExecuteWriteResult', 'ExecuteDdlResult', 'CreateTableRequest']) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
  });
});

describe('execute', () => {
  it('passes bucket, sql, freshness and an abort signal to the engine and returns its response as pbjson', async () => {
    const { app, engine } = harness();
    const res = await exec(app, { sql: 'SELECT 1', freshness: 'FRESHNESS_STRONG', bucket: 'kb-prod' });
    expect(res.statusCode).toBe(200);
    // The proto's ResultColumn carries duckdbType and columnType (shared decision 5, issue 15).
    // Core hands domain values (numbers); the wire encodes every int64 as a decimal string.
    expect(res.json()).toEqual({ query: {
      ...(QUERY_RESPONSE as { query: object }).query,
      columns: [{ name: 'n', type: 'BIGINT', duckdbType: 'BIGINT', columnType: 'COLUMN_TYPE_LONG' }],
      rowCount: '1', versions: { t: '3' }, version: '3', partitionsScanned: '1', partitionsPruned: '0', filesScanned: '1', rowsScanned: '1', bytesScanned: '100',
    } });
    expect(engine.calls).toHaveLength(1);
    expect(engine.calls[0]).toMatchObject({ bucket: 'kb-prod', sql: 'SELECT 1', freshness: 'FRESHNESS_STRONG' });
    expect(engine.calls[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it('omits freshness when the client did', async () => {
    const { app, engine } = harness();
    await exec(app, { sql: 'SELECT 1' });
    expect('freshness' in (engine.calls[0] ?? {})).toBe(false);
  });

  it('passes the Idempotency-Key header to the engine as idempotencyKey (absent without the header)', async () => {
    const { app, engine } = harness();
    await exec(app, { sql: 'INSERT INTO t VALUES (1)' }, 'kb-prod', { 'idempotency-key': 'req-0b5f' });
    await exec(app, { sql: 'INSERT INTO t VALUES (1)' });
    expect(engine.calls[0]).toMatchObject({ idempotencyKey: 'req-0b5f' });
    expect('idempotencyKey' in (engine.calls[1] ?? {})).toBe(false);
  });

  const badBodies: Array<[string, unknown, string]> = [
    ['missing sql', {}, 'body.sql'],
    ['empty sql', { sql: '' }, 'body.sql'],
    ['sql of the wrong type (no coercion)', { sql: 42 }, 'body.sql'],
    ['unknown freshness', { sql: 'SELECT 1', freshness: 'FRESHNESS_SOMETIMES' }, 'body.freshness'],
    ['unknown field', { sql: 'SELECT 1', freshnes: 'FRESHNESS_STRONG' }, 'body.freshnes'],
    ['body is an array', [{ sql: 'SELECT 1' }], 'body'],
    ['bucket differs from the path', { sql: 'SELECT 1', bucket: 'other' }, 'body.bucket'],
  ];
  for (const [name, body, field] of badBodies) {
    it(`refuses ${name} with 400 ERR_BAD_REQUEST naming ${field}`, async () => {
      const { app, engine } = harness();
      const res = await exec(app, body);
      expect(res.statusCode).toBe(400);
      const json = res.json();
      expect(json).toMatchObject({ code: 'ERR_BAD_REQUEST', retryable: false, requestId: res.headers['x-request-id'] });
      expect(json.details.field).toBe(field);
      expect(engine.calls).toHaveLength(0);
    });
  }

  it('lists the allowed values when freshness is unknown', async () => {
    const res = await exec(harness().app, { sql: 'SELECT 1', freshness: 'x' });
    expect(res.json().message).toContain('FRESHNESS_EVENTUAL');
  });

  it('refuses malformed JSON, an empty JSON body and a non-JSON content type with 400 ERR_BAD_REQUEST', async () => {
    const { app, engine } = harness();
    for (const res of [
      await exec(app, '{"sql": "SELECT 1"'),
      await exec(app, ''),
      await app.inject({ method: 'POST', url: '/kb-prod/tables/_execute', payload: 'SELECT 1', headers: { 'content-type': 'application/xml' } }),
    ]) {
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('ERR_BAD_REQUEST');
    }
    expect(engine.calls).toHaveLength(0);
  });

  it('refuses a body over K3_BODY_LIMIT with 413 ERR_BODY_TOO_LARGE', async () => {
    const { app, engine } = harness();
    const res = await exec(app, { sql: `SELECT '${'x'.repeat(5000)}'` });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('ERR_BODY_TOO_LARGE');
    expect(engine.calls).toHaveLength(0);
  });

  it('refuses an invalid bucket name with 400 ERR_INVALID_NAME', async () => {
    const res = await exec(harness().app, { sql: 'SELECT 1' }, 'Bad_Bucket');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_INVALID_NAME', details: { field: 'params.bucket' } });
  });

  it('serializes an engine AppError with its registry status, message and details', async () => {
    const { app, engine } = harness();
    engine.onExecute = async () => {
      throw new AppError('ERR_SQL_MULTI_STATEMENT', 'Send one statement per call.', { statements: 2 });
    };
    const res = await exec(app, { sql: 'SELECT 1; SELECT 2' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: 'ERR_SQL_MULTI_STATEMENT',
      message: 'Send one statement per call.',
      retryable: false,
      requestId: res.headers['x-request-id'],
      details: { statements: 2 },
    });
  });

  it('turns an unexpected error into 500 ERR_INTERNAL without leaking its message, and logs the stack', async () => {
    const { app, engine, logs } = harness();
    engine.onExecute = async () => {
      throw new Error('duckdb internal: /secret/path');
    };
    const res = await exec(app, { sql: 'SELECT 1' });
    expect(res.statusCode).toBe(500);
    expect(res.json().code).toBe('ERR_INTERNAL');
    expect(res.body).not.toContain('secret');
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'rpc failed with internal error');
    expect(line?.err?.stack).toContain('duckdb internal');
    expect(line?.requestId).toBe(res.headers['x-request-id']);
  });

  it('never logs SQL text: only its length and hash', async () => {
    const { app, logs } = harness();
    await exec(app, { sql: "SELECT 'top-secret-literal'" });
    const all = logs.join('\n');
    expect(all).not.toContain('top-secret-literal');
    const started = logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'rpc started');
    expect(started).toMatchObject({ rpc: 'Execute', wire: 'rest', sqlLength: 27, bucket: 'kb-prod' });
    expect(started.sqlHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('aborts the engine call when the client disconnects', async () => {
    const { app, engine } = harness();
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    const aborted = new Promise<boolean>((resolve) => {
      engine.onExecute = (opts) =>
        new Promise((_res, rej) => {
          started();
          opts.signal?.addEventListener('abort', () => {
            resolve(true);
            rej(new AppError('ERR_QUERY_CANCELLED', 'cancelled'));
          });
        });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/kb-prod/tables/_execute', headers: { 'content-type': 'application/json' } });
    req.on('error', () => {});
    req.end(JSON.stringify({ sql: 'SELECT 1' }));
    await startedP;
    req.destroy();
    expect(await aborted).toBe(true);
  });
});

describe('tables routes', () => {
  it('creates (201, proto defaults filled), describes and lists tables', async () => {
    const { app, engine } = harness();
    const body = { name: 'events', columns: [{ name: 'id', type: 'COLUMN_TYPE_LONG' }, { name: 'p', type: 'COLUMN_TYPE_JSON', nullable: true }], mergeKeys: ['id'] };
    const created = await app.inject({ method: 'POST', url: '/kb-prod/tables', payload: body });
    expect(created.statusCode).toBe(201);
    expect(created.json().columns).toEqual([
      { name: 'id', type: 'COLUMN_TYPE_LONG', nullable: false, defaultExpression: '', duckdbType: '' },
      { name: 'p', type: 'COLUMN_TYPE_JSON', nullable: true, defaultExpression: '', duckdbType: '' },
    ]);
    expect(engine.tables.size).toBe(1);
    const described = await app.inject({ method: 'GET', url: '/kb-prod/tables/events' });
    expect(described.json()).toEqual(created.json());
    const listed = await app.inject({ method: 'GET', url: '/kb-prod/tables' });
    expect(listed.json()).toEqual({ tables: [created.json()] });
  });

  it('refuses an unknown column type and answers 404 / 409 from the engine', async () => {
    const { app } = harness();
    const bad = await app.inject({ method: 'POST', url: '/kb-prod/tables', payload: { name: 't', columns: [{ name: 'a', type: 'COLUMN_TYPE_UUID' }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.field).toBe('body.columns.0.type');
    const missing = await app.inject({ method: 'GET', url: '/kb-prod/tables/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ code: 'ERR_TABLE_NOT_FOUND', details: { table: 'nope' } });
    const payload = { name: 't', columns: [{ name: 'a', type: 'COLUMN_TYPE_INT' }] };
    await app.inject({ method: 'POST', url: '/kb-prod/tables', payload });
    const dup = await app.inject({ method: 'POST', url: '/kb-prod/tables', payload });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('ERR_TABLE_EXISTS');
  });

  it('accepts pbjson alternatives: proto field names and enum numbers, normalized before the engine sees them', async () => {
    const { app, engine } = harness();
    const body = {
      name: 'snake',
      columns: [
        { name: 'id', type: 3 },
        { name: 'state', type: 'COLUMN_TYPE_STRING', nullable: true, default_expression: "'new'" },
      ],
      partition_columns: ['state'],
      merge_keys: ['id'],
    };
    const res = await app.inject({ method: 'POST', url: '/kb-prod/tables', payload: body });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      columns: [
        { name: 'id', type: 'COLUMN_TYPE_LONG', nullable: false, defaultExpression: '' },
        { name: 'state', type: 'COLUMN_TYPE_STRING', nullable: true, defaultExpression: "'new'" },
      ],
      partitionColumns: ['state'],
      mergeKeys: ['id'],
    });
    await exec(app, { sql: 'SELECT 1', freshness: 2 });
    expect(engine.calls[0]?.freshness).toBe('FRESHNESS_STRONG');
  });

  it('refuses a field given under both names, and an out-of-range enum number', async () => {
    const { app } = harness();
    const twice = await app.inject({
      method: 'POST',
      url: '/kb-prod/tables',
      payload: { name: 't', columns: [{ name: 'a', type: 'COLUMN_TYPE_INT', defaultExpression: '1', default_expression: '2' }] },
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json()).toMatchObject({ code: 'ERR_BAD_REQUEST', details: { field: 'body.columns.0.defaultExpression' } });
    const range = await exec(app, { sql: 'SELECT 1', freshness: 9 });
    expect(range.statusCode).toBe(400);
    expect(range.json().details.field).toBe('body.freshness');
  });

  it('answers unknown routes with 404 ERR_NOT_FOUND', async () => {
    const { app } = harness();
    for (const [method, url] of [['GET', '/nope'], ['PUT', '/kb-prod/tables/events'], ['GET', '/kb-prod/tables/events/extra']] as const) {
      const res = await app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.json()).toMatchObject({ code: 'ERR_NOT_FOUND', requestId: res.headers['x-request-id'] });
    }
  });
});

describe('metrics', () => {
  it('counts requests by route pattern and status, and executes by kind and strategy', async () => {
    const { app, engine } = harness();
    await exec(app, { sql: 'SELECT 1' });
    engine.onExecute = async () => ({ write: { tableName: 't', strategy: 'WRITE_STRATEGY_NON_KEYED_INSERT', rowsAffected: 2, version: 4 } });
    await exec(app, { sql: 'INSERT INTO t VALUES (1), (2)' });
    await exec(app, {});
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('k3_http_requests_total{route="/:bucket/tables/_execute",status="200"} 2');
    expect(text).toContain('k3_http_requests_total{route="/:bucket/tables/_execute",status="400"} 1');
    expect(text).toContain('k3_execute_total{kind="query",strategy="QUERY_STRATEGY_UNARY_WAREHOUSE"} 1');
    expect(text).toContain('k3_execute_total{kind="write",strategy="WRITE_STRATEGY_NON_KEYED_INSERT"} 1');
    expect(text).toMatch(/k3_http_request_duration_seconds_count\{route="\/:bucket\/tables\/_execute"\} 3/);
  });
});

/**
 * Connect's plain unary JSON Execute takes its own route (rpc/connect-unary-json.ts); every other
 * Connect shape takes connect-fastify's handler. The same request sent both ways (a
 * `connect-timeout-ms` header sends it through Connect's handler) must answer the same status,
 * body and error headers — success, a deliberate error, a malformed body, an unknown field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { fromBinary, toBinary, create, toJson } from '@bufbuild/protobuf';
import { ErrorInfoSchema, ExecuteRequestSchema, ExecuteResponseSchema } from '@k3/client';
import { AppError, loadConfig } from '@k3/core';
import { buildServer } from '../src/server.ts';
import { CONNECT_EXECUTE_PATH } from '../src/rpc/connect-unary-json.ts';
import { FakeEngine } from './fake-engine.ts';

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
});

function harness(): { app: FastifyInstance; engine: FakeEngine; logs: string[]; setReady(v: boolean): void } {
  const engine = new FakeEngine();
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  let ready = true;
  const app = buildServer({ engine, config: loadConfig({ K3_BODY_LIMIT: '4KiB' }), logger, ready: () => ready });
  open.push(app);
  return { app, engine, logs, setReady: (v) => void (ready = v) };
}

/** The same Connect JSON request, through the fast route (`fast`) or Connect's handler (a deadline header). */
const post = (app: FastifyInstance, payload: string, via: 'fast' | 'connect', headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: CONNECT_EXECUTE_PATH,
    payload,
    headers: { 'content-type': 'application/json', ...(via === 'connect' ? { 'connect-timeout-ms': '60000' } : {}), ...headers },
  });

/** A Connect error body with the request id (which differs per request) blanked in the ErrorInfo detail. */
function errorBody(text: string): unknown {
  const body = JSON.parse(text) as { details?: { debug?: { requestId?: string }; value?: string }[] };
  for (const d of body.details ?? []) {
    delete d.value;
    if (d.debug) d.debug.requestId = '';
  }
  return body;
}

describe('Connect unary JSON Execute (fast route)', () => {
  it('answers what Connect\'s handler answers: a result, in pbjson with default values', async () => {
    const { app, engine, logs } = harness();
    engine.onExecute = async () => ({ write: { tableName: 'kv', strategy: 'WRITE_STRATEGY_KEYED_INSERT_SINGLE', rowsAffected: 1, version: 4 } });
    const payload = JSON.stringify({ bucket: 'kb-prod', sql: 'INSERT INTO kv VALUES (1)', freshness: 'FRESHNESS_STRONG' });
    const fast = await post(app, payload, 'fast');
    const slow = await post(app, payload, 'connect');
    expect(fast.statusCode).toBe(200);
    expect(fast.headers['content-type']).toMatch(/^application\/json/);
    expect(fast.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(fast.json()).toEqual(slow.json());
    expect(fast.json()).toEqual({ write: { tableName: 'kv', strategy: 'WRITE_STRATEGY_KEYED_INSERT_SINGLE', rowsAffected: '1', version: '4' } });
    expect(engine.calls.map((c) => [c.bucket, c.sql, c.freshness])).toEqual([
      ['kb-prod', 'INSERT INTO kv VALUES (1)', 'FRESHNESS_STRONG'], ['kb-prod', 'INSERT INTO kv VALUES (1)', 'FRESHNESS_STRONG'],
    ]);
    // The interceptor layer ran for both: one audit line each, on the connect wire.
    const audit = logs.map((l) => JSON.parse(l) as { msg: string; wire?: string; method?: string }).filter((l) => l.msg === 'rpc finished');
    expect(audit).toHaveLength(2);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('k3_rpc_requests_total{method="Execute",wire="connect",code="OK"} 2');
  });

  it('answers a deliberate error as the same Connect error (code, ErrorInfo, x-k3-error-code)', async () => {
    const { app, engine } = harness();
    engine.onExecute = async () => { throw new AppError('ERR_TABLE_NOT_FOUND', 'Table "nope" does not exist in bucket "kb-prod".', { table: 'nope' }); };
    const payload = JSON.stringify({ bucket: 'kb-prod', sql: 'SELECT * FROM nope' });
    const fast = await post(app, payload, 'fast', { 'x-request-id': 'req-1' });
    const slow = await post(app, payload, 'connect', { 'x-request-id': 'req-1' });
    expect(fast.statusCode).toBe(404);
    expect(fast.statusCode).toBe(slow.statusCode);
    expect(fast.headers['x-k3-error-code']).toBe('ERR_TABLE_NOT_FOUND');
    expect(slow.headers['x-k3-error-code']).toBe('ERR_TABLE_NOT_FOUND');
    expect(fast.headers['x-request-id']).toBe('req-1');
    expect(JSON.parse(fast.body)).toEqual(JSON.parse(slow.body));
    expect(JSON.parse(fast.body)).toMatchObject({ code: 'not_found', details: [{ type: 'dodil.k3.tables.v1.ErrorInfo', debug: { code: 'ERR_TABLE_NOT_FOUND', requestId: 'req-1' } }] });
  });

  it('refuses a bad bucket, an unknown field and a body that is not JSON as invalid_argument', async () => {
    const { app, engine } = harness();
    const badBucket = JSON.stringify({ bucket: 'KB', sql: 'SELECT 1' });
    const [fast, slow] = [await post(app, badBucket, 'fast'), await post(app, badBucket, 'connect')];
    expect(fast.statusCode).toBe(400);
    expect(errorBody(fast.body)).toEqual(errorBody(slow.body));

    const unknown = await post(app, JSON.stringify({ bucket: 'kb-prod', sql: 'SELECT 1', nope: 1 }), 'fast');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ code: 'invalid_argument', details: [{ debug: { code: 'ERR_BAD_REQUEST', details: { field: 'body.nope' } } }] });

    // The detail's bytes (what a client decodes) carry the details as JSON, not a Struct message's own fields.
    const value = (unknown.json() as { details: { value: string }[] }).details[0]!.value;
    const info = fromBinary(ErrorInfoSchema, Buffer.from(value, 'base64'));
    expect(info).toMatchObject({ code: 'ERR_BAD_REQUEST', details: { field: 'body.nope' } });
    const slowInfo = fromBinary(ErrorInfoSchema, Buffer.from((slow.json() as { details: { value: string }[] }).details[0]!.value, 'base64'));
    expect(slowInfo.details).toEqual({ field: 'bucket' });

    const notJson = await post(app, '{"bucket": ', 'fast');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ code: 'invalid_argument', details: [{ debug: { code: 'ERR_BAD_REQUEST' } }] });

    const tooLarge = await post(app, JSON.stringify({ bucket: 'kb-prod', sql: `SELECT '${'x'.repeat(5000)}'` }), 'fast');
    expect(tooLarge.json()).toMatchObject({ details: [{ debug: { code: 'ERR_BODY_TOO_LARGE' } }] });
    expect(engine.calls).toEqual([]);
  });

  it('while not ready answers a Connect error (retryable ERR_NOT_READY) and closes the connection', async () => {
    const { app, engine, setReady } = harness();
    setReady(false);
    const res = await post(app, JSON.stringify({ bucket: 'kb-prod', sql: 'SELECT 1' }), 'fast');
    expect(res.statusCode).toBe(503);
    expect(res.headers['connection']).toBe('close');
    expect(res.json()).toMatchObject({ code: 'unavailable', details: [{ debug: { code: 'ERR_NOT_READY', retryable: true } }] });
    expect(engine.calls).toEqual([]);
  });

  it('leaves binary and compressed requests to Connect\'s handler', async () => {
    const { app, engine } = harness();
    const binary = await app.inject({
      method: 'POST', url: CONNECT_EXECUTE_PATH, headers: { 'content-type': 'application/proto' },
      payload: Buffer.from(toBinary(ExecuteRequestSchema, create(ExecuteRequestSchema, { bucket: 'kb-prod', sql: 'SELECT 1' }))),
    });
    expect(binary.statusCode).toBe(200);
    expect(binary.headers['content-type']).toBe('application/proto');
    expect(toJson(ExecuteResponseSchema, fromBinary(ExecuteResponseSchema, binary.rawPayload))).toMatchObject({ query: { rowCount: '1' } });

    const gzipped = await app.inject({
      method: 'POST', url: CONNECT_EXECUTE_PATH, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: gzipSync(JSON.stringify({ bucket: 'kb-prod', sql: 'SELECT 2' })),
    });
    expect(gzipped.statusCode).toBe(200);
    expect(gzipped.json()).toMatchObject({ query: { rowCount: '1' } });
    expect(engine.calls.map((c) => c.sql)).toEqual(['SELECT 1', 'SELECT 2']);
  });
});

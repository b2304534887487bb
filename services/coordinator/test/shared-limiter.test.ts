/**
 * One PrincipalLimiter per process: the RPC wires (REST here) and the Postgres wire take slots of
 * the SAME lanes, so a principal cannot double its concurrency by spreading statements over wires.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '@k3/core';
import { buildServer } from '../src/server.ts';
import { pgEngineOf } from '../src/pg-listener.ts';
import { PrincipalLimiter } from '../src/principal-limiter.ts';
import { ANONYMOUS } from '../src/rpc-auth.ts';
import { FakeEngine, QUERY_RESPONSE } from './fake-engine.ts';

const open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
});

const restQuery = (app: FastifyInstance) =>
  app.inject({ method: 'POST', url: '/kb-prod/tables/_execute', payload: JSON.stringify({ sql: 'SELECT 1' }), headers: { 'content-type': 'application/json' } });

describe('one limiter for every wire', () => {
  it('a statement running on the Postgres wire holds the slot the REST wire would need (and the other way round)', async () => {
    const engine = new FakeEngine();
    const limiter = new PrincipalLimiter({ maxRunning: 1, maxQueued: 0 });
    const app = buildServer({ engine, config: loadConfig({}), logger: pino({ level: 'silent' }), limiter });
    open.push(app);
    const pg = pgEngineOf(engine, limiter);

    let release!: () => void;
    engine.onExecute = () => new Promise((resolve) => (release = () => resolve(QUERY_RESPONSE)));
    const running = pg.execute({ bucket: 'kb-prod', sql: 'SELECT 1', principal: ANONYMOUS.name });
    await expect.poll(() => engine.calls.length).toBe(1);
    engine.onExecute = async () => QUERY_RESPONSE;

    const refused = await restQuery(app);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'ERR_TOO_MANY_REQUESTS' });
    expect(refused.headers['retry-after']).toBe('1');

    release();
    await running;
    const ok = await restQuery(app);
    expect(ok.statusCode, ok.body).toBe(200);

    // REST holding the slot refuses the Postgres wire's statement.
    engine.onExecute = () => new Promise((resolve) => (release = () => resolve(QUERY_RESPONSE)));
    const viaRest = restQuery(app);
    await expect.poll(() => engine.calls.length).toBe(3);
    await expect(pg.execute({ bucket: 'kb-prod', sql: 'SELECT 1', principal: ANONYMOUS.name })).rejects.toMatchObject({ code: 'ERR_TOO_MANY_REQUESTS' });
    release();
    expect((await viaRest).statusCode).toBe(200);
  });
});

/**
 * The TypeScript SDK (`@k3/client/sdk`) in Node against a started server: typed rows for the
 * eleven column types and wider ones, the typed RPCs, streaming, errors as K3Error with their
 * ERR_* code, retries only of retryable errors, and AbortSignal. (Its browser bundle is the data
 * browser's: test/web/browser.test.ts builds and drives it.)
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { K3Client, K3Error } from '@k3/client/sdk';
import { startServer, type StartedServer } from '../support/server.ts';

let server: StartedServer;
let k3: K3Client;
const BUCKET = 'tssdk';

describe('TypeScript SDK against a started server', () => {
  beforeAll(async () => {
    server = await startServer();
    k3 = new K3Client({ url: server.url, ...(server.token ? { token: server.token } : {}) });
    await k3.tables(BUCKET).execute(`CREATE TABLE accounts (id BIGINT PRIMARY KEY, region VARCHAR, balance DECIMAL(18,2), opened DATE, seen TIMESTAMP, flag BOOLEAN, raw BLOB, meta JSON, score DOUBLE, tags VARCHAR[])`);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('decodes rows by column type without losing precision', async () => {
    const t = k3.tables(BUCKET);
    await t.execute(`INSERT INTO accounts VALUES (9007199254740993, 'UK', 1500.25, DATE '2026-01-02', TIMESTAMP '2026-01-02 03:04:05.678', true, '\\x01\\xFF'::BLOB, '{"a": [1, 2]}', 'NaN', ['x', 'y'])`);
    const res = await t.query('SELECT * FROM accounts', { freshness: 'strong' });
    expect(res.strategy).toMatch(/^QUERY_STRATEGY_/);
    const [r] = res.rows;
    expect(r).toBeDefined();
    expect(r!.id).toBe(9007199254740993n);
    expect(r!.region).toBe('UK');
    expect(r!.balance).toBe('1500.25');
    expect(r!.opened).toBe('2026-01-02');
    expect(r!.seen).toEqual(new Date('2026-01-02T03:04:05.678Z'));
    expect(r!.flag).toBe(true);
    expect(r!.raw).toEqual(new Uint8Array([1, 255]));
    expect(r!.meta).toEqual({ a: [1, 2] });
    expect(Number.isNaN(r!.score)).toBe(true);
    expect(r!.tags).toEqual(['x', 'y']);
    expect((res.json.query as { rows: unknown[][] }).rows[0]![0]).toBe('9007199254740993');
  });

  it('runs the typed RPCs with bound values and structured predicates', async () => {
    const t = k3.tables(BUCKET);
    const ins = await t.insert('accounts', [{ id: 1n, region: 'EU', balance: '10.00' }, { id: 2, region: 'US', balance: '20.50' }]);
    expect(ins.rowsAffected).toBe(2n);
    await t.merge('accounts', [{ id: 2, region: 'US', balance: '21.00' }, { id: 3, region: 'EU', balance: '5.00' }]);
    await t.update('accounts', { balance: '11.00' }, { column: 'id', op: 'EQ', value: 1 });
    await t.deleteRows('accounts', { column: 'region', op: 'EQ', value: 'US' });
    const got = await t.select('accounts', { columns: ['id', 'balance'], where: { column: 'region', op: 'IN', value: ['EU'] }, orderBy: [{ column: 'id', descending: true }], freshness: 'strong' });
    expect(got.rows).toEqual([{ id: 3n, balance: '5.00' }, { id: 1n, balance: '11.00' }]);
    const described = await t.describe('accounts');
    expect(described.mergeKeys).toEqual(['id']);
    expect((await t.list()).map((x) => x.name)).toContain('accounts');
    // GetUsage: the Execute calls so far (CREATE, INSERT, SELECT) were metered for the bucket.
    const usage = await t.usage({ until: new Date(Date.now() + 60_000) });
    expect(usage.bucket).toBe(BUCKET);
    expect(usage.calls).toBeGreaterThanOrEqual(2n);
    expect((await t.usage({ since: Date.now() + 60_000 })).calls).toBe(0n);
  });

  it('streams a result in batches with bounded client memory', async () => {
    let n = 0;
    let sum = 0n;
    for await (const row of k3.tables(BUCKET).stream('SELECT range AS i FROM range(200000)')) {
      n++;
      sum += row.i as bigint;
    }
    expect(n).toBe(200_000);
    expect(sum).toBe(200_000n * 199_999n / 2n);
  });

  it('fails with K3Error carrying the ERR_* code; bad tokens are ERR_UNAUTHENTICATED', async () => {
    const err = await k3.tables(BUCKET).query('SELEC 1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(K3Error);
    expect((err as K3Error).code).toBe('ERR_SQL_PARSE');
    expect((err as K3Error).retryable).toBe(false);
    expect((err as K3Error).requestId).not.toBe('');
    const bad = new K3Client({ url: server.url, token: 'k3_not_a_token' });
    const auth = await bad.tables(BUCKET).list().catch((e: unknown) => e);
    expect((auth as K3Error).code).toBe('ERR_UNAUTHENTICATED');
  });

  it('retries only what the server marks retryable, and honours AbortSignal', async () => {
    let calls = 0;
    const retrying = new K3Client({ url: server.url, retries: 2, backoffMs: 1 });
    const value = await retrying.call(async () => {
      calls++;
      if (calls < 3) throw new K3Error('ERR_QUEUE_UNAVAILABLE', 'busy', { retryable: true, connectCode: Code.Unavailable });
      return 'ok';
    });
    expect([value, calls]).toEqual(['ok', 3]);
    calls = 0;
    await expect(retrying.call(async () => {
      calls++;
      throw new K3Error('ERR_SQL_PARSE', 'no', { retryable: false, connectCode: Code.InvalidArgument });
    })).rejects.toMatchObject({ code: 'ERR_SQL_PARSE' });
    expect(calls).toBe(1);
    const controller = new AbortController();
    controller.abort();
    const aborted = await k3.tables(BUCKET).query('SELECT 1', { signal: controller.signal }).catch((e: unknown) => e);
    expect(aborted instanceof ConnectError || aborted instanceof K3Error || aborted instanceof Error).toBe(true);
    expect(String((aborted as Error).message)).toMatch(/abort|cancel/i);
  });
});

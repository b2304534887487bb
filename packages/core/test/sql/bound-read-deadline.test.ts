/**
 * The pooled single-node read (sql/bound-read-pool.ts) stays under the attempt's deadline and the
 * client's abort: the pooled connection is interrupted like the attempt's own, the statement
 * fails with ERR_QUERY_TIMEOUT / ERR_QUERY_CANCELLED, and the next read of the same table answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness, QueryStrategy } from '../../src/api/index.ts';
import { createHarness, type Harness } from './engine-harness.ts';
import { wireRows } from '../support/wire-rows.ts';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ K3_QUERY_TIMEOUT: '300ms' });
  await h.ddl('CREATE TABLE t (a BIGINT)');
  await h.write('INSERT INTO t VALUES (1), (2), (3)');
});

afterAll(async () => {
  await h.close();
});

const eventual = async (sql: string, signal?: AbortSignal) => {
  const r = await h.engine.execute({ bucket: h.bucket, sql, freshness: Freshness.EVENTUAL, ...(signal !== undefined ? { signal } : {}) });
  if (!('query' in r)) throw new Error('not a query result');
  return r;
};
const SLOW = 'SELECT count(*) FROM t, range(100000000000) r(x) WHERE x % 7 = t.a';
const QUICK = 'SELECT count(*), sum(a) FROM t';

describe('pooled EVENTUAL reads: deadline and cancellation', () => {
  it('the slow statement reads the bucket table on the single-node path (so on the pool)', async () => {
    const r = await eventual('SELECT count(*) FROM t, range(10) r(x) WHERE x % 7 = t.a');
    expect([QueryStrategy.UNARY_WAREHOUSE, QueryStrategy.FEDERATED_TO_SINGLE]).toContain(r.query.strategy);
    expect(r.query.strategyReason).not.toBe('');
    expect(wireRows(r.query)).toEqual([['5']]);
  });

  it('a read past the deadline is interrupted; the table is read again afterwards', async () => {
    expect(wireRows((await eventual(QUICK)).query)).toEqual([['3', '6']]);
    const started = Date.now();
    await expect(eventual(SLOW)).rejects.toMatchObject({ code: 'ERR_QUERY_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(wireRows((await eventual(QUICK)).query)).toEqual([['3', '6']]);
  });

  it('a client abort cancels the pooled read', async () => {
    const controller = new AbortController();
    const pending = eventual(SLOW, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_QUERY_CANCELLED' });
    expect(wireRows((await eventual(QUICK)).query)).toEqual([['3', '6']]);
  });
});

/**
 * Deadlines and cancellation on the connection holding a table's materialized STRONG base
 * (wal/materialized-strong.ts): a STRONG read running there is interrupted like any other
 * (ERR_QUERY_TIMEOUT / ERR_QUERY_CANCELLED), the interrupted connection is not reused, and the
 * next STRONG reads are exact and served from a rebuilt materialization.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness, type ExecuteQueryResult } from '../../src/api/index.ts';
import { createHarness, type Harness } from './engine-harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ K3_QUERY_TIMEOUT: '300ms', K3_WARM_TAIL_KEYS: '4' }, { drainLogWrites: false });
  await h.ddl('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT)');
  await h.exec('INSERT INTO kv SELECT i, i FROM range(100) t(i)');
  await h.engine.compact(h.bucket, 'kv');
  await h.exec('INSERT OR REPLACE INTO kv SELECT i, 1000 + i FROM range(20) t(i)'); // un-drained: a base
});

afterAll(async () => {
  await h.close();
});

const strong = async (sql: string, signal?: AbortSignal): Promise<ExecuteQueryResult> => {
  const r = await h.engine.execute({ bucket: h.bucket, sql, freshness: Freshness.STRONG, ...(signal !== undefined ? { signal } : {}) });
  if (!('query' in r)) throw new Error('expected a query result');
  return r.query;
};
const SUM = String(Array.from({ length: 100 }, (_, i) => (i < 20 ? 1000 + i : i)).reduce((a, b) => a + b, 0));

/** Exact STRONG reads until one is served from the materialization (built in the background). */
async function untilMaterialized(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const q = await strong('SELECT count(*), sum(v) FROM kv');
    expect(q.rows.map((r) => r.map(String))).toEqual([['100', SUM]]);
    if (q.strategyReason.includes('materialized base: kv')) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('never served from a materialized STRONG base');
}

const SLOW = 'SELECT count(*) FROM kv, range(100000000000) r(a) WHERE a % 7 = 3';

describe('deadline and cancellation on a materialized STRONG base', () => {
  it('interrupts a read past the deadline, then reads exactly again', async () => {
    await untilMaterialized();
    const started = Date.now();
    await expect(strong(SLOW)).rejects.toMatchObject({ code: 'ERR_QUERY_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(10_000);
    await untilMaterialized();
  });

  it('a client abort cancels the read there', async () => {
    await untilMaterialized();
    const controller = new AbortController();
    const pending = strong(SLOW, controller.signal);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_QUERY_CANCELLED' });
    await untilMaterialized();
  });
});

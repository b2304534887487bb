/**
 * Deadlines and cancellation: a statement past K3_QUERY_TIMEOUT is interrupted (ERR_QUERY_TIMEOUT),
 * an aborted request is interrupted (ERR_QUERY_CANCELLED); neither commits anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './engine-harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({ K3_QUERY_TIMEOUT: '300ms' });
  await h.ddl('CREATE TABLE t (a BIGINT)');
});

afterAll(async () => {
  await h.close();
});

const SLOW = 'SELECT count(*) FROM range(100000000000) r(a) WHERE a % 7 = 3';

describe('deadline and cancellation', () => {
  it('interrupts a read past the deadline', async () => {
    const started = Date.now();
    await expect(h.exec(SLOW)).rejects.toMatchObject({ code: 'ERR_QUERY_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('interrupts a write past the deadline and commits nothing', async () => {
    await expect(h.exec('INSERT INTO t SELECT a FROM range(100000000000) r(a) WHERE a % 7 = 3 AND a < 0')).rejects.toMatchObject({ code: 'ERR_QUERY_TIMEOUT' });
    expect((await h.engine.describeTable(h.bucket, 't')).deltaVersion).toBe(0);
  });

  it('a client abort cancels the statement', async () => {
    const controller = new AbortController();
    const pending = h.engine.execute({ bucket: h.bucket, sql: SLOW, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_QUERY_CANCELLED' });
    const aborted = new AbortController();
    aborted.abort();
    await expect(h.engine.execute({ bucket: h.bucket, sql: 'SELECT 1', signal: aborted.signal })).rejects.toMatchObject({ code: 'ERR_QUERY_CANCELLED' });
  });
});

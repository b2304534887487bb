/**
 * The scan backlog on a real redis-server with BullMQ: waiting, prioritized, delayed (due and not
 * yet due) and active jobs — exactly what KEDA's Redis list scaler would miss (it sees only `wait`).
 */
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayedDueMaxScore, readQueueBacklog, RecentJobs, withTotal } from '../../src/dispatch/index.ts';
import { startRedisServer, type RedisTestServer } from '../support/redis-server.ts';

let redis: RedisTestServer;

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await redis?.stop();
});

describe('scan backlog', () => {
  it('counts waiting + prioritized + due delayed + active, not delayed jobs that are not due', async () => {
    const connection = { host: '127.0.0.1', port: redis.port };
    const queue = new Queue('scan-v1', { connection, prefix: 'backlog-test' });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let worker: Worker | undefined;
    try {
      // One job taken by a worker that holds it (active).
      await queue.add('j', {}, { jobId: 'active-1' });
      let started!: () => void;
      const taken = new Promise<void>((r) => (started = r));
      worker = new Worker('scan-v1', async () => { started(); await held; }, { connection, prefix: 'backlog-test', concurrency: 1 });
      await taken;
      await worker.pause(true).catch(() => undefined);
      // Then: 2 waiting, 3 prioritized, 1 delayed due in 50 ms, 2 delayed an hour out.
      await queue.add('j', {}, { jobId: 'w1' });
      await queue.add('j', {}, { jobId: 'w2' });
      for (const id of ['p1', 'p2', 'p3']) await queue.add('j', {}, { jobId: id, priority: 5 });
      await queue.add('j', {}, { jobId: 'd-soon', delay: 50 });
      await queue.add('j', {}, { jobId: 'd-later-1', delay: 3_600_000 });
      await queue.add('j', {}, { jobId: 'd-later-2', delay: 3_600_000 });
      await new Promise((r) => setTimeout(r, 120));
      const b = withTotal(await readQueueBacklog(queue), 4);
      expect(b).toEqual({ waiting: 2, prioritized: 3, delayed: 3, delayedDue: 1, active: 1, coordinator: 4, total: 2 + 3 + 1 + 1 + 4 });
      // KEDA's Redis list scaler would read LLEN of the wait list only.
      const client = await queue.client;
      expect(await client.llen(queue.keys.wait!)).toBe(2);
    } finally {
      release();
      await worker?.close(true);
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('a delayed job is due once its timestamp passed (BullMQ 5 score = ts × 0x1000 + counter)', () => {
    const now = 1_800_000_000_000;
    expect(delayedDueMaxScore(now)).toBe((now + 1) * 0x1000 - 1);
    expect(now * 0x1000 + 0xfff).toBeLessThanOrEqual(delayedDueMaxScore(now));
    expect((now + 1) * 0x1000).toBeGreaterThan(delayedDueMaxScore(now));
  });

  it('jobs the coordinator ran itself count for a minute', () => {
    const recent = new RecentJobs(60_000);
    recent.add(3, 1_000);
    recent.add(2, 30_000);
    expect(recent.count(30_000)).toBe(5);
    expect(recent.count(61_001)).toBe(2);
    expect(recent.count(90_001)).toBe(0);
  });
});

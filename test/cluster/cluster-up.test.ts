/**
 * `k3 cluster up` end to end: the real bin spawned with `--workers 2`; it starts Redis, the
 * coordinator and two workers as separate processes (the compactor is still a placeholder that
 * exits at once and is reported as skipped); the coordinator answers over HTTP; the cluster's
 * workers take scan jobs from its Redis and scan the shared data directory; SIGTERM stops every
 * child; with K3_REDIS_URL it uses that Redis; a `cluster up` killed with SIGKILL is cleaned up by
 * its reaper; bad arguments exit 64 with the usage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { main } from '../../packages/cli/src/main.ts';
import { BullMQScanExecutor } from '../../packages/core/src/dispatch/index.ts';
import { canonical, createScanTable, type ScanTable } from '../../packages/core/test/dispatch/support/scan-table.ts';
import { startRedisServer, type RedisTestServer } from '../../packages/core/test/support/redis-server.ts';
import { alive, clusterUp, gone, type Running } from './support/cluster-process.ts';

let table: ScanTable;
beforeAll(async () => {
  table = await createScanTable({ rowsPerFile: 200, filesPerRegion: 1 });
});
afterAll(async () => table?.close());

describe('k3 cluster up --workers 2', () => {
  let cluster: Running | undefined;
  afterAll(() => {
    if (cluster !== undefined) for (const pid of [cluster.child.pid!, ...cluster.pids]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('starts Redis, the coordinator and two workers as separate processes and prints the coordinator URL', async () => {
    cluster = await clusterUp({ K3_DATA_DIR: table.dataDir }, 2);
    expect(cluster.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // redis + 2 workers + compactor + coordinator, each its own process, none of them this test or the CLI.
    expect(new Set(cluster.pids).size).toBe(5);
    expect(cluster.pids).not.toContain(cluster.child.pid);
    expect(cluster.pids.every(alive)).toBe(true);
    expect(cluster.out()).toMatch(/worker 1 ready[\s\S]*worker 2 ready/);
    expect(cluster.out()).toMatch(/compactor ready \(pid \d+\)/);
    const health = await fetch(`${cluster.url}/healthz`);
    expect(health.status).toBe(200);
  }, 150_000);

  it("the cluster's workers run scan jobs over the shared data directory", async () => {
    const executor = new BullMQScanExecutor({
      redisUrl: cluster!.redisUrl, prefix: `k3c${process.pid}`, connectTimeoutMs: 2_000, attempts: 2, backoffMs: 100, retentionMs: 60_000, retentionCount: 50,
    });
    try {
      const sql = 'SELECT region, count(*) AS n, sum(amount) AS s FROM contracts GROUP BY region';
      const { result, stats } = await table.federate(executor, sql);
      expect(canonical(result)).toEqual(canonical(await table.reference(sql)));
      expect(stats.jobs).toBe(4);
    } finally {
      await executor.close();
    }
  }, 60_000);

  it('SIGTERM stops every child and exits 0', async () => {
    const c = cluster!;
    c.child.kill('SIGTERM');
    expect(await c.exited).toEqual({ code: 0, signal: null });
    expect(await gone(c.pids, 5_000)).toEqual([]);
    expect(c.out()).toContain('k3 cluster: stopped');
  }, 60_000);
});

describe('k3 cluster up with K3_REDIS_URL, killed with SIGKILL', () => {
  let redis: RedisTestServer | undefined;
  afterAll(async () => redis?.stop());

  it('uses the given Redis instead of spawning one; its reaper stops the children, not that Redis', async () => {
    redis = await startRedisServer();
    const c = await clusterUp({ K3_DATA_DIR: table.dataDir, K3_REDIS_URL: redis.url }, 1);
    expect(c.out()).toContain(`redis ${redis.url} (given by K3_REDIS_URL)`);
    expect(c.redisUrl).toBe(redis.url);
    expect(c.pids.length).toBe(3); // one worker, the compactor and the coordinator
    expect(c.pids.every(alive)).toBe(true);
    c.child.kill('SIGKILL');
    await c.exited;
    expect(await gone(c.pids, 15_000)).toEqual([]);
    const client = new Redis(redis.url);
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  }, 180_000);
});

describe('k3 cluster usage errors', () => {
  it.each([
    [['cluster', 'down'], 'unknown command: cluster down'],
    [['cluster', 'up', '--workers', '1.5'], '--workers must be an integer ≥ 0'],
    [['cluster', 'up', '--workers', 'two'], '--workers must be an integer ≥ 0'],
    [['cluster', 'up', '--port', '99999'], '--port must be an integer ≥ 0'],
  ])('%j → exit 64 with the reason and the usage', async (args, reason) => {
    let err = '';
    const code = await main(args, { out: () => undefined, err: (t) => { err += t; }, env: {} });
    expect(code).toBe(64);
    expect(err).toContain(reason);
    expect(err).toContain('k3 cluster up [--workers N]');
  });
});

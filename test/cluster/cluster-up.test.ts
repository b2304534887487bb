/**
 * `k3 cluster up` end to end: the real bin spawned with `--workers 2`; it starts Redis, the
 * coordinator and two workers as separate processes (the compactor is still a placeholder that
 * exits at once and is reported as skipped); the coordinator answers over HTTP; the cluster's
 * workers take scan jobs from its Redis and scan the shared data directory; SIGTERM stops every
 * child; a `cluster up` killed with SIGKILL is cleaned up by its reaper.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQScanExecutor } from '../../packages/core/src/dispatch/index.ts';
import { canonical, createScanTable, type ScanTable } from '../../packages/core/test/dispatch/support/scan-table.ts';
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
    // redis + 2 workers + coordinator, each its own process, none of them this test or the CLI.
    expect(new Set(cluster.pids).size).toBe(4);
    expect(cluster.pids).not.toContain(cluster.child.pid);
    expect(cluster.pids.every(alive)).toBe(true);
    expect(cluster.out()).toMatch(/worker 1 ready[\s\S]*worker 2 ready/);
    expect(cluster.out()).toContain('compactor not started');
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

describe('k3 cluster up killed with SIGKILL', () => {
  it('its reaper stops the children', async () => {
    const c = await clusterUp({ K3_DATA_DIR: table.dataDir }, 1);
    expect(c.pids.every(alive)).toBe(true);
    c.child.kill('SIGKILL');
    await c.exited;
    expect(await gone(c.pids, 15_000)).toEqual([]);
  }, 180_000);
});

/**
 * The worker service as a process: refuses to start without K3_REDIS_URL, serves /healthz and
 * /metrics on K3_WORKER_HTTP_PORT, counts the jobs it ran, and exits 0 on SIGTERM.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQScanExecutor } from '../../../packages/core/src/dispatch/index.ts';
import { freePortForTest } from './support/free-port.ts';
import { startRedisServer, type RedisTestServer } from '../../../packages/core/test/support/redis-server.ts';
import { canonical, createScanTable, type ScanTable } from '../../../packages/core/test/dispatch/support/scan-table.ts';
import { startWorker, WORKER_MAIN, type WorkerProcess } from '../../../packages/core/test/dispatch/support/worker-process.ts';

let table: ScanTable;
let redis: RedisTestServer;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  table = await createScanTable({ rowsPerFile: 100, filesPerRegion: 1 });
  redis = await startRedisServer();
});
afterAll(async () => {
  await worker?.stop();
  await redis?.stop();
  await table?.close();
});

describe('worker service', () => {
  it('refuses to start without K3_REDIS_URL, saying what to set', async () => {
    const run = promisify(execFile);
    const err = await run(process.execPath, [WORKER_MAIN], { env: { PATH: process.env['PATH'] ?? '' } }).then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('ERR_CONFIG_INVALID');
    expect(err?.stderr).toContain('K3_REDIS_URL');
  });

  it('serves /healthz and /metrics, counts completed jobs, and exits 0 on SIGTERM', async () => {
    const port = await freePortForTest();
    const prefix = `k3w${process.pid}`;
    worker = await startWorker({ K3_REDIS_URL: redis.url, K3_QUEUE_PREFIX: prefix, K3_STORE: 'local', K3_DATA_DIR: table.dataDir, K3_WORKER_HTTP_PORT: String(port) });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const executor = new BullMQScanExecutor({ redisUrl: redis.url, prefix, connectTimeoutMs: 2_000, attempts: 1, backoffMs: 100, retentionMs: 60_000, retentionCount: 10 });
    try {
      const sql = 'SELECT region, count(*) AS n FROM contracts GROUP BY region';
      const { result } = await table.federate(executor, sql);
      expect(canonical(result)).toEqual(canonical(await table.reference(sql)));
    } finally {
      await executor.close();
    }
    const metrics = await (await fetch(`${base}/metrics`)).text();
    // Every series of the worker role carries role="worker" (one Registry per role).
    expect(metrics).toMatch(/^k3_worker_jobs_total\{outcome="completed",role="worker"\} 4$/m);
    expect(metrics).toMatch(/^k3_worker_jobs_running\{role="worker"\} 0$/m);
    expect(metrics).toContain('k3_worker_job_duration_seconds_count{role="worker"} 4');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    worker.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  });
});

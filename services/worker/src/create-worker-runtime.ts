/**
 * Builds a scan worker from the configuration: bucket stores → DuckDB (sandboxed to the Parquet
 * cache, plus the data directory in local-store mode) → FileCache → scan-job handler → BullMQ
 * Worker on the scan queue. Used by main.ts; `close(force)` stops taking jobs, lets the running ones
 * finish (or, forced, abandons them so their locks lapse and they run on another worker), then
 * closes DuckDB.
 *
 * The worker also sweeps spilled results (`_k3/results/`) older than K3_JOB_RESULT_MAX_AGE in the
 * buckets it has served, which only exist when a coordinator died before deleting them.
 */
import type { Logger } from 'pino';
import { AppError, type Config } from '@k3/core';
import { createScanJobHandler, createScanWorker, redactRedisUrl, ScanViewPool, sweepJobResults } from '@k3/core/dispatch';
import { createExecRuntime } from '@k3/core/exec';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { registerCacheMetrics, registerDuckDBMetrics, startOpsServer } from '@k3/core/metrics';
import { createWorkerMetrics } from './worker-metrics.ts';

export interface WorkerRuntime {
  /** Resolves once the worker is connected to Redis and consuming. */
  ready(): Promise<void>;
  /** Jobs running right now. */
  running(): number;
  /** URL of /healthz and /metrics when K3_WORKER_HTTP_PORT is set. */
  readonly opsUrl: string | undefined;
  close(force?: boolean): Promise<void>;
}

export async function createWorkerRuntime(config: Config, logger: Logger): Promise<WorkerRuntime> {
  if (config.K3_REDIS_URL === '') {
    throw new AppError('ERR_CONFIG_INVALID', 'The worker needs Redis: set K3_REDIS_URL (for example redis://127.0.0.1:6379). Embedded mode (`npm start`) runs scans in the coordinator and needs no worker.', { key: 'K3_REDIS_URL' });
  }
  const metrics = createWorkerMetrics();
  const stores = createBucketStoreFactory(config, { registry: metrics.registry });
  const { db, cache } = await createExecRuntime(config);
  registerCacheMetrics(metrics.registry, cache);
  registerDuckDBMetrics(metrics.registry, db);
  // Pooled connections keep their scan view between jobs over the same files (scan-view-pool.ts).
  const views = new ScanViewPool(db, Math.max(4, config.K3_WORKER_CONCURRENCY * 4));
  const handler = createScanJobHandler({ stores, db, cache, inlineMaxBytes: config.K3_JOB_RESULT_INLINE_MAX_BYTES, testDelayMs: config.K3_TEST_SCAN_DELAY, views });
  const buckets = new Set<string>();
  const worker = createScanWorker({
    redisUrl: config.K3_REDIS_URL,
    prefix: config.K3_QUEUE_PREFIX,
    connectTimeoutMs: config.K3_REDIS_CONNECT_TIMEOUT,
    concurrency: config.K3_WORKER_CONCURRENCY,
    lockDurationMs: config.K3_JOB_LOCK_DURATION,
    maxStalledCount: config.K3_JOB_ATTEMPTS,
    handler: async (job, opts) => {
      buckets.add(job.bucket);
      return handler(job, opts);
    },
  });
  let running = 0;
  worker.on('active', (job) => {
    running++;
    metrics.running.set(running);
    logger.debug({ jobId: job.id, attempt: job.attemptsMade + 1 }, 'scan job started');
  });
  worker.on('completed', (job, result) => {
    running--;
    metrics.running.set(running);
    metrics.jobs.inc({ outcome: 'completed' });
    metrics.duration.observe(result.scanMs / 1000);
    logger.info({ jobId: job.id, queryId: result.queryId, jobIndex: result.jobIndex, rows: result.rows, bytes: result.bytes, spilled: result.resultKey !== undefined, scanMs: Math.round(result.scanMs), cpuMs: result.cpuMs, memoryGbSeconds: result.memoryGbSeconds }, 'scan job completed');
  });
  worker.on('failed', (job, err) => {
    if (job !== undefined) running = Math.max(0, running - 1);
    metrics.running.set(running);
    metrics.jobs.inc({ outcome: 'failed' });
    logger.warn({ jobId: job?.id, attempt: job?.attemptsMade, reason: err.message }, 'scan job failed');
  });
  worker.on('stalled', (jobId) => logger.warn({ jobId }, 'scan job stalled; it goes back to the queue'));
  worker.on('error', (err) => logger.error({ err: err.message, redis: redactRedisUrl(config.K3_REDIS_URL) }, 'worker error'));

  const sweepEvery = Math.max(60_000, Math.floor(config.K3_JOB_RESULT_MAX_AGE / 2));
  const sweeper = setInterval(() => {
    for (const bucket of buckets) {
      sweepJobResults(stores.open(bucket), config.K3_JOB_RESULT_MAX_AGE)
        .then((deleted) => { if (deleted.length > 0) logger.info({ bucket, deleted: deleted.length }, 'stale scan results swept'); })
        .catch((err: unknown) => logger.warn({ bucket, err: (err as Error).message }, 'scan result sweep failed'));
    }
  }, sweepEvery);
  sweeper.unref();
  let closing = false;
  const ops = config.K3_WORKER_HTTP_PORT === 0 ? undefined : await startOpsServer(config.K3_WORKER_HTTP_PORT, config.K3_HOST, metrics.registry, () => !closing && worker.isRunning(), 'worker');

  return {
    ready: () => worker.waitUntilReady().then(() => undefined),
    running: () => running,
    opsUrl: ops?.url,
    async close(force = false) {
      closing = true;
      clearInterval(sweeper);
      try {
        await worker.close(force);
      } finally {
        views.close();
        db.closeSync();
        await ops?.close();
      }
    },
  };
}

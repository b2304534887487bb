/**
 * The compactor service's composition root (distributed mode): loadConfig → logger → bucket
 * stores → sandboxed DuckDB + Parquet cache → lease → CompactorService (every
 * K3_COMPACTOR_INTERVAL: discover tables in every bucket of the store, drain the keyed ones whose
 * backlog is due) → graceful shutdown. Design note: docs/design/wal-and-compaction.md.
 *
 * Leadership: with K3_REDIS_URL a RedisLease per table (ioredis with a bounded
 * `maxRetriesPerRequest`, so a Redis outage fails a tick instead of hanging it; the loop retries
 * next tick), otherwise a LocalLease (one process). Either way the storage epoch fences a deposed
 * leader, so two compactors (or this one and an embedded one) never both commit a drain.
 * SIGTERM/SIGINT: stop ticking, wait for the running drain, give the leases back, exit 0.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { isAppError, loadConfig } from '@k3/core';
import { createChangeDataStager } from '@k3/core/cdf';
import { CompactorService, compactorSettings } from '@k3/core/compaction';
import { PipelineScanner, createPipelines } from '@k3/core/pipeline';
import { BucketEngines } from '@k3/core/bucket-engine';
import { createExecRuntime } from '@k3/core/exec';
import { LocalLease, LocalLeaseRegistry, RedisLease, type Lease } from '@k3/core/lease';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { SYSTEM_USER } from '@k3/core/delta';
import { redactRedisUrl } from '@k3/core/dispatch';
import { createRoleRegistry, registerCacheMetrics, registerCompactorMetrics, registerDuckDBMetrics, startOpsServer } from '@k3/core/metrics';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.K3_LOG_LEVEL, base: { service: 'compactor' } }, pino.destination({ fd: 2, sync: true }));
  const { db, cache, writesDir: tmpDir } = await createExecRuntime(config, { writesDirName: 'compactor-writes' });
  const registry = createRoleRegistry('compactor');
  const stores = createBucketStoreFactory(config, { registry });
  registerCacheMetrics(registry, cache);
  registerDuckDBMetrics(registry, db);
  const metrics = registerCompactorMetrics(registry);
  const holder = `${hostname()}:${process.pid}:${randomUUID()}`;

  let redis: Redis | undefined;
  let lease: Lease;
  if (config.K3_REDIS_URL !== '') {
    redis = new Redis(config.K3_REDIS_URL, {
      connectTimeout: config.K3_REDIS_CONNECT_TIMEOUT,
      maxRetriesPerRequest: 2,
      retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2000),
    });
    redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
    lease = new RedisLease(redis, { holder, ttlMs: config.K3_COMPACTOR_LEASE_TTL });
  } else {
    lease = new LocalLease(new LocalLeaseRegistry(), { holder, ttlMs: config.K3_COMPACTOR_LEASE_TTL });
  }

  const deps = { db, cache, tmpDir, transaction: { maxRetries: config.K3_DELTA_MAX_COMMIT_RETRIES, checkpointInterval: config.K3_DELTA_CHECKPOINT_INTERVAL, userName: SYSTEM_USER, changeData: createChangeDataStager({ db, cache, tmpDir }) } };
  // The pipeline scanner runs in the compactor role too: one scanner per ingest rule (its lease);
  // a bucket whose Engine is disabled ingests nothing.
  const engines = new BucketEngines({ clock: Date.now });
  const pipelineScanner = new PipelineScanner({
    pipelines: createPipelines(stores, config, deps, Date.now, (store, bucket) => engines.assertActive(store, bucket)),
    stores,
    lease,
    intervalMs: config.K3_PIPELINE_SCAN_INTERVAL,
    onScan: (bucket, rule, outcome) => {
      const ok = outcome.runs.filter((r) => r.status === 'INGEST_RUN_STATUS_SUCCEEDED');
      if (ok.length > 0) logger.info({ bucket, table: rule.table, objects: ok.length, rows: ok.reduce((n, r) => n + r.rows, 0) }, 'objects ingested');
      for (const r of outcome.runs) if (r.status === 'INGEST_RUN_STATUS_FAILED') logger.warn({ bucket, table: rule.table, key: r.objectKey, code: r.errorCode }, 'object ingest failed');
    },
    onError: (err, bucket, rule) => logger.warn({ bucket, table: rule?.table, err: err instanceof Error ? err.message : String(err) }, 'pipeline scan failed'),
  });
  const service = new CompactorService({
    ...compactorSettings(config),
    stores,
    deps,
    lease,
    holder,
    onTick: (bucket, outcomes) => {
      metrics.observe(bucket, outcomes);
      for (const o of outcomes) {
        if (o.status === 'drained') {
          logger.info({ bucket, root: o.root, reason: o.reason, batches: o.results.length, records: o.results.reduce((n, r) => n + r.walEntriesProcessed, 0), version: o.results.at(-1)?.lastDrainTargetVersion }, 'table drained');
        } else if (o.status === 'failed') {
          const err = o.error;
          logger.warn({ bucket, root: o.root, code: isAppError(err) ? err.code : undefined, err: err instanceof Error ? err.message : String(err) }, 'drain failed');
        }
      }
    },
    onError: (err) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'compactor tick failed'),
  });

  let stopping = false;
  const ops = config.K3_COMPACTOR_HTTP_PORT === 0 ? undefined : await startOpsServer(config.K3_COMPACTOR_HTTP_PORT, config.K3_HOST, registry, () => !stopping, 'compactor');
  const shutdown = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'compactor stopping');
    void (async () => {
      try {
        await service.stop();
        await pipelineScanner.stop();
      } finally {
        redis?.disconnect();
        await ops?.close();
        db.closeSync();
        logger.info('compactor stopped');
        process.exit(0);
      }
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  service.start();
  pipelineScanner.start();
  const mode = redis === undefined ? 'local lease' : `redis lease at ${redactRedisUrl(config.K3_REDIS_URL)}`;
  logger.info({ holder, mode, intervalMs: config.K3_COMPACTOR_INTERVAL }, 'compactor running');
  const opsNote = ops === undefined ? '' : `, health ${ops.url}/healthz, metrics ${ops.url}/metrics`;
  process.stdout.write(`k3-compactor running (${mode}, holder ${holder}${opsNote})\n`);
}

main().catch((err: unknown) => {
  const message = isAppError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`k3-compactor failed to start: ${message}\n`);
  process.exit(1);
});

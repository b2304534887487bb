/**
 * Builds the SQL engine and everything it stands on from the configuration: bucket stores →
 * DuckDB (sandboxed to the data and cache directories) → Parquet file cache → Engine. Used by
 * main.ts and by tests that want the real engine in-process. `close()` releases in reverse order.
 *
 * The DuckDB sandbox matters because user SQL runs in it: file access is limited to the cache
 * (and, in embedded mode, the data directory whose Parquet files are read in place), so
 * `read_csv('/etc/passwd')` or `COPY … TO '/somewhere'` fail instead of touching the host.
 * In S3 mode the store must honour conditional creates (ERR_STORE_NO_CONDITIONAL_PUT otherwise).
 * Federated reads fan out through createScanExecutor: BullMQ workers when K3_REDIS_URL is set (its
 * Redis connections are lazy, so an unreachable Redis fails queries with ERR_QUEUE_UNAVAILABLE, not
 * the start-up), the same job handler in-process otherwise. Closed after the engine.
 * With a metrics Registry (the coordinator role's): object-store, cache, DuckDB memory and scan
 * queue metrics are registered on it.
 */
import type { Registry } from 'prom-client';
import type { Config } from '@k3/core';
import { assertConditionalPut, createBucketStoreFactory } from '@k3/core/object-store';
import { createExecRuntime } from '@k3/core/exec';
import { createScanExecutor, type ScanBacklog } from '@k3/core/dispatch';
import { MeteringScanExecutor } from '@k3/core/usage';
import { registerCacheMetrics, registerDuckDBMetrics, registerQueueMetrics } from '@k3/core/metrics';
import { Engine } from '@k3/core/sql';

export interface CreatedEngine {
  engine: Engine;
  /** The bucket stores the engine reads and writes (the data browser's sidecar uses them too). */
  stores: ReturnType<typeof createBucketStoreFactory>;
  /** The scan backlog autoscaling follows (GET /internal/scan-backlog, k3_scan_backlog_jobs). */
  backlog(): Promise<ScanBacklog>;
  /** Closes the engine, then the DuckDB database. */
  close(): Promise<void>;
}

export async function createEngine(config: Config, opts: { registry?: Registry } = {}): Promise<CreatedEngine> {
  const stores = createBucketStoreFactory(config, opts.registry !== undefined ? { registry: opts.registry } : {});
  if (config.K3_STORE === 's3' && config.K3_S3_REQUIRE_CONDITIONAL_PUT) {
    // Delta commits are only safe on a store that honours If-None-Match. One S3 endpoint is one
    // implementation, so probing one existing bucket is enough; refuse to start otherwise.
    const [first] = await stores.list();
    if (first !== undefined) await assertConditionalPut(stores.open(first));
  }
  const { db, cache, writesDir } = await createExecRuntime(config);
  // Metering: the results of remote scan jobs are attributed to the call that ran them (usage/).
  const executor = new MeteringScanExecutor(createScanExecutor(config, { stores, db, cache }));
  const engine = new Engine({ stores, db, cache, config, executor, tmpDir: writesDir });
  if (opts.registry !== undefined) {
    registerCacheMetrics(opts.registry, cache);
    registerDuckDBMetrics(opts.registry, db, () => [engine.keyedWriteDb.instance].filter((d) => d !== undefined));
    registerQueueMetrics(opts.registry, () => executor.backlog());
  }
  return {
    engine,
    stores,
    backlog: () => executor.backlog(),
    async close() {
      try {
        await engine.close();
        await executor.close();
      } finally {
        db.closeSync();
      }
    },
  };
}

/**
 * The embedded pipeline scanner (embedded mode = no K3_REDIS_URL): the engine's PipelineScanner
 * runs in the coordinator process every K3_PIPELINE_SCAN_INTERVAL with a LocalLease (one process:
 * always the holder). With K3_REDIS_URL set, services/compactor runs it (compactor role, RedisLease),
 * so undefined is returned. Design note: docs/design/pipeline-tables.md.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '@k3/core';
import { LocalLease, LocalLeaseRegistry } from '@k3/core/lease';
import type { PipelineScanner, PipelineScannerOptions } from '@k3/core/pipeline';

export interface PipelineHost {
  pipelineScanner(opts: Pick<PipelineScannerOptions, 'lease' | 'onScan' | 'onError'>): PipelineScanner;
}

/** Scanner callbacks that log what happened (shared by the coordinator and services/compactor). */
export function pipelineScanLogging(log: Logger): Pick<PipelineScannerOptions, 'onScan' | 'onError'> {
  return {
    onScan: (bucket, rule, outcome) => {
      const failed = outcome.runs.filter((r) => r.status === 'INGEST_RUN_STATUS_FAILED');
      const succeeded = outcome.runs.filter((r) => r.status === 'INGEST_RUN_STATUS_SUCCEEDED');
      if (succeeded.length > 0) log.info({ bucket, table: rule.table, objects: succeeded.length, rows: succeeded.reduce((n, r) => n + r.rows, 0) }, 'objects ingested');
      for (const r of failed) log.warn({ bucket, table: rule.table, key: r.objectKey, code: r.errorCode }, 'object ingest failed');
    },
    onError: (err, bucket, rule) => log.warn({ bucket, table: rule?.table, err: err instanceof Error ? err.message : String(err) }, 'pipeline scan failed'),
  };
}

export function startEmbeddedPipelineScanner(engine: PipelineHost, config: Config, logger: Logger): PipelineScanner | undefined {
  if (config.K3_REDIS_URL !== '') return undefined;
  const holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  const scanner = engine.pipelineScanner({
    lease: new LocalLease(new LocalLeaseRegistry(), { holder, ttlMs: config.K3_COMPACTOR_LEASE_TTL }),
    ...pipelineScanLogging(logger.child({ component: 'pipeline' })),
  });
  scanner.start();
  return scanner;
}

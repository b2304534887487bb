/**
 * The embedded compactor (embedded mode = no K3_REDIS_URL): the engine's CompactorService runs in
 * the coordinator process every K3_COMPACTOR_INTERVAL, leader-elected through a LocalLease (one
 * process, so always the leader; the storage epoch still fences). With K3_REDIS_URL set the
 * coordinator runs no compactor: services/compactor does (RedisLease), so undefined is returned.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '@k3/core';
import type { CompactorService } from '@k3/core/compaction';
import { LocalLease, LocalLeaseRegistry } from '@k3/core/lease';
import type { CompactorMetrics } from '@k3/core/metrics';

export interface CompactorHost {
  compactor(opts: Pick<ConstructorParameters<typeof CompactorService>[0], 'lease' | 'holder' | 'onTick' | 'onError'>): CompactorService;
}

export function startEmbeddedCompactor(engine: CompactorHost, config: Config, logger: Logger, metrics?: CompactorMetrics): CompactorService | undefined {
  if (config.K3_REDIS_URL !== '') return undefined;
  const holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  const log = logger.child({ component: 'compactor' });
  const service = engine.compactor({
    holder,
    lease: new LocalLease(new LocalLeaseRegistry(), { holder, ttlMs: config.K3_COMPACTOR_LEASE_TTL }),
    onTick: (bucket, outcomes) => {
      metrics?.observe(bucket, outcomes);
      for (const o of outcomes) {
        if (o.status === 'drained') log.info({ bucket, root: o.root, reason: o.reason, batches: o.results.length, records: o.results.reduce((n, r) => n + r.walEntriesProcessed, 0) }, 'table drained');
        else if (o.status === 'failed') log.warn({ bucket, root: o.root, err: o.error }, 'drain failed');
      }
    },
    onError: (err) => log.warn({ err }, 'compactor tick failed'),
  });
  service.start();
  return service;
}

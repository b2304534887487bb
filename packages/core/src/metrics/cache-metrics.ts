/**
 * Parquet file cache metrics, read from the FileCache's own counters at scrape time:
 * - k3_cache_lookups_total{result}  hit | miss (downloaded) | in_place (local store, read where it lies)
 * - k3_cache_hit_ratio              hits / (hits + misses) since start (1 when nothing was looked up)
 * - k3_cache_bytes                  bytes held now; k3_cache_max_bytes the configured bound
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FileCacheStats } from '../exec/index.ts';

export interface CacheLike {
  readonly stats: FileCacheStats;
  readonly bytes: number;
  readonly maxBytes: number;
}

export function registerCacheMetrics(registry: Registry, cache: CacheLike): void {
  new Counter({
    name: 'k3_cache_lookups_total',
    help: 'Parquet file cache lookups by result (hit, miss = downloaded, in_place = read where it lies).',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: 'hit' }, cache.stats.hits);
      this.inc({ result: 'miss' }, cache.stats.misses);
      this.inc({ result: 'in_place' }, cache.stats.inPlace);
    },
  });
  new Gauge({
    name: 'k3_cache_hit_ratio',
    help: 'Parquet file cache hits / (hits + misses) since the process started.',
    registers: [registry],
    collect() {
      const looked = cache.stats.hits + cache.stats.misses;
      this.set(looked === 0 ? 1 : cache.stats.hits / looked);
    },
  });
  new Gauge({ name: 'k3_cache_bytes', help: 'Bytes the Parquet file cache holds now.', registers: [registry], collect() { this.set(cache.bytes); } });
  new Gauge({ name: 'k3_cache_max_bytes', help: 'Configured bound of the Parquet file cache (K3_CACHE_MAX_BYTES).', registers: [registry], collect() { this.set(cache.maxBytes); } });
}

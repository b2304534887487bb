/**
 * The coordinator's Prometheus metrics, in a Registry of its own (one per server, so tests and
 * several servers in one process never collide). Labels are low-cardinality: `route` is the
 * route pattern (`/:bucket/tables/_execute`), never the concrete URL. main.ts passes the
 * coordinator role's Registry (docs/operations.md "Metrics"), so these share it with the store,
 * cache, DuckDB, queue and compactor metrics.
 */
import { Counter, Histogram, Registry } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  requests: Counter<'route' | 'status'>;
  duration: Histogram<'route'>;
  executes: Counter<'kind' | 'strategy'>;
  /** Execute latency by result kind, strategy and wire (http; the other wires add theirs). */
  executeDuration: Histogram<'kind' | 'strategy' | 'wire'>;
  /** Latency of writes that went to the write log (KEYED_* / MERGE_* strategies). */
  keyedWriteDuration: Histogram<'strategy'>;
}

/** Write strategies that land in the write log (docs/design/wal-and-compaction.md). */
export function isKeyedWriteStrategy(strategy: string): boolean {
  return /^WRITE_STRATEGY_(KEYED|MERGE)_/.test(strategy);
}

export function createHttpMetrics(registry: Registry = new Registry()): HttpMetrics {
  const requests = new Counter({
    name: 'k3_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status code.',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'k3_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern.',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const executes = new Counter({
    name: 'k3_execute_total',
    help: 'Execute calls by result kind (query, write, ddl, error) and strategy (or DDL action / error code).',
    labelNames: ['kind', 'strategy'] as const,
    registers: [registry],
  });
  const executeDuration = new Histogram({
    name: 'k3_execute_duration_seconds',
    help: 'Execute latency by result kind, strategy and wire.',
    labelNames: ['kind', 'strategy', 'wire'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const keyedWriteDuration = new Histogram({
    name: 'k3_keyed_write_duration_seconds',
    help: 'Latency of keyed writes (acknowledged once the write-log record is durable), by strategy.',
    labelNames: ['strategy'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, requests, duration, executes, executeDuration, keyedWriteDuration };
}

/**
 * The coordinator's Prometheus metrics, in a Registry of its own (one per server, so tests and
 * several servers in one process never collide). Labels are low-cardinality: `route` is the
 * route pattern (`/:bucket/tables/_execute`), never the concrete URL.
 */
import { Counter, Histogram, Registry } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  requests: Counter<'route' | 'status'>;
  duration: Histogram<'route'>;
  executes: Counter<'kind' | 'strategy'>;
}

export function createHttpMetrics(): HttpMetrics {
  const registry = new Registry();
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
  return { registry, requests, duration, executes };
}

/** Prometheus metrics of every role (docs/operations.md "Metrics"): one Registry per role, and the metric groups each role registers. */
export { createRoleRegistry, type Role } from './role-registry.ts';
export { registerCacheMetrics, type CacheLike } from './cache-metrics.ts';
export { duckdbMemoryBytes, registerDuckDBMetrics } from './duckdb-metrics.ts';
export { registerCompactorMetrics, tableLabel, type CompactorMetrics } from './compactor-metrics.ts';
export { registerQueueMetrics } from './queue-metrics.ts';
export { startOpsServer, type OpsServer } from './ops-server.ts';

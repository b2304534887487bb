/**
 * One Prometheus Registry per process role (coordinator, worker, compactor): the standard process
 * and Node.js metrics (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`, …) plus every
 * k3 metric the role registers, all carrying the label `role`. Never the global registry, so tests
 * and several roles in one process never collide. Design note: docs/operations.md ("Metrics").
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export type Role = 'coordinator' | 'worker' | 'compactor';

export function createRoleRegistry(role: Role): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });
  // prom-client exposes these gauges with a `_total` suffix, which `promtool check metrics` rejects
  // (reserved for counters); their per-type twins without the suffix stay.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(name);
  return registry;
}

/**
 * The worker's metrics on its role Registry (docs/operations.md "Metrics"): job outcomes, job
 * duration, jobs running — next to the object-store, cache and DuckDB metrics the runtime registers
 * on the same Registry. Served by core's startOpsServer on K3_WORKER_HTTP_PORT.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createRoleRegistry } from '@k3/core/metrics';

export interface WorkerMetrics {
  readonly registry: Registry;
  readonly jobs: Counter<'outcome'>;
  readonly duration: Histogram;
  readonly running: Gauge;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = createRoleRegistry('worker');
  return {
    registry,
    jobs: new Counter({ name: 'k3_worker_jobs_total', help: 'Scan jobs finished by this worker, by outcome.', labelNames: ['outcome'], registers: [registry] }),
    duration: new Histogram({ name: 'k3_worker_job_duration_seconds', help: 'Scan job run time on this worker.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] }),
    running: new Gauge({ name: 'k3_worker_jobs_running', help: 'Scan jobs running on this worker now.', registers: [registry] }),
  };
}

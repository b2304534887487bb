/**
 * The worker's operations endpoints on K3_WORKER_HTTP_PORT (0 = none): `/healthz` (200 while the
 * BullMQ worker is running, 503 once it stops) and `/metrics` (Prometheus text). Metrics are
 * low-cardinality: job outcomes, job duration, jobs running.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface WorkerMetrics {
  readonly registry: Registry;
  readonly jobs: Counter<'outcome'>;
  readonly duration: Histogram;
  readonly running: Gauge;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'k3_worker_' });
  return {
    registry,
    jobs: new Counter({ name: 'k3_worker_jobs_total', help: 'Scan jobs finished by this worker, by outcome.', labelNames: ['outcome'], registers: [registry] }),
    duration: new Histogram({ name: 'k3_worker_job_duration_seconds', help: 'Scan job run time on this worker.', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [registry] }),
    running: new Gauge({ name: 'k3_worker_jobs_running', help: 'Scan jobs running on this worker now.', registers: [registry] }),
  };
}

export async function startOpsServer(port: number, host: string, metrics: WorkerMetrics, healthy: () => boolean): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'stopping' }));
    } else if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'ERR_NOT_FOUND', message: `No route ${req.url ?? ''}; the worker serves /healthz and /metrics.` }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

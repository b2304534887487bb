/**
 * Operational routes: liveness, readiness, Prometheus metrics and the OpenAPI document.
 * `/healthz` answers as long as the process serves HTTP; `/readyz` reflects `ready()` (false
 * while the engine starts and once shutdown began, so a load balancer drains the instance).
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '@k3/core';
import type { HttpMetrics } from '../http-metrics.ts';
import { buildOpenApi } from '../rest/openapi.ts';

export interface OpsRouteDeps {
  metrics: HttpMetrics;
  ready: () => boolean;
}

export function registerOpsRoutes(app: FastifyInstance, deps: OpsRouteDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async () => {
    if (!deps.ready()) throw new AppError('ERR_NOT_READY', 'The server is starting or shutting down; retry shortly or use another instance.');
    return { status: 'ready' };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  const openApi = buildOpenApi();
  app.get('/openapi.json', async () => openApi);
}

/**
 * `buildServer(deps)`: the coordinator's HTTP API as a Fastify instance, without `listen()` so
 * tests drive it with `inject()` (main.ts listens). Design note: docs/design/server.md.
 *
 * Invariants:
 * - ONE error handler: only AppErrors are serialized (`{ code, message, retryable, requestId,
 *   details? }` with the registry's status); anything else is ERR_INTERNAL, logged with its stack.
 * - Route JSON Schemas are the single source of validation and of the OpenAPI document; Ajv runs
 *   strict (no type coercion, no silent removal of unknown fields).
 * - Responses are serialized with plain JSON.stringify: the engine's lossless row encoding is
 *   passed through untouched and no field is dropped by a response schema.
 * - Every response carries `x-request-id` (an incoming well-formed one is kept).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import { AppError, toErrorBody, type Config } from '@k3/core';
import { createHttpMetrics, type HttpMetrics } from './http-metrics.ts';
import { toHttpError } from './http-error.ts';
import type { SqlEngine } from './sql-engine.ts';
import { COMPONENT_SCHEMAS } from './schemas/component-schemas.ts';
import { registerOpsRoutes } from './routes/ops-routes.ts';
import { registerTableRoutes } from './routes/table-routes.ts';
import { registerCompactRoute } from './routes/compact-route.ts';
import { registerMaintenanceRoutes } from './routes/maintenance-routes.ts';
import { registerExecuteRoute } from './routes/execute-route.ts';
import type { TokenStore } from '@k3/core/auth';
import { registerAuthHook } from './auth-hook.ts';

export interface ServerDeps {
  engine: SqlEngine;
  config: Config;
  logger: Logger;
  /** False while starting or shutting down: /readyz and data routes answer 503 ERR_NOT_READY. */
  ready?: () => boolean;
  /** The token store requests authenticate against; undefined = auth off (K3_AUTH=off, loopback only). */
  tokens?: TokenStore;
}

const OPS_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json']);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const ready = deps.ready ?? (() => true);
  const metrics: HttpMetrics = createHttpMetrics();
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.K3_BODY_LIMIT,
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    return503OnClosing: false,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  for (const schema of COMPONENT_SCHEMAS) app.addSchema(schema);

  app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'k3-tables', version: '0.1.0', description: 'SQL on Delta Lake tables in a bucket (DuckDB dialect). See docs/api.md.' },
      tags: [{ name: 'tables', description: 'Tables and SQL' }, { name: 'ops', description: 'Health, metrics, this document' }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const route = request.routeOptions.url;
    if (route !== undefined && !OPS_ROUTES.has(route) && !ready()) {
      throw new AppError('ERR_NOT_READY', 'The server is starting or shutting down; retry shortly.');
    }
  });

  registerAuthHook(app, { tokens: deps.tokens, authBucket: deps.config.K3_AUTH_BUCKET, metricsOpen: deps.config.K3_AUTH_METRICS_OPEN });

  // While draining, answer in-flight requests with `Connection: close` so keep-alive sockets end
  // with their last response instead of holding shutdown until K3_SHUTDOWN_TIMEOUT.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!ready()) reply.header('connection', 'close');
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.duration.observe({ route }, seconds);
    request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request completed');
  });

  app.setErrorHandler(async (err, request, reply) => {
    const { error, internal } = toHttpError(err);
    if (internal) request.log.error({ err }, 'request failed with internal error');
    else request.log.info({ code: error.code, status: error.status }, 'request refused');
    if (error.code === 'ERR_UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer realm="k3"');
    return reply.code(error.status).type('application/json').send(toErrorBody(error, request.id));
  });

  app.setNotFoundHandler(async (request) => {
    throw new AppError('ERR_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}; see GET /openapi.json for the routes.`);
  });

  app.register(async (scope) => {
    registerOpsRoutes(scope, { metrics, ready });
    registerTableRoutes(scope, deps.engine);
    registerCompactRoute(scope, deps.engine);
    registerMaintenanceRoutes(scope, deps.engine);
    registerExecuteRoute(scope, { engine: deps.engine, metrics });
  });
  return app;
}

/**
 * `buildServer(deps)`: the coordinator's HTTP API as a Fastify instance, without `listen()` so
 * tests drive it with `inject()` (main.ts listens). Design note: docs/design/server.md.
 *
 * Invariants:
 * - ONE error handler: only AppErrors are serialized (`{ code, message, retryable, requestId,
 *   details? }` with the registry's status); anything else is ERR_INTERNAL, logged with its stack.
 * - The proto (proto/dodil/k3/tables/v1/k3_tables.proto) is the single source of every shape: REST
 *   bodies are decoded and answered as pbjson by protobuf's own JSON rules, the OpenAPI document
 *   is generated from it, and the same TableService handlers serve REST, Connect (JSON and
 *   binary) and gRPC-Web on this port — and native gRPC on K3_GRPC_PORT (main.ts) — through one
 *   interceptor layer (docs/design/contract.md).
 * - Every response carries `x-request-id` (an incoming well-formed one is kept).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createContextValues, type ConnectRouter } from '@connectrpc/connect';
import { fastifyConnectPlugin } from '@connectrpc/connect-fastify';
import type { Registry } from 'prom-client';
import type { ScanBacklog } from '@k3/core/dispatch';
import type { UsageLedger } from '@k3/core/usage';
import { AppError, toErrorBody, type Config } from '@k3/core';
import { createHttpMetrics, type HttpMetrics } from './http-metrics.ts';
import { toHttpError } from './http-error.ts';
import type { SqlEngine } from './sql-engine.ts';
import { registerOpsRoutes } from './routes/ops-routes.ts';
import { createTableHandlers } from './handlers/table-handlers.ts';
import { createIntercept } from './rpc/interceptors.ts';
import { createRpcMetrics } from './rpc/rpc-metrics.ts';
import { REQUEST_ID_KEY, tableServiceRoutes } from './rpc/connect-wire.ts';
import { CONNECT_JSON_OPTIONS } from './rpc/connect-options.ts';
import { registerRestRoutes } from './rest/rest-routes.ts';
import { connectUnaryJsonConstraint, registerConnectUnaryJson } from './rpc/connect-unary-json.ts';
import { registerUiRoutes, type UiDeps } from './routes/ui-routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** TableService bound to this server's handlers and interceptors (main.ts serves it over native gRPC too). */
    tableServiceRoutes: (router: ConnectRouter) => void;
  }
}
import type { TokenStore } from '@k3/core/auth';
import { registerAuthHook } from './auth-hook.ts';
import { createRpcAuth } from './rpc-auth.ts';
import { principalLimiterOf, type PrincipalLimiter } from './principal-limiter.ts';
import type { TlsFiles } from './tls.ts';

export interface ServerDeps {
  engine: SqlEngine;
  config: Config;
  logger: Logger;
  /** False while starting or shutting down: /readyz and data routes answer 503 ERR_NOT_READY. */
  ready?: () => boolean;
  /** The token store requests authenticate against; undefined = auth off (K3_AUTH=off, loopback only). */
  tokens?: TokenStore;
  /** Serve HTTPS with this certificate and key (tls.ts). */
  tls?: TlsFiles;
  /** The process's one per-principal limiter, shared with the Postgres wire (default: a fresh one from the config). */
  limiter?: PrincipalLimiter;
  /** The data browser at /ui (routes/ui-routes.ts); absent = no /ui routes. */
  ui?: UiDeps;
  /** The coordinator role's metrics Registry (default: a fresh one for this server). */
  registry?: Registry;
  /** The scan backlog for GET /internal/scan-backlog (KEDA metrics-api); absent = route answers 404. */
  backlog?: () => Promise<ScanBacklog>;
  /** Per-bucket usage for GetUsage (GET /:bucket/usage); absent = ERR_UNIMPLEMENTED. */
  usage?: UsageLedger;
}

const OPS_ROUTES = new Set(['/healthz', '/readyz', '/metrics', '/openapi.json', '/internal/scan-backlog']);
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function buildServer(deps: ServerDeps): FastifyInstance {
  const ready = deps.ready ?? (() => true);
  const metrics: HttpMetrics = createHttpMetrics(deps.registry);
  const app = Fastify({
    ...(deps.tls !== undefined ? { https: { cert: deps.tls.cert, key: deps.tls.key } } : {}),
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.K3_BODY_LIMIT,
    genReqId: requestIdOf,
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    return503OnClosing: false,
    // wip/http5: Connect's plain unary JSON Execute takes a REST-like route (rpc/connect-unary-json.ts).
    routerOptions: { constraints: { [connectUnaryJsonConstraint.name]: connectUnaryJsonConstraint } },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const handlers = createTableHandlers(deps.engine, { tokens: deps.tokens, ...(deps.usage !== undefined ? { usage: deps.usage } : {}) });
  const intercept = createIntercept({
    metrics: createRpcMetrics(metrics.registry),
    executes: metrics.executes,
    executeDuration: metrics.executeDuration,
    keyedWriteDuration: metrics.keyedWriteDuration,
    ...createRpcAuth({ tokens: deps.tokens, authBucket: deps.config.K3_AUTH_BUCKET }),
    limiter: deps.limiter ?? principalLimiterOf(deps.config),
  });
  const routes = tableServiceRoutes({ handlers, intercept, logger: deps.logger });
  app.decorate('tableServiceRoutes', routes);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const route = request.routeOptions.url;
    if (route !== undefined && !OPS_ROUTES.has(route) && !ready()) {
      throw new AppError('ERR_NOT_READY', 'The server is starting or shutting down; retry shortly.');
    }
  });

  registerAuthHook(app, { tokens: deps.tokens, metricsOpen: deps.config.K3_AUTH_METRICS_OPEN });

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
    if (error.code === 'ERR_TOO_MANY_REQUESTS') reply.header('retry-after', String(error.details?.['retryAfterSeconds'] ?? 1));
    return reply.code(error.status).type('application/json').send(toErrorBody(error, request.id));
  });

  app.setNotFoundHandler(async (request) => {
    throw new AppError('ERR_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0] ?? ''}; see GET /openapi.json for the routes.`);
  });

  app.register(async (scope) => {
    registerOpsRoutes(scope, { metrics, ready, ...(deps.backlog !== undefined ? { backlog: deps.backlog } : {}) });
    registerRestRoutes(scope, { handlers, intercept, logger: deps.logger });
    registerConnectUnaryJson(scope, { handlers, intercept, logger: deps.logger });
  });
  const ui = deps.ui;
  if (ui !== undefined) app.register(async (scope) => { await registerUiRoutes(scope, ui); });
  // Connect (JSON and binary) and gRPC-Web on this port; its own content-type parsers stay inside
  // the plugin's scope, so REST keeps Fastify's JSON parser.
  app.register(fastifyConnectPlugin, {
    routes,
    readMaxBytes: deps.config.K3_BODY_LIMIT,
    jsonOptions: CONNECT_JSON_OPTIONS,
    contextValues: (request) => createContextValues().set(REQUEST_ID_KEY, request.id),
  });
  return app;
}

/**
 * REST enforcement of auth (design note: docs/design/auth.md): one `onRequest` hook, run after
 * routing and before validation or any handler, so a refused request never touches the engine.
 *
 * - /healthz and /readyz are open; /metrics is open unless K3_AUTH_METRICS_OPEN=false;
 *   /openapi.json (the route list, no data) is open.
 * - Every other request, matched or not, needs a valid bearer token: 401 ERR_UNAUTHENTICATED with
 *   `WWW-Authenticate: Bearer` otherwise (set by the error handler).
 * - A route with a `:bucket` is authorized for its action before anything else happens: 403
 *   ERR_FORBIDDEN for a bucket the token does not list, whether or not the bucket exists, so a
 *   refused caller learns nothing about buckets or tables. The auth bucket is refused to everyone.
 * - Execute is checked here for `select` (bucket + the lowest scope); the engine calls back with
 *   the statement's own action once it has classified it (execute-route.ts).
 * Routes missing from ROUTE_ACTIONS need `admin` (fail closed).
 * With auth off every request runs as ANONYMOUS (scope admin on every bucket).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '@k3/core';
import { authorize, type Action, type Principal, type TokenStore } from '@k3/core/auth';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request (set by the auth hook; ANONYMOUS with auth off). */
    principal: Principal | undefined;
  }
}

export const ANONYMOUS: Principal = Object.freeze({ name: 'anonymous', buckets: '*', scope: 'admin' });

/** `METHOD url-pattern` → the action the route performs. */
export const ROUTE_ACTIONS: Readonly<Record<string, Action>> = {
  'GET /:bucket/tables': 'list',
  'GET /:bucket/tables/:table': 'describe',
  'POST /:bucket/tables': 'ddl',
  'POST /:bucket/tables/_execute': 'select',
  'POST /:bucket/tables/:table/_compact': 'compact',
  'POST /:bucket/tables/:table/optimize': 'optimize',
  'POST /:bucket/tables/:table/vacuum': 'vacuum',
  'POST /:bucket/tables/:table/restore': 'restore',
  'GET /:bucket/tables/:table/history': 'history',
};

export interface AuthHookOptions {
  /** undefined = auth off. */
  tokens: TokenStore | undefined;
  authBucket: string;
  metricsOpen: boolean;
}

function openRoute(route: string | undefined, opts: AuthHookOptions): boolean {
  return route === '/healthz' || route === '/readyz' || route === '/openapi.json' || (route === '/metrics' && opts.metricsOpen);
}

/** Authenticates and authorizes one request; throws the AppError to answer with. */
export async function checkRequest(request: FastifyRequest, opts: AuthHookOptions): Promise<Principal | undefined> {
  const route = request.routeOptions.url;
  if (openRoute(route, opts)) return undefined;
  const principal = opts.tokens === undefined ? ANONYMOUS : await opts.tokens.authenticateBearer(request.headers.authorization);
  if (route === undefined) return principal;
  const bucket = (request.params as { bucket?: unknown } | undefined)?.bucket;
  if (typeof bucket === 'string') {
    if (bucket === opts.authBucket) throw new AppError('ERR_FORBIDDEN', `Bucket "${bucket}" is reserved for k3's own records (K3_AUTH_BUCKET); use another bucket.`);
    authorize(principal, bucket, ROUTE_ACTIONS[`${request.method} ${route}`] ?? 'engine');
  } else if (route === '/metrics' && principal.scope !== 'admin') {
    throw new AppError('ERR_FORBIDDEN', `/metrics needs an admin token (K3_AUTH_METRICS_OPEN=false); token "${principal.name}" has scope ${principal.scope}.`);
  }
  return principal;
}

export function registerAuthHook(app: FastifyInstance, opts: AuthHookOptions): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request) => {
    request.principal = await checkRequest(request, opts);
  });
}

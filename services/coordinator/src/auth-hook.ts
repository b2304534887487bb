/**
 * The HTTP side of auth that is not an RPC (design note: docs/design/auth.md). Every TableService
 * call — REST routes, Connect, gRPC-Web, native gRPC — is authenticated and authorized in the one
 * interceptor layer (rpc-auth.ts). This `onRequest` hook covers the rest of the HTTP port:
 *
 * - `/healthz`, `/readyz`, `/openapi.json` are open; `/metrics` is open unless
 *   K3_AUTH_METRICS_OPEN=false (then it needs an admin token);
 * - a request that matches no route needs a valid token too (401 ERR_UNAUTHENTICATED, with
 *   `WWW-Authenticate: Bearer` from the error handler), so an unauthenticated caller cannot probe
 *   which paths exist.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '@k3/core';
import type { TokenStore } from '@k3/core/auth';

export interface AuthHookOptions {
  /** undefined = auth off. */
  tokens: TokenStore | undefined;
  metricsOpen: boolean;
}

export function registerAuthHook(app: FastifyInstance, opts: AuthHookOptions): void {
  const tokens = opts.tokens;
  if (tokens === undefined) return;
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (route === undefined) {
      await tokens.authenticateBearer(request.headers.authorization);
      return;
    }
    if (route === '/metrics' && !opts.metricsOpen) {
      const principal = await tokens.authenticateBearer(request.headers.authorization);
      if (principal.scope !== 'admin') throw new AppError('ERR_FORBIDDEN', `/metrics needs an admin token (K3_AUTH_METRICS_OPEN=false); token "${principal.name}" has scope ${principal.scope}.`);
    }
  });
}

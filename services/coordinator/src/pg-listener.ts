/**
 * The Postgres wire listener of the coordinator (K3_PG_PORT; 0 = off): @k3/pgwire over the SAME
 * SqlEngine the HTTP routes serve and the same token store. This module only adapts ports:
 * - PgEngine → SqlEngine (execute with params/principal/authorize, listTables, describeStatement);
 * - PgAuthenticator → TokenStore (SCRAM verifier by token name, authorize by bucket and action);
 *   with K3_AUTH=off (loopback only) sessions are trusted and run as the anonymous admin, like HTTP.
 * TLS after SSLRequest when K3_TLS_CERT and K3_TLS_KEY are set.
 */
import type { Config } from '@k3/core';
import { columnTypeOfDuckDB } from '@k3/core/catalog';
import { authorize, toPrincipal, type Action, type Principal, type TokenStore } from '@k3/core/auth';
import { createPgServer, type PgAuthenticator, type PgEngine, type PgLogger, type PgServer } from '@k3/pgwire';
import { ANONYMOUS } from './rpc-auth.ts';
import type { SqlEngine } from './sql-engine.ts';
import type { TlsFiles } from './tls.ts';
import { principalLimiterOf, type PrincipalLimiter } from './principal-limiter.ts';

/** The SqlEngine as the Postgres wire's port; statements run in the principal's limiter lanes (K3_MAX_CONCURRENT/QUEUED_PER_PRINCIPAL). */
export function pgEngineOf(engine: SqlEngine, limiter?: PrincipalLimiter): PgEngine {
  const limited = <T>(principal: string | undefined, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> =>
    limiter === undefined ? fn() : limiter.run(principal ?? 'anonymous', fn, signal);
  return {
    execute: (opts) => limited(opts.principal, opts.signal, () => engine.execute({
      ...opts,
      ...(opts.params !== undefined ? { params: opts.params } : {}),
      ...(opts.authorize !== undefined ? { authorize: opts.authorize as (action: Action) => void } : {}),
    })),
    listTables: (bucket) => engine.listTables(bucket),
    ...(engine.analyse !== undefined ? { analyse: (sql: string, paramCount: number) => engine.analyse!(sql, paramCount) } : {}),
    ...(engine.describeStatement !== undefined
      ? {
          describeStatement: async (opts: { bucket: string; sql: string }) => {
            const d = await engine.describeStatement!(opts);
            return { parameterTypes: d.parameters.map((p) => p.type), columns: d.columns === undefined ? undefined : d.columns.map((c) => ({ name: c.name, type: c.type, duckdbType: c.type, columnType: columnTypeOfDuckDB(c.type) })) };
          },
        }
      : {}),
  };
}

export function pgAuthenticatorOf(tokens: TokenStore | undefined): PgAuthenticator {
  if (tokens === undefined) {
    return {
      method: 'trust',
      scramVerifier: async () => undefined,
      trustedPrincipal: () => ANONYMOUS,
      refresh: async () => ANONYMOUS,
      authorize: (principal, bucket, action) => authorize(ANONYMOUS, bucket, action as Action),
    };
  }
  return {
    method: 'scram-sha-256',
    scramVerifier: async (user) => {
      const record = await tokens.byName(user);
      if (record === undefined) return undefined;
      return { verifier: record.scram, principal: toPrincipal(record) };
    },
    refresh: async (principal) => {
      const record = await tokens.byName(principal.name);
      return record === undefined ? undefined : toPrincipal(record);
    },
    authorize: (principal, bucket, action) => authorize(principal as Principal, bucket, action as Action),
  };
}

const DEFAULT_PG_PORT = 5432;

export async function startPgListener(opts: { config: Config; engine: SqlEngine; tokens: TokenStore | undefined; logger: PgLogger; tls?: TlsFiles }): Promise<{ server: PgServer; port: number } | undefined> {
  const { config } = opts;
  if (config.K3_PG_PORT === 0) return undefined;
  const server = await createPgServer({
    // The Postgres wire's own lanes with the same per-principal limits as the RPC wires.
    engine: pgEngineOf(opts.engine, principalLimiterOf(config)), auth: pgAuthenticatorOf(opts.tokens), logger: opts.logger, ...(opts.tls !== undefined ? { tls: opts.tls } : {}),
  });
  try {
    const address = await server.listen(config.K3_PG_PORT, config.K3_HOST);
    return { server, port: address.port };
  } catch (err) {
    await server.close();
    // The default port is often taken by a local PostgreSQL: `npm start` still comes up (HTTP), without the wire.
    if ((err as { code?: string }).code === 'EADDRINUSE' && config.K3_PG_PORT === DEFAULT_PG_PORT) {
      opts.logger.warn({ port: config.K3_PG_PORT }, 'postgres wire not started: port in use (set K3_PG_PORT to another port, or 0 to silence this)');
      return undefined;
    }
    throw err;
  }
}

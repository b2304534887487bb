/**
 * `POST /:bucket/tables/_execute`: one SQL statement → the engine's ExecuteResponse (a oneof of
 * query / write / ddl). The engine call is aborted when the client disconnects. SQL text is
 * never logged (it may carry literals of row data): only its length and a short hash, which is
 * enough to correlate repeated statements.
 */
import { createHash } from 'node:crypto';
import { authorize } from '@k3/core/auth';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ExecuteRequest, ExecuteResponse } from '@k3/core/api';
import type { HttpMetrics } from '../http-metrics.ts';
import { toHttpError } from '../http-error.ts';
import type { SqlEngine, SqlExecuteOptions } from '../sql-engine.ts';
import { abortOnDisconnect } from '../client-abort.ts';
import { normalizeExecuteBody } from '../pbjson-input.ts';
import { assertSameBucket } from './same-bucket.ts';
import { EXECUTE_SCHEMA } from '../schemas/route-schemas.ts';

export interface ExecuteRouteDeps {
  engine: SqlEngine;
  metrics: HttpMetrics;
}

export function sqlFingerprint(sql: string): string {
  return createHash('sha256').update(sql).digest('hex').slice(0, 16);
}

/** The `kind` / `strategy` labels of one response (DDL has no strategy: its action stands in). */
export function describeResponse(res: ExecuteResponse): { kind: string; strategy: string } {
  if ('query' in res) return { kind: 'query', strategy: res.query.strategy };
  if ('write' in res) return { kind: 'write', strategy: res.write.strategy };
  return { kind: 'ddl', strategy: res.ddl.action };
}

export function registerExecuteRoute(app: FastifyInstance, deps: ExecuteRouteDeps): void {
  const preValidation = async (request: FastifyRequest): Promise<void> => {
    request.body = normalizeExecuteBody(request.body);
  };
  app.post<{ Params: { bucket: string }; Body: ExecuteRequest }>('/:bucket/tables/_execute', { schema: EXECUTE_SCHEMA, preValidation }, async (request, reply) => {
    const { bucket } = request.params;
    const { sql, freshness } = request.body;
    assertSameBucket(bucket, request.body.bucket);
    const log = request.log.child({ bucket, sqlLength: sql.length, sqlHash: sqlFingerprint(sql) });
    const opts: SqlExecuteOptions = { bucket, sql, signal: abortOnDisconnect(reply) };
    const principal = request.principal;
    if (principal !== undefined) {
      opts.principal = principal.name;
      opts.authorize = (action) => authorize(principal, bucket, action);
    }
    if (freshness !== undefined) opts.freshness = freshness;
    const started = performance.now();
    log.info({ freshness: freshness ?? null }, 'execute started');
    try {
      const res = await deps.engine.execute(opts);
      const labels = describeResponse(res);
      deps.metrics.executes.inc(labels);
      log.info({ ...labels, ms: Math.round(performance.now() - started) }, 'execute finished');
      return res;
    } catch (err) {
      const code = toHttpError(err).error.code;
      deps.metrics.executes.inc({ kind: 'error', strategy: code });
      log.info({ code, aborted: opts.signal?.aborted ?? false, ms: Math.round(performance.now() - started) }, 'execute failed');
      throw err;
    }
  });
}

/**
 * The one interceptor layer every wire shares (REST, Connect JSON/binary, gRPC-Web, native gRPC):
 * each call of a TableService handler runs through `intercept`, which
 *   1. authenticates (the hook wip/auth plugs in: it sets `rc.principal` or throws),
 *   2. logs one `rpc finished` / `rpc failed` line (method, wire, code, ms; never row data or SQL),
 *   3. counts and times the call (k3_rpc_requests_total, k3_rpc_duration_seconds),
 *   4. maps anything thrown to the one AppError (to-app-error.ts) that the wire then serializes.
 * Handlers contain none of this. Streamed results are intercepted twice: the opening call (where
 * the engine work starts) and the iteration (errors mid-stream are mapped the same way).
 */
import { createHash } from 'node:crypto';
import type { Counter } from 'prom-client';
import { isMessage } from '@bufbuild/protobuf';
import { ExecuteResponseSchema, QueryStrategySchema, WriteStrategySchema } from '@k3/client';
import type { RequestContext } from './request-context.ts';
import type { RpcMetrics } from './rpc-metrics.ts';
import { toAppError } from './to-app-error.ts';

export interface InterceptorDeps {
  metrics: RpcMetrics;
  /** k3_execute_total{kind, strategy}: Execute outcomes by result kind and strategy (or error code). */
  executes?: Counter<'kind' | 'strategy'>;
  /** Auth enforcement (wip/auth): set `rc.principal` or throw ERR_UNAUTHENTICATED / ERR_FORBIDDEN. */
  authenticate?: (rc: RequestContext) => Promise<void> | void;
}

/**
 * Runs one call: `decode` yields the request message (REST decodes its body here, so decode errors
 * are logged and counted like any other), `handler` does the work.
 */
export type Intercept = <Req, Out>(rc: RequestContext, decode: () => Req, handler: (req: Req) => Promise<Out>) => Promise<Out>;

export function sqlFingerprint(sql: string): string {
  return createHash('sha256').update(sql).digest('hex').slice(0, 16);
}

/** What a log line may say about a request: names and sizes, never row data or SQL text. */
function requestFields(req: unknown): Record<string, unknown> {
  const r = req as { bucket?: unknown; tableName?: unknown; name?: unknown; sql?: unknown; rows?: unknown };
  const out: Record<string, unknown> = {};
  if (typeof r.bucket === 'string') out.bucket = r.bucket;
  if (typeof r.tableName === 'string' && r.tableName !== '') out.table = r.tableName;
  if (typeof r.sql === 'string') {
    out.sqlLength = r.sql.length;
    out.sqlHash = sqlFingerprint(r.sql);
  }
  if (Array.isArray(r.rows)) out.rowCount = r.rows.length;
  return out;
}

export function createIntercept(deps: InterceptorDeps): Intercept {
  return async <Req, Out>(rc: RequestContext, decode: () => Req, handler: (req: Req) => Promise<Out>): Promise<Out> => {
    const started = performance.now();
    const labels = { method: rc.method, wire: rc.wire };
    try {
      if (deps.authenticate) await deps.authenticate(rc);
      const req = decode();
      rc.log.info(requestFields(req), 'rpc started');
      const out = await handler(req);
      deps.metrics.requests.inc({ ...labels, code: 'OK' });
      if (deps.executes && isMessage(out, ExecuteResponseSchema)) deps.executes.inc(describeResponse(out));
      rc.log.info({ ms: Math.round(performance.now() - started) }, 'rpc finished');
      return out;
    } catch (err) {
      const { error, internal } = toAppError(err, rc);
      deps.metrics.requests.inc({ ...labels, code: error.code });
      if (deps.executes && rc.method === 'Execute') deps.executes.inc({ kind: 'error', strategy: error.code });
      const ms = Math.round(performance.now() - started);
      if (internal) rc.log.error({ err, ms }, 'rpc failed with internal error');
      else rc.log.info({ code: error.code, ms }, 'rpc failed');
      throw error;
    } finally {
      deps.metrics.duration.observe(labels, (performance.now() - started) / 1000);
    }
  };
}

/** Errors thrown while a stream is consumed reach the caller as mapped AppErrors too. */
export async function* mapStreamErrors<T>(rc: RequestContext, source: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (err) {
    const { error, internal } = toAppError(err, rc);
    if (internal) rc.log.error({ err }, 'rpc stream failed with internal error');
    else rc.log.info({ code: error.code }, 'rpc stream failed');
    throw error;
  }
}

/** The `kind` / `strategy` labels of one Execute response (DDL has no strategy: its action stands in). */
export function describeResponse(res: { result: { case: 'query' | 'write' | 'ddl' | undefined; value?: unknown } }): { kind: string; strategy: string } {
  const r = res.result as { case: string; value: { strategy?: number; action?: string } };
  if (r.case === 'query') return { kind: 'query', strategy: QueryStrategySchema.values.find((v) => v.number === r.value.strategy)?.name ?? '' };
  if (r.case === 'write') return { kind: 'write', strategy: WriteStrategySchema.values.find((v) => v.number === r.value.strategy)?.name ?? '' };
  return { kind: 'ddl', strategy: r.value?.action ?? '' };
}

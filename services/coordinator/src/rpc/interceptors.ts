/**
 * The one interceptor layer every wire shares (REST, Connect JSON/binary, gRPC-Web, native gRPC):
 * each call of a TableService handler runs through `intercept`, which
 *   1. authenticates (the hook wip/auth plugs in: it sets `rc.principal` or throws),
 *   2. logs one `rpc finished` / `rpc failed` line (method, wire, code, ms; never row data or SQL;
 *      `rpc started` only at debug),
 *   3. counts and times the call (k3_rpc_requests_total, k3_rpc_duration_seconds),
 *   4. maps anything thrown to the one AppError (to-app-error.ts) that the wire then serializes.
 * Handlers contain none of this. Streamed results are intercepted twice: the opening call (where
 * the engine work starts) and the iteration (errors mid-stream are mapped the same way).
 */
import { createHash } from 'node:crypto';
import type { Counter, Histogram } from 'prom-client';
import { isKeyedWriteStrategy } from '../http-metrics.ts';
import { isMessage } from '@bufbuild/protobuf';
import { ExecuteResponseSchema, QueryStrategySchema, WriteStrategySchema } from '@k3/client';
import type { RequestContext } from './request-context.ts';
import type { RpcMetrics } from './rpc-metrics.ts';
import { toAppError } from './to-app-error.ts';
import type { PrincipalLimiter } from '../principal-limiter.ts';

export interface InterceptorDeps {
  metrics: RpcMetrics;
  /** k3_execute_total{kind, strategy}: Execute outcomes by result kind and strategy (or error code). */
  executes?: Counter<'kind' | 'strategy'>;
  /** k3_execute_duration_seconds{kind, strategy, wire} and k3_keyed_write_duration_seconds{strategy} (http-metrics.ts). */
  executeDuration?: Histogram<'kind' | 'strategy' | 'wire'>;
  keyedWriteDuration?: Histogram<'strategy'>;
  /** Auth enforcement (wip/auth): set `rc.principal` or throw ERR_UNAUTHENTICATED / ERR_FORBIDDEN. */
  authenticate?: (rc: RequestContext) => Promise<void> | void;
  /** Authorization of the decoded request (its bucket, the method's scope): throw ERR_FORBIDDEN (rpc-auth.ts). */
  authorize?: (rc: RequestContext, req: unknown) => void;
  /** Per-principal concurrency of statement-running methods (principal-limiter.ts). */
  limiter?: PrincipalLimiter;
}

/** Methods that run a statement on DuckDB: they take a slot of the caller's limiter lane. */
const STATEMENT_METHODS: ReadonlySet<string> = new Set(['Execute', 'ExecuteStream', 'Query', 'QueryStream', 'Insert', 'Merge', 'Update', 'DeleteRows']);

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
    let fields: Record<string, unknown> = {};
    try {
      if (deps.authenticate) await deps.authenticate(rc);
      const req = decode();
      // The fields (a SHA-256 of the SQL among them) only when the audit line will be written;
      // `rpc started` is a debug line: `rpc finished` / `rpc failed` carry the same fields (wip/write4).
      if (rc.log.isLevelEnabled('info')) fields = requestFields(req);
      rc.log.debug(fields, 'rpc started');
      deps.authorize?.(rc, req);
      const limiter = deps.limiter;
      const out = limiter !== undefined && STATEMENT_METHODS.has(rc.method) ? await limiter.run(rc.principal ?? 'anonymous', () => handler(req), rc.signal) : await handler(req);
      deps.metrics.requests.inc({ ...labels, code: 'OK' });
      if (deps.executes && isMessage(out, ExecuteResponseSchema)) {
        const outcome = describeResponse(out);
        deps.executes.inc(outcome);
        const seconds = (performance.now() - started) / 1000;
        deps.executeDuration?.observe({ ...outcome, wire: rc.wire }, seconds);
        if (outcome.kind === 'write' && isKeyedWriteStrategy(outcome.strategy)) deps.keyedWriteDuration?.observe({ strategy: outcome.strategy }, seconds);
      }
      // The audit line: who, where, what (statement hash, strategy, rows), how long; never SQL text or tokens.
      rc.log.info({ principal: rc.principal ?? null, ...fields, ...auditOf(out), code: 'OK', ms: Math.round(performance.now() - started) }, 'rpc finished');
      return out;
    } catch (err) {
      const { error, internal } = toAppError(err, rc);
      deps.metrics.requests.inc({ ...labels, code: error.code });
      if (deps.executes && rc.method === 'Execute') deps.executes.inc({ kind: 'error', strategy: error.code });
      const ms = Math.round(performance.now() - started);
      if (internal) rc.log.error({ err, ms }, 'rpc failed with internal error');
      else rc.log.info({ principal: rc.principal ?? null, ...fields, code: error.code, ms }, 'rpc failed');
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

/** Strategy and rows of an Execute-shaped response (query / write / ddl), for the audit line. */
function auditOf(out: unknown): Record<string, unknown> {
  const r = (out as { result?: { case?: string; value?: { strategy?: number; action?: string; rowCount?: bigint; rowsAffected?: bigint; tableName?: string } } } | null)?.result;
  const w = (out as { write?: { result?: unknown } } | null)?.write;
  if (r?.case === undefined && w === undefined) return {};
  if (r?.case !== undefined && isMessage(out, ExecuteResponseSchema)) {
    const { strategy } = describeResponse(out);
    const v = r.value ?? {};
    const rows = r.case === 'query' ? v.rowCount : r.case === 'write' ? v.rowsAffected : undefined;
    return { strategy, ...(rows !== undefined ? { rows: String(rows) } : {}), ...(v.tableName ? { table: v.tableName } : {}) };
  }
  return {};
}

/**
 * The point-lookup fast path of `Engine.execute` (docs/design/hot-path.md, "Point lookups"): a
 * STRONG, EVENTUAL or OLTP_ONLY `SELECT … FROM t WHERE <every primary-key column> = <value>` is answered by
 * PointLookups (wal/point-lookup.ts) with one DuckDB call — no json_serialize_sql, no view, no
 * fresh connection. Returns undefined whenever the statement is not exactly that shape over a
 * keyed bucket table with integer / VARCHAR key values given exactly (a literal or a parameter of
 * the key's kind, in range); the general path then answers, errors included.
 */
import { Freshness, QueryStrategy, ServedBy, type ExecuteQueryResult } from '../api/index.ts';
import { primaryKeyOf, type Catalog } from '../catalog/index.ts';
import { AppError } from '../errors/index.ts';
import { boundedRows, encodeBounded, type FileCache, type ResultLimits } from '../exec/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { INTEGER_KEY_RANGES, lookupKeyKind } from '../wal/key-locator.ts';
import { walTableShape, type WalTableShape } from '../wal/table-shape.ts';
import type { AnalysedStatement } from './analysed-statement.ts';
import type { HtapRuntime } from './htap-runtime.ts';
import { pointLookupShape, type LookupValue, type PointLookupShape } from './point-lookup-shape.ts';
import { toQueryResult } from './query-result.ts';
import { RequestTables } from './request-tables.ts';
import type { SqlParam } from './statement-params.ts';

export interface PointLookupContext {
  readonly catalog: Catalog;
  readonly cache: FileCache;
  readonly htap: HtapRuntime;
  readonly clock: () => number;
  readonly limits?: ResultLimits;
  /** K3_QUERY_TIMEOUT: past it the lookup's DuckDB call is interrupted and `timeoutError()` thrown. */
  readonly timeoutMs: number;
  readonly timeoutError: () => AppError;
}

export interface PointLookupRequest {
  readonly bucket: string;
  readonly store: ObjectStore;
  readonly analysed: AnalysedStatement;
  readonly freshness: Freshness | undefined;
  readonly params: readonly SqlParam[];
  readonly startedAt: number;
  /** Aborted when the client goes away: interrupts the DuckDB call. */
  readonly signal?: AbortSignal;
}

export async function tryPointLookup(ctx: PointLookupContext, req: PointLookupRequest): Promise<ExecuteQueryResult | undefined> {
  const stop = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, ctx.timeoutMs);
  const onAbort = (): void => stop.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await lookup(ctx, req, stop.signal);
    if (stop.signal.aborted) throw timedOut ? ctx.timeoutError() : new AppError('ERR_QUERY_CANCELLED', 'The statement was cancelled because the client went away.');
    return result;
  } catch (err) {
    if (timedOut) throw ctx.timeoutError();
    throw err;
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onAbort);
  }
}

async function lookup(ctx: PointLookupContext, req: PointLookupRequest, signal: AbortSignal): Promise<ExecuteQueryResult | undefined> {
  const oltp = req.freshness === Freshness.OLTP_ONLY;
  const strong = req.freshness === Freshness.STRONG;
  if (!strong && !oltp && req.freshness !== undefined && req.freshness !== Freshness.EVENTUAL) return undefined;
  const shape = pointLookupShape(req.analysed);
  if (shape === undefined || !paramsExact(shape, req.params.length)) return undefined;
  const tables = new RequestTables(ctx.catalog, ctx.cache, req.bucket, req.store);
  try {
    const pinned = await tables.tryPin(shape.table);
    if (pinned === undefined || primaryKeyOf(pinned.snapshot.metadata).length === 0) return undefined;
    const tableShape = walTableShape(pinned.snapshot);
    const key = keyTuple(shape, tableShape, req.params);
    if (key === undefined || !projectionKnown(shape, tableShape)) return undefined;
    const { name, root } = pinned.handle;
    const state = strong || oltp ? await ctx.htap.warm.acquire(req.store, root, pinned.snapshot, { keyLookupsOnly: true }) : undefined;
    try {
      const planned = ctx.clock();
      const [answer] = await ctx.htap.lookups.lookupKeys(
        { store: req.store, root, name, snapshot: pinned.snapshot, ...(state !== undefined ? { state } : {}), ...(oltp ? { overlayOnly: true } : {}), signal, shape: state?.shape ?? tableShape, keys: [key], projection: shape.projection, plainColumns: shape.columns ?? '*' },
        async (answer, facts) => ({ encoded: 'encoded' in answer ? boundedRows(answer.encoded, ctx.limits) : await encodeBounded(answer.result, ctx.limits), facts }),
      );
      const done = ctx.clock();
      const { encoded, facts } = answer!;
      const version = (state?.snapshot ?? pinned.snapshot).version;
      const plain = facts.plain === true ? ', answered without DuckDB' : '';
      return toQueryResult(encoded, {
        strategy: strong || oltp ? QueryStrategy.UNARY_MERGED_STRONG : QueryStrategy.UNARY_WAREHOUSE,
        ...(strong ? { servedBy: ServedBy.MERGED, strategyReason: `FRESHNESS_STRONG: write log merged over Delta for ${name} (point lookup: ${facts.source}${facts.decoded === true ? ', decoded-file cache' : ''}${plain})` }
          : oltp ? { servedBy: ServedBy.OLTP, strategyReason: `FRESHNESS_OLTP_ONLY: the write log only (point lookup: ${facts.source}${plain})` }
            : { strategyReason: `point lookup by primary key: ${facts.files} file(s) located by key statistics${facts.decoded === true ? ', decoded-file cache' : ''}${plain}` }),
        versions: { [name]: version },
        filesScanned: facts.files,
        bytesScanned: facts.bytes,
        rowsScanned: encoded.rows.length,
        timings: { planMs: planned - req.startedAt, queueMs: 0, scanMs: done - planned, mergeMs: 0, totalMs: done - req.startedAt },
      });
    } finally {
      state?.release();
    }
  } finally {
    tables.release();
  }
}

/** Parameters $1 … $n are exactly the values given (else the general path reports the mismatch). */
function paramsExact(shape: PointLookupShape, given: number): boolean {
  const used = new Set(shape.equalities.flatMap((e) => (e.value.kind === 'param' ? [e.value.index] : [])));
  if (used.size !== given) return false;
  for (let i = 1; i <= given; i++) if (!used.has(i)) return false;
  return true;
}

/** The key tuple as DuckDB text in primary-key order, or undefined (not every key column exactly once, or a value not exact). */
function keyTuple(shape: PointLookupShape, table: WalTableShape, params: readonly SqlParam[]): string[] | undefined {
  if (shape.equalities.length !== table.primaryKey.length) return undefined;
  const byColumn = new Map<string, LookupValue>();
  for (const e of shape.equalities) {
    const column = table.columns.find((c) => c.name.toLowerCase() === e.column.toLowerCase());
    if (column === undefined || byColumn.has(column.name)) return undefined;
    byColumn.set(column.name, e.value);
  }
  const key: string[] = [];
  for (const name of table.primaryKey) {
    const value = byColumn.get(name);
    const type = table.columns.find((c) => c.name === name)?.type;
    if (value === undefined || type === undefined) return undefined;
    const text = keyText(type, value, params);
    if (text === undefined) return undefined;
    key.push(text);
  }
  return key;
}

function keyText(type: string, value: LookupValue, params: readonly SqlParam[]): string | undefined {
  const kind = lookupKeyKind(type);
  const given: SqlParam | undefined = value.kind === 'param' ? params[value.index - 1] : undefined;
  if (kind === 'string') {
    if (value.kind === 'string') return value.text;
    return value.kind === 'param' && typeof given === 'string' ? given : undefined;
  }
  if (kind !== 'integer') return undefined;
  let n: bigint | undefined;
  if (value.kind === 'integer') n = BigInt(value.text);
  else if (value.kind === 'param' && typeof given === 'bigint') n = given;
  else if (value.kind === 'param' && typeof given === 'number' && Number.isSafeInteger(given)) n = BigInt(given);
  // Within the key type and within BIGINT (a wider literal is typed differently by DuckDB: no doubt allowed).
  const range = INTEGER_KEY_RANGES.get(type)!;
  const int64 = INTEGER_KEY_RANGES.get('BIGINT')!;
  return n !== undefined && n >= range[0] && n <= range[1] && n >= int64[0] && n <= int64[1] ? n.toString() : undefined;
}

function projectionKnown(shape: PointLookupShape, table: WalTableShape): boolean {
  return shape.columns === undefined || shape.columns.every((c) => table.columns.some((t) => t.name.toLowerCase() === c.toLowerCase()));
}

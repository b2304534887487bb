/**
 * FederatedReader: the engine's read path for an EVENTUAL single-statement SELECT over one bucket
 * table (design notes: docs/design/query-planning.md, docs/design/distributed-execution.md).
 *
 *   SELECT ─▶ one bucket table? ──no──▶ undefined (the caller's single-node read, all files)
 *              │yes: pin its snapshot (the request's one snapshot of it)
 *           planFederated(snapshot, sql, thresholds)
 *     ├─ FEDERATED_AGGREGATE / FEDERATED_SCAN ─▶ runFederatedPlan (one scan job per kept partition
 *     │     through the ScanExecutor: in-process or BullMQ workers) ─▶ reducer ─▶ FINAL SQL here
 *     └─ FEDERATED_TO_SINGLE / UNARY_WAREHOUSE ─▶ this node, a view over the PRUNED files only
 *
 * Invariants: the answer equals the single-node answer over the same snapshot (the planner only
 * splits what merges exactly; pruning only drops files that cannot match). Anything this module
 * cannot plan (not a SELECT, several tables, CTE names, qualified names, AT clauses, a planner
 * refusal) returns undefined and the caller's single-node path answers — with its own errors.
 * Deadline and cancellation: jobs carry `startedAt + K3_QUERY_TIMEOUT`; the executor rejects
 * ERR_QUERY_TIMEOUT / ERR_QUERY_CANCELLED / ERR_QUEUE_UNAVAILABLE / the failing job's cause.
 */
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Freshness, QueryStrategy, type ExecuteQueryResult } from '../api/index.ts';
import type { Config } from '../config/index.ts';
import { isAppError } from '../errors/index.ts';
import { runFederatedPlan, type ScanExecutor } from '../dispatch/index.ts';
import { boundedRows, encodeBounded, mapDuckDBError } from '../exec/index.ts';
import { resultLimits } from './result-limits.ts';
import type { BucketStores } from '../object-store/store-factory.ts';
import { planFederated, serializeSelect, type FederatedPlan, type SelectStatement } from '../plan/index.ts';
import { compactIntegerInLists, plainFieldTypes } from '../plan/in-list-subquery.ts';
import { PlanCache } from '../plan/plan-cache.ts';
import type { AnalysedStatement } from './analysed-statement.ts';
import type { BoundReadPool } from './bound-read-pool.ts';
import { executeRead, queryResult } from './execute-read.ts';
import { scanStatsOf, type PinnedTable, type RequestTables } from './request-tables.ts';
import { isWord, type Token } from './sql-tokens.ts';
import { toQueryResult } from './query-result.ts';
import type { SqlParam } from './statement-params.ts';

export interface FederatedReadDeps {
  readonly executor: ScanExecutor;
  readonly stores: Pick<BucketStores, 'open'>;
  readonly config: Pick<Config, 'K3_QUERY_TIMEOUT' | 'K3_FEDERATE_MIN_PARTITIONS' | 'K3_FEDERATE_MIN_BYTES'> & Partial<Pick<Config, 'K3_RESULT_MAX_ROWS' | 'K3_RESULT_MAX_BYTES' | 'K3_FEDERATE_MAX_JOBS' | 'K3_FEDERATE_MIN_JOB_BYTES'>>;
  readonly clock: () => number;
  /** Close `executor` with the reader (it was made for this reader). */
  readonly ownsExecutor?: boolean;
  /** Pooled connections keeping bound views and prepared statements for single-node plans (bound-read-pool.ts). */
  readonly pool?: BoundReadPool;
}

export interface FederatedReadRequest {
  readonly conn: DuckDBConnection;
  readonly tables: RequestTables;
  readonly sql: string;
  readonly tokens: readonly Token[];
  readonly freshness: Freshness | undefined;
  readonly startedAt: number;
  readonly signal?: AbortSignal;
  /** The request's analysis: its DuckDB AST is parsed once and shared with the planner. */
  readonly analysed?: AnalysedStatement;
  /** Values of the statement's `$k` placeholders: planned as constants, bound on the single-node path. */
  readonly params?: readonly SqlParam[];
  /** The attempt's interruptible connections (a pooled connection joins them while it reads). */
  readonly interrupts?: Set<DuckDBConnection>;
}

/** Only plain queries: EXPLAIN, DESCRIBE, SUMMARIZE, PRAGMA, CALL … keep the single-node path. */
const QUERY_STARTS = ['SELECT', 'FROM', 'WITH'] as const;

/** What `#plan` hands on: the plan, and the text to run on one node (`req.sql`, its long IN lists compacted). */
interface Planned {
  readonly plan: FederatedPlan;
  readonly sql: string;
}

export class FederatedReader {
  readonly #deps: FederatedReadDeps;
  /** Plans by snapshot (identity) and statement text: a repeated read plans once per table version. */
  readonly plans = new PlanCache<PinnedTable['snapshot'], Planned>((p) => p.plan.files.length);
  /** Fan-outs whose FINAL was answered without DuckDB (plan/plain-final.ts; tests read it). */
  plainFinals = 0;

  constructor(deps: FederatedReadDeps) {
    this.#deps = deps;
  }

  get executor(): ScanExecutor {
    return this.#deps.executor;
  }

  async close(): Promise<void> {
    this.#deps.pool?.close();
    if (this.#deps.ownsExecutor === true) await this.#deps.executor.close();
  }

  /** The answer, or undefined when the statement is not a federable read (the caller reads on one node). */
  async tryRead(req: FederatedReadRequest): Promise<ExecuteQueryResult | undefined> {
    const freshness = req.freshness ?? Freshness.EVENTUAL;
    if (freshness !== Freshness.EVENTUAL && freshness !== Freshness.UNSPECIFIED) return undefined;
    if (!isWord(req.tokens[0], ...QUERY_STARTS)) return undefined;
    const planned = await this.#plan(req);
    if (planned === undefined) return undefined;
    const { pinned, plan } = planned;
    if (plan.finalSql === undefined) return this.#single({ ...req, sql: planned.sql }, pinned, plan);
    try {
      return await this.#federate(req, pinned, plan);
    } catch (err) {
      // Partials are Arrow of flat types only: a LIST / STRUCT / INTERVAL … output cannot travel
      // back from a job, so such a statement runs whole on this node instead.
      const uncarried = uncarriedType(err);
      if (uncarried === undefined) throw err;
      return this.#single({ ...req, sql: planned.sql }, pinned, { ...plan, strategy: QueryStrategy.UNARY_WAREHOUSE, strategyReason: `a partial result would hold a ${uncarried} column, which scan jobs do not carry` });
    }
  }

  /**
   * The planner's pruning and strategy for a read that will NOT fan out (streamed results run on
   * one node over `plan.files`); undefined when the statement is not a federable read.
   */
  async planRead(req: FederatedReadRequest): Promise<{ pinned: PinnedTable; plan: FederatedPlan; sql: string } | undefined> {
    const freshness = req.freshness ?? Freshness.EVENTUAL;
    if (freshness !== Freshness.EVENTUAL && freshness !== Freshness.UNSPECIFIED) return undefined;
    if (!isWord(req.tokens[0], ...QUERY_STARTS)) return undefined;
    return this.#plan(req);
  }

  /** `sql`: the text to run on one node — `req.sql`, its long integer IN lists as one typed list (in-list-subquery.ts). */
  async #plan(req: FederatedReadRequest): Promise<{ pinned: PinnedTable; plan: FederatedPlan; sql: string } | undefined> {
    let ast: readonly SelectStatement[] | undefined;
    try {
      ast = req.analysed !== undefined && req.analysed.statement?.sql === req.sql ? await req.analysed.selectAst(req.conn) : await serializeSelect(req.conn, req.sql);
    } catch {
      return undefined; // not a SELECT DuckDB can serialize: the single-node path reports on it
    }
    const name = ast === undefined ? undefined : soleBaseTable(ast);
    if (ast === undefined || name === undefined) return undefined;
    const pinned = await req.tables.tryPin(name);
    if (pinned === undefined) return undefined;
    const cacheable = (req.params ?? []).length === 0;
    const cached = cacheable ? this.plans.get(pinned.snapshot, req.sql) : undefined;
    if (cached !== undefined) return { pinned, ...cached };
    const { config } = this.#deps;
    try {
      const plan = await planFederated(pinned.snapshot, req.sql, req.conn, {
        minPartitions: config.K3_FEDERATE_MIN_PARTITIONS,
        minBytes: config.K3_FEDERATE_MIN_BYTES,
      }, req.params ?? [], ast);
      const planned = { plan, sql: compactIntegerInLists(req.sql, ast[0]!, plainFieldTypes(pinned.snapshot.schema.fields)) ?? req.sql };
      if (cacheable) this.plans.set(pinned.snapshot, req.sql, planned);
      return { pinned, ...planned };
    } catch {
      // The planner refuses shapes it cannot reason about; one node answers those exactly.
      return undefined;
    }
  }

  /** FEDERATED_TO_SINGLE / UNARY_WAREHOUSE: the whole statement here, over the pruned files only. */
  async #single(req: FederatedReadRequest, pinned: PinnedTable, plan: FederatedPlan): Promise<ExecuteQueryResult> {
    const limits = resultLimits(this.#deps.config);
    const snapshot = { ...pinned.snapshot, files: plan.files };
    const result = await this.#pooled(req, pinned, snapshot, limits) ?? await (async () => {
      await req.tables.bindView(req.conn, { handle: pinned.handle, snapshot });
      return executeRead(req.conn, req.tables, req.sql, { startedAt: req.startedAt, now: this.#deps.clock }, limits !== undefined ? { limits } : {});
    })();
    return {
      ...result,
      strategy: plan.strategy,
      strategyReason: plan.strategyReason ?? '',
      partitionsPruned: plan.partitions.pruned,
    };
  }

  /**
   * The single-node read on a pooled connection that keeps the table's view and the prepared
   * statement (bound-read-pool.ts); undefined when the pool cannot take it (parameters, a
   * statement that does not prepare there): the caller then binds and reads on its own connection.
   */
  async #pooled(req: FederatedReadRequest, pinned: PinnedTable, snapshot: PinnedTable['snapshot'], limits: ReturnType<typeof resultLimits>): Promise<ExecuteQueryResult | undefined> {
    const { pool, clock } = this.#deps;
    if (pool === undefined || (req.params ?? []).length > 0 || req.tables.params.length > 0 || req.tables.fresh !== undefined) return undefined;
    const name = pinned.handle.name;
    const paths = await req.tables.localFiles(snapshot.files);
    let planned = clock();
    const encoded = await pool.read({
      name, snapshot, paths, sql: req.sql,
      ...(limits !== undefined ? { limits } : {}),
      ...(req.interrupts !== undefined ? { interrupts: req.interrupts } : {}),
      onPrepared: () => { planned = clock(); },
    });
    if (encoded === undefined) return undefined;
    req.tables.scanned.set(name, scanStatsOf(snapshot));
    return queryResult(encoded, req.tables, { startedAt: req.startedAt, now: clock }, planned);
  }

  async #federate(req: FederatedReadRequest, pinned: PinnedTable, plan: FederatedPlan): Promise<ExecuteQueryResult> {
    const { clock, config } = this.#deps;
    const planned = clock();
    const { snapshot, handle } = pinned;
    const { stats, finalSql, answered } = await runFederatedPlan(req.conn, plan, {
      executor: this.#deps.executor,
      stores: this.#deps.stores,
      queryId: randomUUID(),
      bucket: handle.bucket,
      tableRoot: snapshot.root,
      schema: snapshot.schema,
      partitionColumns: snapshot.partitionColumns,
      deadline: req.startedAt + config.K3_QUERY_TIMEOUT,
      maxJobs: config.K3_FEDERATE_MAX_JOBS ?? 0,
      minJobBytes: config.K3_FEDERATE_MIN_JOB_BYTES ?? 0,
      ...(req.signal !== undefined ? { signal: req.signal } : {}),
    });
    const scanned = clock();
    let encoded;
    if (answered !== undefined) {
      this.plainFinals++;
      encoded = boundedRows(answered, resultLimits(config));
    } else {
      try {
        encoded = await encodeBounded(await req.conn.stream(finalSql), resultLimits(config));
      } catch (err) {
        throw mapDuckDBError(err);
      }
    }
    const done = clock();
    return toQueryResult(encoded, {
      strategy: plan.strategy,
      versions: { [handle.name]: snapshot.version },
      partitionsScanned: plan.jobs.length,
      partitionsPruned: plan.partitions.pruned,
      filesScanned: stats.filesScanned,
      rowsScanned: stats.rowsScanned,
      bytesScanned: stats.bytesScanned,
      timings: {
        planMs: planned - req.startedAt,
        queueMs: stats.queueMs,
        scanMs: Math.max(0, scanned - planned - stats.queueMs),
        mergeMs: done - scanned,
        totalMs: done - req.startedAt,
      },
    });
  }
}

/** The column type when `err` is the refusal to carry it in a partial (in-process, or a worker's cause). */
function uncarriedType(err: unknown): string | undefined {
  if (!isAppError(err)) return undefined;
  const refusal = err.code === 'ERR_WORKER_FAILED' ? (err.details?.['cause'] as { code?: unknown; details?: { type?: unknown } } | undefined) : { code: err.code, details: err.details };
  if (refusal?.code !== 'ERR_SQL_UNSUPPORTED') return undefined;
  const type = refusal.details?.type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * The one bucket table a statement reads, when it reads exactly one unqualified base table,
 * defines no CTEs (a CTE name would look like a table); otherwise undefined. Parameters are fine:
 * the planner substitutes their values (plan/bind-parameters.ts).
 */
export function soleBaseTable(statements: readonly unknown[]): string | undefined {
  if (statements.length !== 1) return undefined;
  const names = new Set<string>();
  let plain = true;
  const visit = (node: unknown): void => {
    if (!plain || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const o = node as Record<string, unknown>;
    if (o['class'] === 'CONSTANT') return; // a constant holds no table (and IN lists hold thousands)
    if (o['type'] === 'BASE_TABLE' && typeof o['table_name'] === 'string') {
      if (o['schema_name'] !== '' || o['catalog_name'] !== '' || (o['at_clause'] !== null && o['at_clause'] !== undefined)) plain = false;
      names.add(o['table_name'].toLowerCase());
    }
    const ctes = o['cte_map'] as { map?: unknown[] } | undefined;
    if (ctes !== undefined && Array.isArray(ctes.map) && ctes.map.length > 0) plain = false;
    for (const v of Object.values(o)) visit(v);
  };
  visit(statements);
  if (!plain || names.size !== 1) return undefined;
  return [...names][0];
}

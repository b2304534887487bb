/**
 * runFederatedPlan: the coordinator's whole fan-out for one FEDERATED_* plan, so the engine's
 * wiring is one call plus its own FINAL SQL run:
 *
 *   toScanJobs → ScanExecutor (in-process or BullMQ) → collectPartials (validate, decode Arrow,
 *   delete spilled results) → reduce (aggregates: group reducer; scans: concatenate) →
 *   the answer itself when the FINAL only picks and sorts columns (plan/plain-final.ts), else
 *   MERGED_RELATION | SCAN_RELATION as a CTE of the returned FINAL SQL (up to 500 rows:
 *   withRelationCte), else loadRelation(conn, …) as a TEMP table and the plan's FINAL SQL as is
 *
 * After it returns, the returned `finalSql` runs on `conn` over exact types (HUGEINT sums stay
 * HUGEINT, DECIMAL keeps its scale). Scans are concatenated as they come: FINAL SQL applies ORDER
 * BY / LIMIT / OFFSET exactly (each partial already holds at most the plan's top-k rows).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { answerPlainFinal, loadRelation, withRelationCte, type FederatedPlan } from '../plan/index.ts';
import type { EncodedResult } from '../exec/result-encoding.ts';
import { createGroupReducer, type ColumnSpec, type ReduceValue } from '../reduce/index.ts';
import type { BucketStores } from '../object-store/store-factory.ts';
import { collectPartials, type ScanStats } from './collect-partials.ts';
import type { ScanExecutor } from './scan-executor.ts';
import { toScanJobs, type ScanJobContext } from './to-scan-jobs.ts';

export interface FederatedRunContext extends ScanJobContext {
  readonly executor: ScanExecutor;
  /** Reads spilled results (the bucket stores of this process). */
  readonly stores: Pick<BucketStores, 'open'>;
  readonly signal?: AbortSignal;
}

export interface FederatedRunResult {
  readonly stats: ScanStats;
  /** The statement to run on `conn` for the answer: the plan's FINAL SQL, its relation inlined when small. */
  readonly finalSql: string;
  /** The answer itself when the FINAL only picks and sorts columns of types JavaScript answers exactly (plan/plain-final.ts): nothing to run. */
  readonly answered?: EncodedResult;
}

export async function runFederatedPlan(conn: DuckDBConnection, plan: FederatedPlan, ctx: FederatedRunContext): Promise<FederatedRunResult> {
  if (plan.finalSql === undefined) {
    throw new AppError('ERR_INTERNAL', `runFederatedPlan got a ${plan.strategy} plan; only FEDERATED_* plans fan out.`, { strategy: plan.strategy });
  }
  const jobs = toScanJobs(plan, ctx);
  const { partials, stats } = await collectPartials(ctx.executor, jobs, ctx.stores, { deadline: ctx.deadline, ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}) });
  let relation: { name: string; columns: readonly ColumnSpec[]; rows: readonly (readonly ReduceValue[])[] };
  if (plan.merge !== undefined) {
    const reducer = createGroupReducer(plan.merge);
    for (const p of partials) reducer.add(p.columns, p.rows);
    const merged = reducer.finalize();
    relation = { name: plan.relations.merged, columns: merged.columns, rows: merged.rows };
  } else {
    relation = { name: plan.relations.rows, columns: partials[0]?.columns ?? [], rows: partials.flatMap((p) => p.rows) };
  }
  const answered = plan.plainFinal !== undefined ? answerPlainFinal(plan.plainFinal, relation.columns, relation.rows) : undefined;
  if (answered !== undefined) return { stats, finalSql: plan.finalSql, answered };
  const inlined = withRelationCte(plan.finalSql, relation.name, relation.columns, relation.rows);
  if (inlined !== undefined) return { stats, finalSql: inlined };
  await loadRelation(conn, relation.name, relation.columns, relation.rows);
  return { stats, finalSql: plan.finalSql };
}

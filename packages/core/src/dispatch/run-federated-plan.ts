/**
 * runFederatedPlan: the coordinator's whole fan-out for one FEDERATED_* plan, so the engine's
 * wiring is one call plus its own FINAL SQL run:
 *
 *   toScanJobs → ScanExecutor (in-process or BullMQ) → collectPartials (validate, decode Arrow,
 *   delete spilled results) → reduce (aggregates: group reducer; scans: concatenate) →
 *   loadRelation(conn, MERGED_RELATION | SCAN_RELATION)
 *
 * After it returns, `plan.finalSql` runs on `conn` over exact types (HUGEINT sums stay HUGEINT,
 * DECIMAL keeps its scale). Scans are concatenated as they come: FINAL SQL applies ORDER BY /
 * LIMIT / OFFSET exactly (each partial already holds at most the plan's top-k rows).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { loadRelation, type FederatedPlan } from '../plan/index.ts';
import { createGroupReducer } from '../reduce/index.ts';
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

export async function runFederatedPlan(conn: DuckDBConnection, plan: FederatedPlan, ctx: FederatedRunContext): Promise<ScanStats> {
  if (plan.finalSql === undefined) {
    throw new AppError('ERR_INTERNAL', `runFederatedPlan got a ${plan.strategy} plan; only FEDERATED_* plans fan out.`, { strategy: plan.strategy });
  }
  const jobs = toScanJobs(plan, ctx);
  const { partials, stats } = await collectPartials(ctx.executor, jobs, ctx.stores, { deadline: ctx.deadline, ...(ctx.signal !== undefined ? { signal: ctx.signal } : {}) });
  if (plan.merge !== undefined) {
    const reducer = createGroupReducer(plan.merge);
    for (const p of partials) reducer.add(p.columns, p.rows);
    const merged = reducer.finalize();
    await loadRelation(conn, plan.relations.merged, merged.columns, merged.rows);
  } else {
    await loadRelation(conn, plan.relations.rows, partials[0]?.columns ?? [], partials.flatMap((p) => p.rows));
  }
  return stats;
}

/**
 * In-process executor of a FederatedPlan, for tests only: what the coordinator and workers will do
 * over BullMQ, without the queue. Each job gets its own DuckDB connection with a view over just its
 * partition's Parquet files (bindSnapshot: partition columns as typed constants), runs the partial
 * SQL; the reducer merges; FINAL SQL runs in DuckDB over the reduced rows.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { bindSnapshot } from '../../../src/exec/bind-snapshot.ts';
import { loadRelation, planFederated, toReduceValue, type FederatableSnapshot, type FederatedPlan, type FederateThresholds } from '../../../src/plan/index.ts';
import { createGroupReducer, createScanMerger, type ColumnSpec, type ReduceValue } from '../../../src/reduce/index.ts';

export interface QueryResult {
  readonly columns: readonly ColumnSpec[];
  readonly rows: ReduceValue[][];
}

export interface FederatedRun {
  readonly plan: FederatedPlan;
  readonly result: QueryResult;
  /** Jobs actually run (0 for single-node strategies). */
  readonly jobsRun: number;
}

export async function readResult(conn: DuckDBConnection, sql: string): Promise<QueryResult> {
  const reader = await conn.runAndReadAll(sql);
  const names = reader.columnNames();
  const types = reader.columnTypes().map(String);
  return { columns: names.map((name, i) => ({ name, type: types[i]! })), rows: reader.getRows().map((r) => r.map(toReduceValue)) };
}

async function runJob(instance: DuckDBInstance, snapshot: FederatableSnapshot, files: FederatedPlan['files'], local: ReadonlyMap<string, string>, sql: string): Promise<QueryResult> {
  const conn = await instance.connect();
  try {
    await conn.run("SET TimeZone = 'UTC'");
    await bindSnapshot(conn, '__k3_partition', { schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, files: [...files] }, local);
    return await readResult(conn, sql);
  } finally {
    conn.closeSync();
  }
}

export async function runFederated(
  instance: DuckDBInstance,
  conn: DuckDBConnection,
  snapshot: FederatableSnapshot,
  local: ReadonlyMap<string, string>,
  tableName: string,
  sql: string,
  thresholds: FederateThresholds,
): Promise<FederatedRun> {
  const plan = await planFederated(snapshot, sql, conn, thresholds);
  if (plan.finalSql === undefined) {
    await bindSnapshot(conn, tableName, { schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, files: [...plan.files] }, local);
    return { plan, result: await readResult(conn, sql), jobsRun: 0 };
  }
  const partials: QueryResult[] = [];
  for (const job of plan.jobs) partials.push(await runJob(instance, snapshot, job.files, local, job.partialSql));
  if (plan.merge !== undefined) {
    const reducer = createGroupReducer(plan.merge);
    for (const p of partials) reducer.add(p.columns, p.rows);
    const merged = reducer.finalize();
    await loadRelation(conn, plan.relations.merged, merged.columns, merged.rows);
  } else {
    // The bounded top-k only limits memory; FINAL SQL still applies ORDER BY/LIMIT/OFFSET exactly.
    const merger = createScanMerger(plan.topK);
    for (const p of partials) merger.add(p.columns, p.rows);
    const merged = merger.finalize();
    await loadRelation(conn, plan.relations.rows, merged.columns, merged.rows);
  }
  return { plan, result: await readResult(conn, plan.finalSql), jobsRun: plan.jobs.length };
}

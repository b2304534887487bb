/**
 * planFederated: picks the read strategy for one SELECT over one table snapshot and, when it fans
 * out, the jobs (one per kept partition) with the SQL every stage runs.
 *
 *   parse (DuckDB AST) ─► shape splits? ──no──► UNARY_WAREHOUSE (reason)
 *                              │yes
 *                        prune partitions + skip files (DuckDB over VALUES)
 *                              │
 *        unpartitioned / < K3_FEDERATE_MIN_PARTITIONS / < K3_FEDERATE_MIN_BYTES ─► FEDERATED_TO_SINGLE (reason)
 *                              │
 *               FEDERATED_AGGREGATE (aggregates) or FEDERATED_SCAN (scans)
 *
 * Every strategy returns the files left after pruning: a single-node plan may bind only those
 * (pruning only removes files whose rows cannot satisfy the WHERE clause). Jobs bind a view named
 * PARTITION_VIEW over their files (partition columns as typed constants, like bind-snapshot.ts),
 * run `partialSql`, and the caller reduces (reduce/) and runs `finalSql` over MERGED_RELATION
 * (aggregates) or SCAN_RELATION (scans). See docs/design/query-planning.md.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { QueryStrategy } from '../api/enums.ts';
import type { PartitionValue } from '../delta/partition-values.ts';
import type { StructType } from '../delta/schema.ts';
import type { ActiveFile } from '../delta/snapshot.ts';
import { AppError } from '../errors/index.ts';
import type { MergeSpec } from '../reduce/index.ts';
import { plainFinalOf, type PlainFinal } from './plain-final.ts';
import { pruneFiles, type PruneResult } from './prune.ts';
import { isUnsplittable, readShape } from './query-shape.ts';
import { containsClass } from './ast-walk.ts';
import { substituteParameters, type PlanParam } from './bind-parameters.ts';
import { deserializeSelect, isSelectNode, serializeSelect, type Expr, type SelectStatement } from './select-ast.ts';
import { hasAggregates, MERGED_RELATION, PARTITION_VIEW, splitAggregate } from './split-aggregate.ts';
import { SCAN_RELATION, splitScan, type SplitScanPlan } from './split-scan.ts';

export interface FederatableSnapshot {
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly files: readonly ActiveFile[];
}

export interface FederateThresholds {
  /** K3_FEDERATE_MIN_PARTITIONS */
  readonly minPartitions: number;
  /** K3_FEDERATE_MIN_BYTES */
  readonly minBytes: number;
}

export interface FederatedJob {
  readonly partitionValues: Readonly<Record<string, PartitionValue>>;
  readonly files: readonly ActiveFile[];
  readonly partialSql: string;
}

export interface FederatedPlan {
  readonly strategy: QueryStrategy;
  /** Why the planner did not fan out (absent when it did). */
  readonly strategyReason: string | undefined;
  readonly partitions: PruneResult['partitions'];
  readonly filesSkipped: number;
  /** Files left after pruning: what any strategy needs to read. */
  readonly files: readonly ActiveFile[];
  readonly bytes: number;
  /** One per kept partition for FEDERATED_*; empty otherwise. */
  readonly jobs: readonly FederatedJob[];
  /** FEDERATED_AGGREGATE: how the reducer merges partial rows. */
  readonly merge: MergeSpec | undefined;
  /** FEDERATED_SCAN: bounded top-k the reducer may apply while concatenating. */
  readonly topK: SplitScanPlan['topK'];
  /** Runs over MERGED_RELATION (aggregate) or SCAN_RELATION (scan). */
  readonly finalSql: string | undefined;
  /** The FINAL when it only picks and sorts relation columns: answered without DuckDB when its types allow (plain-final.ts). */
  readonly plainFinal?: PlainFinal;
  readonly relations: { readonly partition: string; readonly merged: string; readonly rows: string };
}

const RELATIONS = { partition: PARTITION_VIEW, merged: MERGED_RELATION, rows: SCAN_RELATION } as const;

/**
 * Pruning needs a single base table read once: its WHERE filters its rows whatever else the query
 * does. A subquery anywhere could read the same table again (and must see all of it), so then
 * nothing is pruned.
 */
async function prunedFor(conn: DuckDBConnection, statement: SelectStatement, snapshot: FederatableSnapshot): Promise<PruneResult> {
  const shape = readShape(statement);
  const node = statement.node;
  let where: Expr | null = null;
  if (!isUnsplittable(shape)) where = shape.node.where_clause;
  else if (isSelectNode(node) && node.from_table.type === 'BASE_TABLE' && node.cte_map.map.length === 0) {
    const orders = node.modifiers.flatMap((m) => (m.type === 'ORDER_MODIFIER' ? m.orders.map((o) => o.expression) : []));
    const all = [...node.select_list, node.where_clause, node.having, node.qualify, ...node.group_expressions, ...orders];
    if (!all.some((e) => e !== null && containsClass(e, ['SUBQUERY']))) where = node.where_clause;
  }
  return pruneFiles(conn, where, snapshot);
}

/**
 * `params`: values of the statement's `$k` placeholders, planned as constants (bind-parameters.ts).
 * `parsed`: DuckDB's AST of `sql` when the caller already has it (the request's analysed
 * statement); otherwise it is parsed here.
 */
export async function planFederated(snapshot: FederatableSnapshot, sql: string, conn: DuckDBConnection, thresholds: FederateThresholds, params: readonly PlanParam[] = [], parsed?: readonly SelectStatement[]): Promise<FederatedPlan> {
  const statements = (parsed ?? await serializeSelect(conn, sql)).map((s) => (params.length > 0 ? substituteParameters(s, params) : s));
  const [statement] = statements;
  if (statement === undefined || statements.length !== 1) {
    throw new AppError('ERR_SQL_MULTI_STATEMENT', `Expected exactly one SELECT statement, got ${statements.length}; send one statement per call.`, { statements: statements.length });
  }
  const pruned = await prunedFor(conn, statement, snapshot);
  const bytes = pruned.files.reduce((n, f) => n + f.add.size, 0);
  const base = {
    partitions: pruned.partitions, filesSkipped: pruned.filesSkipped, files: pruned.files, bytes,
    jobs: [], merge: undefined, topK: undefined, finalSql: undefined, relations: RELATIONS,
  };
  const single = (strategy: QueryStrategy, strategyReason: string): FederatedPlan => ({ ...base, strategy, strategyReason });

  const ctx = { conn, columns: snapshot.schema.fields.map((f) => ({ name: f.name, type: f.type })), partitionColumns: snapshot.partitionColumns };
  const aggregate = await hasAggregates(conn, statement);
  const split = aggregate ? await splitAggregate(statement, ctx) : await splitScan(statement, ctx);
  if (isUnsplittable(split)) return single(QueryStrategy.UNARY_WAREHOUSE, split.reason);

  if (snapshot.partitionColumns.length === 0) return single(QueryStrategy.FEDERATED_TO_SINGLE, 'the table is not partitioned');
  const minPartitions = Math.max(1, thresholds.minPartitions);
  if (pruned.partitions.kept < minPartitions) {
    return single(QueryStrategy.FEDERATED_TO_SINGLE, `${pruned.partitions.kept} partition(s) left to scan after pruning, fewer than K3_FEDERATE_MIN_PARTITIONS=${minPartitions}`);
  }
  if (bytes < thresholds.minBytes) {
    return single(QueryStrategy.FEDERATED_TO_SINGLE, `${bytes} bytes left to scan after pruning, less than K3_FEDERATE_MIN_BYTES=${thresholds.minBytes}`);
  }

  const partialSql = await deserializeSelect(conn, split.partial);
  const finalSql = await deserializeSelect(conn, split.final);
  const plainFinal = plainFinalOf(split.final, split.kind === 'aggregate' ? MERGED_RELATION : SCAN_RELATION);
  const jobs = pruned.groups.map((g) => ({ partitionValues: g.values, files: g.files, partialSql }));
  return {
    ...base,
    strategy: split.kind === 'aggregate' ? QueryStrategy.FEDERATED_AGGREGATE : QueryStrategy.FEDERATED_SCAN,
    strategyReason: undefined,
    jobs,
    merge: split.kind === 'aggregate' ? split.merge : undefined,
    topK: split.kind === 'scan' ? split.topK : undefined,
    finalSql,
    ...(plainFinal !== undefined ? { plainFinal } : {}),
  };
}

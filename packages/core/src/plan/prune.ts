/**
 * Partition pruning (and, through file-skipping.ts, file skipping) without an expression evaluator
 * of our own: DuckDB evaluates.
 *
 * - Partition pruning: the WHERE conjuncts that reference only partition columns run as the WHERE
 *   of `SELECT id FROM (VALUES <one typed row per distinct partition tuple>)`. A partition survives
 *   exactly when DuckDB says some row of it could satisfy those conjuncts (same types, casts,
 *   NULL semantics and functions as the real query).
 * - File skipping: conjuncts `col <op> constant`, `col BETWEEN c1 AND c2`, `col IN (…)`,
 *   `col IS [NOT] NULL` become predicates over a VALUES table of per-file min/max/nullCount stats.
 *
 * Invariants: conservative. A file is dropped only when DuckDB proves it cannot match; missing or
 * untrustworthy stats (values beyond 2^53, long strings that writers may truncate, non-tight
 * bounds for null counts, float/double maxima since NaN sorts above them) read as NULL and every
 * predicate is wrapped in COALESCE(…, true).
 * Conjuncts with subqueries, parameters or volatile / time-dependent functions are never used. If
 * DuckDB fails to evaluate a pruning query, nothing is pruned (the real query reports the error).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { PrintedSqlCache } from './printed-sql-cache.ts';
import type { PartitionValue } from '../delta/partition-values.ts';
import type { DataType, StructField, StructType } from '../delta/schema.ts';
import type { ActiveFile } from '../delta/snapshot.ts';
import { partitionFieldLiteral } from '../exec/partition-literal.ts';
import { quoteIdentifier } from '../exec/sql-quote.ts';
import { statsPredicates, statsUsable } from './file-skipping.ts';
import { referencedColumns } from './query-shape.ts';
import { renderExpression, type Expr } from './select-ast.ts';

export { statLiteral, statsUsable } from './file-skipping.ts';

export interface PrunableSnapshot {
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly files: readonly ActiveFile[];
}

export interface PartitionGroup {
  readonly values: Readonly<Record<string, PartitionValue>>;
  readonly files: readonly ActiveFile[];
}

export interface PruneResult {
  /** Distinct partition tuples before pruning, and how many still have files to scan. */
  readonly partitions: { readonly total: number; readonly kept: number; readonly pruned: number };
  /** Files skipped by min/max/null-count stats inside kept partitions. */
  readonly filesSkipped: number;
  readonly files: readonly ActiveFile[];
  /** Kept partitions with their kept files, in first-seen order. */
  readonly groups: readonly PartitionGroup[];
}

/** The AND-ed conjuncts of a WHERE clause. */
export function conjuncts(where: Expr | null): Expr[] {
  if (where === null) return [];
  if (where.class === 'CONJUNCTION' && where.type === 'CONJUNCTION_AND') return where.children.flatMap(conjuncts);
  return [where];
}

function tupleKey(values: readonly PartitionValue[]): string {
  return values.map((v) => (v === null ? 'n' : v instanceof Uint8Array ? `x${Buffer.from(v).toString('hex')}` : `${typeof v}:${String(v)}`)).join('\u0000');
}

/**
 * Answers of pruning queries by their text. A pruning query is a pure function of its text: typed
 * constants (VALUES of partition tuples or file statistics, which never change for a file) and
 * conjuncts without parameters or volatile / time-dependent functions — so a repeated query over
 * the same files asks DuckDB once. A new file or snapshot is new text.
 */
const answered = new PrintedSqlCache(1024, 32 * 1024 * 1024);

async function ids(conn: DuckDBConnection, sql: string): Promise<Set<number> | undefined> {
  const known = answered.get(sql);
  if (known !== undefined) return new Set(JSON.parse(known) as number[]);
  try {
    const reader = await conn.runAndReadAll(sql);
    const out = reader.getRows().map((r) => Number(r[0]));
    answered.set(sql, JSON.stringify(out));
    return new Set(out);
  } catch {
    return undefined;
  }
}

export async function pruneFiles(conn: DuckDBConnection, where: Expr | null, snapshot: PrunableSnapshot): Promise<PruneResult> {
  const findField = (name: string): StructField | undefined => snapshot.schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
  const fieldOf = (name: string): { name: string; type: DataType } | undefined => {
    const f = findField(name);
    return f !== undefined && statsUsable(f) ? f : undefined;
  };
  const partCols = snapshot.partitionColumns.map((c) => findField(c) ?? { name: c, type: 'string' as DataType, nullable: true, metadata: {} });
  const partLower = new Set(partCols.map((c) => c.name.toLowerCase()));

  // Group files by partition tuple.
  const byTuple = new Map<string, { values: Readonly<Record<string, PartitionValue>>; files: ActiveFile[] }>();
  for (const f of snapshot.files) {
    const key = tupleKey(partCols.map((c) => f.partitionValues[c.name] ?? null));
    const g = byTuple.get(key) ?? { values: f.partitionValues, files: [] };
    g.files.push(f);
    byTuple.set(key, g);
  }
  const total = byTuple.size;
  // A file whose stats say it holds no records has nothing to scan.
  let filesSkipped = 0;
  let groups = [...byTuple.values()]
    .map((g) => {
      const nonEmpty = g.files.filter((f) => f.stats?.numRecords !== 0);
      filesSkipped += g.files.length - nonEmpty.length;
      return { values: g.values, files: nonEmpty };
    })
    .filter((g) => g.files.length > 0);

  const usable = conjuncts(where).map((c) => ({ expr: c, cols: referencedColumns(c) }));
  const partitionOnly = usable.filter((u) => u.cols !== undefined && u.cols.size > 0 && [...u.cols].every((c) => partLower.has(c)));
  const binary = partCols.some((c) => c.type === 'binary');
  if (partitionOnly.length > 0 && groups.length > 0 && !binary) {
    const conds = await Promise.all(partitionOnly.map((u) => renderExpression(conn, u.expr)));
    const rows = groups.map((g, i) => `(${[String(i), ...partCols.map((c) => partitionFieldLiteral(g.values[c.name] ?? null, c))].join(', ')})`);
    const header = ['__k3_pid', ...partCols.map((c) => quoteIdentifier(c.name))].join(', ');
    const kept = await ids(conn, `SELECT __k3_pid FROM (VALUES ${rows.join(', ')}) AS __k3_parts(${header}) WHERE ${conds.map((c) => `(${c})`).join(' AND ')}`);
    if (kept !== undefined) groups = groups.filter((_, i) => kept.has(i));
  }

  const skippable = await statsPredicates(conn, usable.filter((u) => u.cols?.size === 1 && !partLower.has([...u.cols][0]!)).map((u) => u.expr), fieldOf);
  const candidates = groups.flatMap((g) => g.files);
  if (skippable !== undefined && candidates.length > 0) {
    const keep = await ids(conn, skippable.sql(candidates));
    if (keep !== undefined) {
      const index = new Map(candidates.map((f, i) => [f, i]));
      groups = groups
        .map((g) => {
          const files = g.files.filter((f) => keep.has(index.get(f)!));
          filesSkipped += g.files.length - files.length;
          return { values: g.values, files };
        })
        .filter((g) => g.files.length > 0);
    }
  }
  const files = groups.flatMap((g) => g.files);
  return { partitions: { total, kept: groups.length, pruned: total - groups.length }, filesSkipped, files, groups };
}

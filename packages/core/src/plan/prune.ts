/**
 * Partition pruning and file skipping without an expression evaluator of our own: DuckDB evaluates.
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
import type { PartitionValue } from '../delta/partition-values.ts';
import { parseTimestampMicros } from '../delta/partition-values.ts';
import type { DataType, StructType } from '../delta/schema.ts';
import type { ActiveFile } from '../delta/snapshot.ts';
import { partitionLiteral } from '../exec/partition-literal.ts';
import { quoteIdentifier } from '../exec/sql-quote.ts';
import { exprReason } from './query-shape.ts';
import { renderExpression, walk, type Expr } from './select-ast.ts';

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

const VOLATILE = new Set([
  'random', 'uuid', 'gen_random_uuid', 'uuidv4', 'uuidv7', 'nextval', 'currval', 'setseed', 'now', 'current_timestamp', 'current_date',
  'current_time', 'get_current_timestamp', 'get_current_time', 'transaction_timestamp', 'localtimestamp', 'localtime', 'today',
]);

/** The AND-ed conjuncts of a WHERE clause. */
export function conjuncts(where: Expr | null): Expr[] {
  if (where === null) return [];
  if (where.class === 'CONJUNCTION' && where.type === 'CONJUNCTION_AND') return where.children.flatMap(conjuncts);
  return [where];
}

/** Lower-cased names of the columns an expression references, or undefined when it is not safe to evaluate early. */
function referencedColumns(e: Expr): Set<string> | undefined {
  if (exprReason(e) !== undefined) return undefined;
  const cols = new Set<string>();
  let unsafe = false;
  walk(e, (x) => {
    if (x.class === 'COLUMN_REF') {
      if (x.column_names.length !== 1) unsafe = true;
      else cols.add(x.column_names[0]!.toLowerCase());
    }
    if (x.class === 'FUNCTION' && VOLATILE.has(x.function_name.toLowerCase())) unsafe = true;
    if (x.class === 'LAMBDA') unsafe = true;
  });
  return unsafe ? undefined : cols;
}

function tupleKey(values: readonly PartitionValue[]): string {
  return values.map((v) => (v === null ? 'n' : v instanceof Uint8Array ? `x${Buffer.from(v).toString('hex')}` : `${typeof v}:${String(v)}`)).join('\u0000');
}

async function ids(conn: DuckDBConnection, sql: string): Promise<Set<number> | undefined> {
  try {
    const reader = await conn.runAndReadAll(sql);
    return new Set(reader.getRows().map((r) => Number(r[0])));
  } catch {
    return undefined;
  }
}

export async function pruneFiles(conn: DuckDBConnection, where: Expr | null, snapshot: PrunableSnapshot): Promise<PruneResult> {
  const fieldOf = (name: string): { name: string; type: DataType } | undefined => snapshot.schema.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
  const partCols = snapshot.partitionColumns.map((c) => fieldOf(c) ?? { name: c, type: 'string' as DataType });
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
    const rows = groups.map((g, i) => `(${[String(i), ...partCols.map((c) => partitionLiteral(g.values[c.name] ?? null, c.type, c.name))].join(', ')})`);
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

// ── data skipping by stats ───────────────────────────────────────────────────────────────────
interface StatsPlan {
  sql(files: readonly ActiveFile[]): string;
}

const FLIP: Record<string, string> = {
  COMPARE_EQUAL: 'COMPARE_EQUAL', COMPARE_LESSTHAN: 'COMPARE_GREATERTHAN', COMPARE_GREATERTHAN: 'COMPARE_LESSTHAN',
  COMPARE_LESSTHANOREQUALTO: 'COMPARE_GREATERTHANOREQUALTO', COMPARE_GREATERTHANOREQUALTO: 'COMPARE_LESSTHANOREQUALTO',
};
const SKIPPABLE_TYPES = /^(byte|short|integer|long|float|double|decimal\(.*\)|string|boolean|date|timestamp|timestamp_ntz)$/;

async function statsPredicates(conn: DuckDBConnection, exprs: readonly Expr[], fieldOf: (n: string) => { name: string; type: DataType } | undefined): Promise<StatsPlan | undefined> {
  const preds: string[] = [];
  const used = new Map<string, { name: string; type: DataType }>();
  const col = (e: Expr): { name: string; type: DataType } | undefined => {
    if (e.class !== 'COLUMN_REF') return undefined;
    const f = fieldOf(e.column_names[0]!);
    return f !== undefined && typeof f.type === 'string' && SKIPPABLE_TYPES.test(f.type) ? f : undefined;
  };
  const isConst = (e: Expr): boolean => referencedColumns(e)?.size === 0;
  for (const e of exprs) {
    let field: { name: string; type: DataType } | undefined;
    let pred: string | undefined;
    const ref = (kind: 'min' | 'max' | 'nulls' | 'rows'): string => quoteIdentifier(kind === 'rows' ? 'rows:' : `${kind}:${field!.name}`);
    const lit = async (x: Expr): Promise<string> => `(${await renderExpression(conn, x)})`;
    if (e.class === 'COMPARISON' && FLIP[e.type] !== undefined) {
      let [c, k, op] = [e.left, e.right, e.type];
      if (col(c) === undefined) [c, k, op] = [e.right, e.left, FLIP[e.type]!];
      field = col(c);
      if (field !== undefined && isConst(k)) {
        const v = await lit(k);
        pred = {
          COMPARE_EQUAL: `${ref('min')} <= ${v} AND ${ref('max')} >= ${v}`,
          COMPARE_LESSTHAN: `${ref('min')} < ${v}`, COMPARE_LESSTHANOREQUALTO: `${ref('min')} <= ${v}`,
          COMPARE_GREATERTHAN: `${ref('max')} > ${v}`, COMPARE_GREATERTHANOREQUALTO: `${ref('max')} >= ${v}`,
        }[op];
      }
    } else if (e.class === 'BETWEEN' && (field = col(e.input)) !== undefined && isConst(e.lower) && isConst(e.upper)) {
      pred = `${ref('max')} >= ${await lit(e.lower)} AND ${ref('min')} <= ${await lit(e.upper)}`;
    } else if (e.class === 'OPERATOR' && e.type === 'COMPARE_IN' && e.children[0] && (field = col(e.children[0])) !== undefined && e.children.slice(1).every(isConst)) {
      const alts = await Promise.all(e.children.slice(1).map(async (x) => `(${ref('min')} <= ${await lit(x)} AND ${ref('max')} >= ${await lit(x)})`));
      pred = alts.join(' OR ');
    } else if (e.class === 'OPERATOR' && (e.type === 'OPERATOR_IS_NULL' || e.type === 'OPERATOR_IS_NOT_NULL') && e.children[0] && (field = col(e.children[0])) !== undefined) {
      pred = e.type === 'OPERATOR_IS_NULL' ? `${ref('nulls')} > 0` : `${ref('nulls')} < ${ref('rows')}`;
    }
    if (field !== undefined && pred !== undefined) {
      used.set(field.name, field);
      preds.push(`COALESCE((${pred}), true)`);
    }
  }
  if (preds.length === 0) return undefined;
  const fields = [...used.values()];
  return {
    sql(files) {
      const header = ['__k3_fid', quoteIdentifier('rows:'), ...fields.flatMap((f) => ['min', 'max', 'nulls'].map((k) => quoteIdentifier(`${k}:${f.name}`)))];
      const rows = files.map((file, i) => {
        const s = file.stats;
        const cells = fields.flatMap((f) => [statLiteral(s?.minValues[f.name], f.type, 'min'), statLiteral(s?.maxValues[f.name], f.type, 'max'), nullCountLiteral(file, f.name)]);
        return `(${[String(i), s === undefined ? 'NULL::BIGINT' : `${s.numRecords}::BIGINT`, ...cells].join(', ')})`;
      });
      return `SELECT __k3_fid FROM (VALUES ${rows.join(', ')}) AS __k3_files(${header.join(', ')}) WHERE ${preds.join(' AND ')}`;
    },
  };
}

function nullCountLiteral(file: ActiveFile, column: string): string {
  const n = file.stats?.nullCount[column];
  if (file.stats?.tightBounds === false || typeof n !== 'number' || !Number.isSafeInteger(n)) return 'NULL::BIGINT';
  return `${n}::BIGINT`;
}

/** A stats value as a typed literal, or a typed NULL when it cannot be trusted as a bound. */
export function statLiteral(v: unknown, type: DataType, side: 'min' | 'max'): string {
  const t = type as string;
  const fallback = partitionLiteral(null, type, '');
  if (v === null || v === undefined) return fallback;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return fallback;
    // DuckDB orders NaN above every number but writers leave NaN out of max stats.
    if ((t === 'float' || t === 'double') && side === 'max') return fallback;
    // JSON numbers past 2^53 (long) or 15 significant digits (decimal) may have been rounded.
    if (t === 'long') return Number.isSafeInteger(v) ? `CAST(${String(v)} AS BIGINT)` : fallback;
    if (t.startsWith('decimal') && (/e/i.test(String(v)) || String(v).replace(/[-.]/g, '').replace(/^0+/, '').length > 15)) return fallback;
    return partitionLiteral(v, type, '');
  }
  if (typeof v === 'boolean' && t === 'boolean') return partitionLiteral(v, type, '');
  if (typeof v !== 'string') return fallback;
  if (t === 'string') return side === 'max' && v.length >= 32 ? fallback : partitionLiteral(v, type, '');
  if (t === 'date') return /^\d{4}-\d{2}-\d{2}$/.test(v) ? partitionLiteral(v, type, '') : fallback;
  if (t === 'timestamp' || t === 'timestamp_ntz') {
    const micros = parseTimestampMicros(v);
    if (micros === undefined) return fallback;
    // Writers truncate timestamp stats to milliseconds (toward zero before 1970): widen by one.
    return partitionLiteral(side === 'max' ? micros + 999n : micros - 999n, type, '');
  }
  return fallback;
}

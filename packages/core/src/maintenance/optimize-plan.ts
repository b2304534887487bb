/**
 * What OPTIMIZE rewrites, decided from the snapshot alone (pure, no I/O).
 *
 * - Files are grouped by partition (their logged partitionValues); `partitionFilters` keep only
 *   matching partitions (compared on the logged strings, null = the null partition).
 * - compact (bin-pack): per partition, files smaller than the target, smallest first, are packed
 *   greedily into bins of at most `targetBytes`; bins of one file are dropped (rewriting one file
 *   gains nothing), so a partition with fewer than two small files is skipped.
 * - zorder: every file of each partition forms one bin (clustering needs all rows together), as
 *   in Delta, even a single file.
 * - keyed compact (`keyed`, a keyed table without ZORDER BY): every file of a partition forms one
 *   bin, re-cut into key-range files — only partitions keyed-optimize-plan.ts says need it.
 */
import { AppError } from '../errors/index.ts';
import type { ActiveFile } from '../delta/snapshot.ts';
import { quoteLiteral } from '../exec/sql-quote.ts';
import { keyedPartitionNeedsRewrite, type KeyedCompact } from './keyed-optimize-plan.ts';

export const PARTITION_FILTER_OPS = ['=', '!=', 'in', 'not in'] as const;
export type PartitionFilterOp = (typeof PARTITION_FILTER_OPS)[number];

export interface PartitionFilter {
  readonly column: string;
  readonly op: PartitionFilterOp;
  /** A logged partition value (string) or null; a list for `in` / `not in`. */
  readonly value: string | null | readonly (string | null)[];
}

export interface OptimizeBin {
  readonly partition: string;
  readonly files: readonly ActiveFile[];
}

export interface OptimizePlan {
  readonly bins: OptimizeBin[];
  readonly totalConsideredFiles: number;
  readonly partitionsOptimized: number;
  /** Delta's `predicate` parameter: the filters as SQL text. */
  readonly predicate: string[];
}

function matches(filter: PartitionFilter, value: string | null): boolean {
  const list = Array.isArray(filter.value) ? (filter.value as readonly (string | null)[]) : [filter.value as string | null];
  const hit = list.some((v) => v === value);
  return filter.op === '=' || filter.op === 'in' ? hit : !hit;
}

function renderFilter(f: PartitionFilter): string {
  const lit = (v: string | null): string => (v === null ? 'NULL' : quoteLiteral(v));
  const col = `"${f.column.replaceAll('"', '""')}"`;
  if (Array.isArray(f.value)) return `${col} ${f.op.toUpperCase()} (${(f.value as readonly (string | null)[]).map(lit).join(', ')})`;
  const v = f.value as string | null;
  if (v === null) return `${col} IS ${f.op === '=' ? '' : 'NOT '}NULL`;
  return `${col} ${f.op} ${lit(v)}`;
}

export function validatePartitionFilters(filters: readonly PartitionFilter[], partitionColumns: readonly string[]): void {
  for (const f of filters) {
    if (!partitionColumns.includes(f.column)) {
      throw new AppError('ERR_BAD_REQUEST', `Partition filter on "${f.column}": OPTIMIZE filters only on partition columns (${partitionColumns.length > 0 ? partitionColumns.join(', ') : 'the table has none'}).`, { column: f.column });
    }
    if (!(PARTITION_FILTER_OPS as readonly string[]).includes(f.op)) {
      throw new AppError('ERR_BAD_REQUEST', `Partition filter operator ${JSON.stringify(f.op)} is not supported; use one of ${PARTITION_FILTER_OPS.join(', ')}.`, { op: f.op });
    }
    if (Array.isArray(f.value) !== (f.op === 'in' || f.op === 'not in')) {
      throw new AppError('ERR_BAD_REQUEST', `Partition filter "${f.column} ${f.op}" needs ${f.op.endsWith('in') ? 'a list of values' : 'a single value'}.`, { column: f.column });
    }
  }
}

export function planOptimize(
  files: readonly ActiveFile[],
  partitionColumns: readonly string[],
  opts: { readonly targetBytes: number; readonly zorder: boolean; readonly partitionFilters: readonly PartitionFilter[]; readonly keyed?: KeyedCompact },
): OptimizePlan {
  validatePartitionFilters(opts.partitionFilters, partitionColumns);
  const partitions = new Map<string, ActiveFile[]>();
  for (const f of files) {
    const pv = f.add.partitionValues ?? {};
    if (!opts.partitionFilters.every((flt) => matches(flt, pv[flt.column] ?? null))) continue;
    const key = JSON.stringify(partitionColumns.map((c) => pv[c] ?? null));
    const list = partitions.get(key) ?? [];
    list.push(f);
    partitions.set(key, list);
  }
  const bins: OptimizeBin[] = [];
  let totalConsideredFiles = 0;
  let partitionsOptimized = 0;
  for (const [partition, list] of partitions) {
    totalConsideredFiles += list.length;
    const partBins = opts.zorder ? [list] : opts.keyed !== undefined ? (keyedPartitionNeedsRewrite(list, opts.keyed) ? [list] : []) : binPack(list, opts.targetBytes);
    if (partBins.length > 0) partitionsOptimized++;
    for (const b of partBins) bins.push({ partition, files: b });
  }
  return { bins, totalConsideredFiles, partitionsOptimized, predicate: opts.partitionFilters.map(renderFilter) };
}

function binPack(files: readonly ActiveFile[], targetBytes: number): ActiveFile[][] {
  const small = files.filter((f) => f.add.size < targetBytes).sort((a, b) => a.add.size - b.add.size || a.key.localeCompare(b.key));
  const bins: ActiveFile[][] = [];
  let current: ActiveFile[] = [];
  let bytes = 0;
  for (const f of small) {
    if (current.length > 0 && bytes + f.add.size > targetBytes) {
      bins.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.add.size;
  }
  if (current.length > 0) bins.push(current);
  return bins.filter((b) => b.length > 1);
}

/**
 * Concatenates the partial rows of a FEDERATED_SCAN, keeping only the first `k` rows under the
 * ORDER BY when the plan allows a bounded top-k (plan/split-scan.ts `topK`). FINAL SQL still
 * applies DISTINCT, ORDER BY, LIMIT and OFFSET exactly; this only bounds memory.
 *
 * Invariants: every job's columns must match the first job's (same names, same order), since the
 * rows become one relation; sort keys name partial columns.
 */
import type { ColumnSpec, MergedRows } from './group-reducer.ts';
import { createTopK, rowComparator, type Row, type SortKey, type TopK } from './top-k.ts';
import type { ReduceValue } from './value.ts';

export interface ScanTopK {
  readonly k: number;
  readonly keys: readonly (Omit<SortKey, 'index'> & { readonly column: string })[];
}

export interface ScanMerger {
  add(columns: readonly ColumnSpec[], rows: readonly (readonly ReduceValue[])[]): void;
  finalize(): MergedRows;
}

export function createScanMerger(topK: ScanTopK | undefined): ScanMerger {
  let columns: ColumnSpec[] | undefined;
  let heap: TopK | undefined;
  const rows: Row[] = [];
  return {
    add(cols, partial) {
      if (columns === undefined) {
        columns = [...cols];
        if (topK !== undefined) {
          const keys = topK.keys.map((k) => ({ ...k, index: cols.findIndex((c) => c.name === k.column) }));
          const missing = keys.find((k) => k.index < 0);
          if (missing !== undefined) throw new TypeError(`partial result has no sort column ${JSON.stringify(missing.column)}`);
          heap = createTopK(topK.k, rowComparator(keys));
        }
      } else if (cols.length !== columns.length || cols.some((c, i) => c.name !== columns![i]!.name)) {
        throw new TypeError('partial results of one scan disagree on their columns');
      }
      for (const r of partial) {
        if (heap !== undefined) heap.push(r);
        else rows.push(r);
      }
    },
    finalize() {
      return { columns: columns ?? [], rows: (heap?.result() ?? rows).map((r) => [...r]) };
    },
  };
}

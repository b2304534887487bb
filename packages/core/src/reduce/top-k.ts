/**
 * Top-k: the first k rows under an ORDER BY, kept in a bounded binary heap whose root is the
 * current worst row, so merging n rows costs O(n log k) and memory stays O(k). Used to merge the
 * per-partition ORDER BY … LIMIT outputs of FEDERATED_SCAN. Null order follows DuckDB's default
 * (NULLS LAST for both ASC and DESC) unless a key says otherwise.
 */
import { compareValues, type ReduceValue } from './value.ts';

export interface SortKey {
  readonly index: number;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export type Row = readonly ReduceValue[];

export function rowComparator(keys: readonly SortKey[]): (a: Row, b: Row) => number {
  return (a, b) => {
    for (const k of keys) {
      const x = a[k.index] ?? null;
      const y = b[k.index] ?? null;
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === k.nullsFirst ? -1 : 1;
      }
      const c = compareValues(x, y);
      if (c !== 0) return k.descending ? -c : c;
    }
    return 0;
  };
}

export interface TopK {
  push(row: Row): void;
  /** The kept rows, best first. */
  result(): Row[];
}

export function createTopK(k: number, compare: (a: Row, b: Row) => number): TopK {
  const heap: Row[] = [];
  // Max-heap on `compare`: heap[0] is the row that leaves first.
  const above = (i: number, j: number): boolean => compare(heap[i]!, heap[j]!) > 0;
  const swap = (i: number, j: number): void => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const up = (i: number): void => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!above(i, p)) return;
      swap(i, p);
      i = p;
    }
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && above(l, m)) m = l;
      if (r < heap.length && above(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  return {
    push(row) {
      if (k <= 0) return;
      if (heap.length < k) {
        heap.push(row);
        up(heap.length - 1);
      } else if (compare(row, heap[0]!) < 0) {
        heap[0] = row;
        down(0);
      }
    },
    result() {
      return [...heap].sort(compare);
    },
  };
}

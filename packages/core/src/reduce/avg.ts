/**
 * AVG as (sum, count) of the non-null inputs; finalized as a double like DuckDB's avg (DOUBLE for
 * integer, decimal and double inputs). `scale` divides a decimal's unscaled sum.
 */
import { countOf, mergeCount, type CountState } from './count.ts';
import { mergeSum, sumOf, type SumState } from './sum.ts';
import type { ReduceValue } from './value.ts';

export interface AvgState {
  readonly sum: SumState;
  readonly count: CountState;
}

export const emptyAvg: AvgState = { sum: null, count: 0n };

export function avgOf(values: readonly ReduceValue[]): AvgState {
  return { sum: sumOf(values), count: countOf(values) };
}

export function mergeAvg(a: AvgState, b: AvgState): AvgState {
  return { sum: mergeSum(a.sum, b.sum), count: mergeCount(a.count, b.count) };
}

export function finalizeAvg(s: AvgState, scale = 0): number | null {
  if (s.count === 0n || s.sum === null) return null;
  if (typeof s.sum === 'bigint') {
    // Exact integer division first keeps precision for sums far beyond 2^53.
    const q = s.sum / s.count;
    const r = s.sum - q * s.count;
    return (Number(q) + Number(r) / Number(s.count)) / 10 ** scale;
  }
  return s.sum / Number(s.count) / 10 ** scale;
}

/**
 * SUM: null-ignoring addition. Integers (DuckDB sums them as HUGEINT) and decimals (unscaled
 * bigint at the column's scale) add exactly as bigint; doubles add as IEEE doubles, so a federated
 * double sum equals DuckDB's only up to rounding (the addition order differs; documented in
 * docs/design/query-planning.md). NULL means "no non-null input" (SQL SUM of nothing is NULL).
 */
import type { ReduceValue } from './value.ts';

export type SumState = number | bigint | null;

export const emptySum: SumState = null;

export function mergeSum(a: SumState, b: SumState): SumState {
  if (a === null) return b;
  if (b === null) return a;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  return Number(a) + Number(b);
}

export function sumOf(values: readonly ReduceValue[]): SumState {
  let s: SumState = null;
  for (const v of values) if (v !== null) s = mergeSum(s, v as number | bigint);
  return s;
}

export function sumFromPartial(v: ReduceValue): SumState {
  if (v === null || typeof v === 'number' || typeof v === 'bigint') return v;
  throw new TypeError(`a partial sum must be numeric, got ${typeof v}`);
}

/**
 * ANY_VALUE: some non-null input (DuckDB's any_value skips NULLs). Which one is unspecified in SQL;
 * the merge keeps the left one, so it is associative but only commutative up to that choice.
 */
import type { ReduceValue } from './value.ts';

export function mergeAnyValue(a: ReduceValue, b: ReduceValue): ReduceValue {
  return a === null ? b : a;
}

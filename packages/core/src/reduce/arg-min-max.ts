/**
 * ARG_MIN / ARG_MAX(arg, key): the arg of the row with the smallest/largest key. DuckDB skips rows
 * whose arg or key is NULL, so the partial carries the key of the chosen row
 * (`min(key) FILTER (WHERE arg IS NOT NULL AND key IS NOT NULL)`). Ties pick either row, as in DuckDB.
 */
import { compareValues, type ReduceValue } from './value.ts';

export interface ArgState {
  readonly arg: ReduceValue;
  readonly key: ReduceValue;
}

export const emptyArg: ArgState = { arg: null, key: null };

export function mergeArgMin(a: ArgState, b: ArgState): ArgState {
  if (a.key === null) return b;
  if (b.key === null) return a;
  return compareValues(b.key, a.key) < 0 ? b : a;
}

export function mergeArgMax(a: ArgState, b: ArgState): ArgState {
  if (a.key === null) return b;
  if (b.key === null) return a;
  return compareValues(b.key, a.key) > 0 ? b : a;
}

/** BOOL_AND / BOOL_OR: null-ignoring logical folds (NULL when no non-null input). */
import type { ReduceValue } from './value.ts';

export type BoolState = boolean | null;

export function mergeBoolAnd(a: BoolState, b: BoolState): BoolState {
  if (a === null) return b;
  if (b === null) return a;
  return a && b;
}

export function mergeBoolOr(a: BoolState, b: BoolState): BoolState {
  if (a === null) return b;
  if (b === null) return a;
  return a || b;
}

export function boolFromPartial(v: ReduceValue): BoolState {
  if (v === null || typeof v === 'boolean') return v;
  throw new TypeError(`a partial bool_and/bool_or must be boolean, got ${typeof v}`);
}

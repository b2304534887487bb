/**
 * SINGLE: the value of an aggregate computed completely inside one partition. Valid only when the
 * GROUP BY keys include every partition column, so each group lives in exactly one partition and
 * any aggregate (count(DISTINCT), median, string_agg, …) is already final there. Seeing a group's
 * value twice means that assumption broke, which is an internal error, never a silent merge.
 */
import { AppError } from '../errors/index.ts';
import type { ReduceValue } from './value.ts';

export interface SingleState {
  readonly present: boolean;
  readonly value: ReduceValue;
}

export const emptySingle: SingleState = { present: false, value: null };

export function mergeSingle(a: SingleState, b: SingleState): SingleState {
  if (a.present && b.present) {
    throw new AppError('ERR_INTERNAL', 'A partition-aligned group arrived from two partial results; the plan assumed every group lives in one partition.');
  }
  return a.present ? a : b;
}

/** COUNT(*) / COUNT(x): the partial is a count; merging adds. Exact (bigint). */
import type { ReduceValue } from './value.ts';

export type CountState = bigint;

export const emptyCount: CountState = 0n;

export function countOf(values: readonly ReduceValue[], star = false): CountState {
  return BigInt(star ? values.length : values.filter((v) => v !== null).length);
}

/** A partial count column value (BIGINT); NULL never occurs but reads as 0. */
export function countFromPartial(v: ReduceValue): CountState {
  return v === null ? 0n : BigInt(v as number | bigint);
}

export function mergeCount(a: CountState, b: CountState): CountState {
  return a + b;
}

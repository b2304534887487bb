/**
 * The vocabulary shared by the planner and the reducer: each MergeKind names how an aggregate's
 * partial columns (produced by the PARTIAL SQL, in the order listed here) turn into a state, merge,
 * and finalize into one value of a known DuckDB type.
 *
 *   count        [count]                       → BIGINT
 *   sum          [sum]                         → the partial's type (HUGEINT, DECIMAL(38,s), DOUBLE)
 *   min, max     [value]                       → the partial's type
 *   avg          [sum, count]                  → DOUBLE
 *   var_*, stddev_* [count, mean, m2, nonFinite] → DOUBLE (count/mean/m2 over finite inputs)
 *   bool_and/or  [value]                       → BOOLEAN
 *   any_value    [value]                       → the partial's type
 *   arg_min/max  [arg, key]                    → the arg's type
 *   single       [value]                       → the partial's type (partition-aligned groups only)
 */
import { emptyArg, mergeArgMax, mergeArgMin, type ArgState } from './arg-min-max.ts';
import { emptyAvg, finalizeAvg, mergeAvg, type AvgState } from './avg.ts';
import { boolFromPartial, mergeBoolAnd, mergeBoolOr } from './bool.ts';
import { countFromPartial, emptyCount, mergeCount } from './count.ts';
import { mergeAnyValue } from './any-value.ts';
import { emptySum, mergeSum, sumFromPartial } from './sum.ts';
import { emptySingle, mergeSingle, type SingleState } from './single-value.ts';
import { maxOf, minOf, type ReduceValue } from './value.ts';
import { emptyWelford, finalizeWelford, mergeWelford, welfordFromPartial, type VarianceKind, type WelfordState } from './welford.ts';

export const MergeKind = {
  COUNT: 'count', SUM: 'sum', MIN: 'min', MAX: 'max', AVG: 'avg',
  VAR_SAMP: 'var_samp', VAR_POP: 'var_pop', STDDEV_SAMP: 'stddev_samp', STDDEV_POP: 'stddev_pop',
  BOOL_AND: 'bool_and', BOOL_OR: 'bool_or', ANY_VALUE: 'any_value', ARG_MIN: 'arg_min', ARG_MAX: 'arg_max',
  SINGLE: 'single',
} as const;
export type MergeKind = (typeof MergeKind)[keyof typeof MergeKind];

export interface KindHandler {
  /** Number of partial columns the kind reads. */
  readonly arity: number;
  readonly init: unknown;
  fromPartial(values: readonly ReduceValue[]): unknown;
  merge(a: unknown, b: unknown): unknown;
  finalize(state: unknown, inputTypes: readonly string[]): ReduceValue;
  outputType(inputTypes: readonly string[]): string;
}

export function decimalScale(type: string): number {
  const m = /^DECIMAL\(\s*\d+\s*,\s*(\d+)\s*\)$/i.exec(type.trim());
  return m ? Number(m[1]) : 0;
}

const first = (types: readonly string[]): string => types[0] ?? 'NULL';

function scalar(merge: (a: ReduceValue, b: ReduceValue) => ReduceValue, from: (v: ReduceValue) => ReduceValue = (v) => v): KindHandler {
  return {
    arity: 1, init: null,
    fromPartial: (vs) => from(vs[0] ?? null),
    merge: (a, b) => merge(a as ReduceValue, b as ReduceValue),
    finalize: (s) => s as ReduceValue,
    outputType: first,
  };
}

function variance(kind: VarianceKind): KindHandler {
  return {
    arity: 4, init: emptyWelford,
    fromPartial: (vs) => welfordFromPartial(vs[0] ?? null, vs[1] ?? null, vs[2] ?? null, vs[3] ?? null),
    merge: (a, b) => mergeWelford(a as WelfordState, b as WelfordState),
    finalize: (s) => finalizeWelford(s as WelfordState, kind),
    outputType: () => 'DOUBLE',
  };
}

function arg(merge: (a: ArgState, b: ArgState) => ArgState): KindHandler {
  return {
    arity: 2, init: emptyArg,
    fromPartial: (vs) => ({ arg: vs[0] ?? null, key: vs[1] ?? null }),
    merge: (a, b) => merge(a as ArgState, b as ArgState),
    finalize: (s) => (s as ArgState).arg,
    outputType: first,
  };
}

export const KIND_HANDLERS: Readonly<Record<MergeKind, KindHandler>> = {
  count: {
    arity: 1, init: emptyCount,
    fromPartial: (vs) => countFromPartial(vs[0] ?? null),
    merge: (a, b) => mergeCount(a as bigint, b as bigint),
    finalize: (s) => s as bigint,
    outputType: () => 'BIGINT',
  },
  sum: { ...scalar((a, b) => mergeSum(a as number | bigint | null, b as number | bigint | null), sumFromPartial), init: emptySum },
  min: scalar(minOf),
  max: scalar(maxOf),
  avg: {
    arity: 2, init: emptyAvg,
    fromPartial: (vs) => ({ sum: sumFromPartial(vs[0] ?? null), count: countFromPartial(vs[1] ?? null) }),
    merge: (a, b) => mergeAvg(a as AvgState, b as AvgState),
    finalize: (s, types) => finalizeAvg(s as AvgState, decimalScale(first(types))),
    outputType: () => 'DOUBLE',
  },
  var_samp: variance('var_samp'),
  var_pop: variance('var_pop'),
  stddev_samp: variance('stddev_samp'),
  stddev_pop: variance('stddev_pop'),
  bool_and: { ...scalar((a, b) => mergeBoolAnd(a as boolean | null, b as boolean | null), boolFromPartial), outputType: () => 'BOOLEAN' },
  bool_or: { ...scalar((a, b) => mergeBoolOr(a as boolean | null, b as boolean | null), boolFromPartial), outputType: () => 'BOOLEAN' },
  any_value: scalar(mergeAnyValue),
  arg_min: arg(mergeArgMin),
  arg_max: arg(mergeArgMax),
  single: {
    arity: 1, init: emptySingle,
    fromPartial: (vs) => ({ present: true, value: vs[0] ?? null }),
    merge: (a, b) => mergeSingle(a as SingleState, b as SingleState),
    finalize: (s) => (s as SingleState).value,
    outputType: first,
  },
};

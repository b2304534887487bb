/**
 * How each mergeable aggregate call becomes partial aggregate calls (run per partition) and a
 * MergeKind (reduce/aggregate-kinds.ts). Anything missing here cannot be merged exactly and makes
 * the planner fall back: distinct counts and sums, quantiles, string/list aggregates whose result
 * depends on row order, approximate sketches (never substituted for an exact answer).
 */
import type { MergeKind } from '../reduce/index.ts';
import { allOf, functionCall, type Expr, type FunctionExpr } from './select-ast.ts';

export interface Recipe {
  readonly kind: MergeKind;
  /** Partial aggregate calls, in the column order the MergeKind reads. */
  readonly partials: readonly Expr[];
}

const isNotNull = (e: Expr): Expr => ({ class: 'OPERATOR', type: 'OPERATOR_IS_NOT_NULL', alias: '', children: [e] });

/** Aggregates whose value ignores DISTINCT (so `min(DISTINCT x)` merges like `min(x)`). */
const DISTINCT_INSENSITIVE = new Set(['min', 'max', 'bool_and', 'bool_or', 'any_value']);

const VARIANCE: Record<string, MergeKind> = {
  var_samp: 'var_samp', variance: 'var_samp', var_pop: 'var_pop',
  stddev_samp: 'stddev_samp', stddev: 'stddev_samp', stddev_pop: 'stddev_pop',
};
const ARG: Record<string, { kind: MergeKind; key: string; name: string }> = {
  arg_min: { kind: 'arg_min', key: 'min', name: 'arg_min' }, argmin: { kind: 'arg_min', key: 'min', name: 'arg_min' }, min_by: { kind: 'arg_min', key: 'min', name: 'arg_min' },
  arg_max: { kind: 'arg_max', key: 'max', name: 'arg_max' }, argmax: { kind: 'arg_max', key: 'max', name: 'arg_max' }, max_by: { kind: 'arg_max', key: 'max', name: 'arg_max' },
};
const SAME: Record<string, MergeKind> = { sum: 'sum', min: 'min', max: 'max', bool_and: 'bool_and', bool_or: 'bool_or', any_value: 'any_value' };

/** Names whose argument must be numeric (checked against column types when the argument is a column). */
export const NUMERIC_ARGUMENT = new Set(['sum', 'avg', 'mean', ...Object.keys(VARIANCE)]);

/** The recipe for one aggregate call, or the reason it cannot be merged exactly. */
export function recipeFor(call: FunctionExpr): Recipe | { reason: string } {
  const name = call.function_name.toLowerCase();
  const args = call.children;
  const label = `${name}()`;
  if (call.order_bys.orders.length > 0) return { reason: `${label} with ORDER BY inside the call cannot be merged across partitions` };
  if (call.export_state === true) return { reason: `${label} EXPORT_STATE cannot be merged across partitions` };
  if (call.distinct && !DISTINCT_INSENSITIVE.has(name)) return { reason: `${name}(DISTINCT …) cannot be merged exactly across partitions` };
  const f = call.filter;
  const agg = (fn: string, children: readonly Expr[], filter: Expr | null = f): FunctionExpr => functionCall(fn, children, { filter, distinct: call.distinct });
  if (name === 'count_star' || (name === 'count' && args.length === 0)) return { kind: 'count', partials: [agg('count_star', [])] };
  const [x, y] = args;
  if (name === 'count' && args.length === 1 && x) return { kind: 'count', partials: [agg('count', [x])] };
  const same = SAME[name];
  if (same !== undefined && args.length === 1 && x) return { kind: same, partials: [agg(name, [x])] };
  if ((name === 'avg' || name === 'mean') && args.length === 1 && x) return { kind: 'avg', partials: [agg('sum', [x]), agg('count', [x])] };
  const variance = VARIANCE[name];
  if (variance !== undefined && args.length === 1 && x) {
    // Non-finite inputs are counted apart: DuckDB's var_pop fails on them, and a partition must
    // not fail where the whole table would return NULL (reduce/welford.ts decides like DuckDB).
    const isFinite = functionCall('isfinite', [x]);
    const finite = allOf([...(f === null ? [] : [f]), isFinite]);
    const nonFinite = allOf([...(f === null ? [] : [f]), { class: 'OPERATOR', type: 'OPERATOR_NOT', alias: '', children: [isFinite] }]);
    const m2 = functionCall('*', [agg('var_pop', [x], finite), agg('count', [x], finite)], { is_operator: true });
    return { kind: variance, partials: [agg('count', [x], finite), agg('avg', [x], finite), m2, agg('count', [x], nonFinite)] };
  }
  const arg = ARG[name];
  if (arg !== undefined && args.length === 2 && x && y) {
    // DuckDB's arg_min skips rows whose arg or key is NULL: the key partial must see the same rows.
    const keyFilter = allOf([...(f === null ? [] : [f]), isNotNull(x), isNotNull(y)]);
    return { kind: arg.kind, partials: [agg(arg.name, [x, y]), agg(arg.key, [y], keyFilter)] };
  }
  if (name.startsWith('approx_') || name.startsWith('reservoir_')) return { reason: `${label} is approximate; the federated plan never substitutes an approximation, so the query runs on a single node` };
  return { reason: `${label} cannot be merged exactly across partitions (${args.length} argument(s))` };
}

/**
 * Aggregates with an ordinary scalar result that may run whole inside one partition when every
 * group lives in one partition (GROUP BY covers all partition columns). Approximate sketches stay
 * out: per-partition sketches would not equal the single-node approximation.
 */
const WHOLE_GROUP = new Set([
  'count', 'count_star', 'sum', 'avg', 'mean', 'min', 'max', 'median', 'quantile', 'quantile_cont', 'quantile_disc', 'mode',
  'string_agg', 'group_concat', 'listagg', 'product', 'entropy', 'kurtosis', 'kurtosis_pop', 'skewness', 'corr', 'covar_pop',
  'covar_samp', 'regr_slope', 'regr_intercept', 'regr_r2', 'regr_count', 'regr_avgx', 'regr_avgy', 'regr_sxx', 'regr_syy',
  'regr_sxy', 'bit_and', 'bit_or', 'bit_xor', 'first', 'last', 'arbitrary', 'any_value', 'favg', 'fsum', 'sumkahan', 'kahan_sum',
  'bool_and', 'bool_or', 'var_samp', 'var_pop', 'variance', 'stddev', 'stddev_samp', 'stddev_pop', 'arg_min', 'arg_max',
  'argmin', 'argmax', 'min_by', 'max_by', 'sem', 'mad',
]);

/** The whole-group recipe for a partition-aligned query, or undefined when the call may not run whole. */
export function wholeGroupRecipe(call: FunctionExpr): Recipe | undefined {
  const name = call.function_name.toLowerCase();
  if (!WHOLE_GROUP.has(name) || call.export_state === true) return undefined;
  // A list of quantiles (or a min/max/arg_min with a count) returns a LIST, which partials do not carry.
  const listArg = call.children.slice(1).some((c) => c.class === 'FUNCTION' && c.function_name === 'list_value');
  if (listArg || ((name === 'min' || name === 'max') && call.children.length > 1) || (name.startsWith('arg') && call.children.length > 2)) return undefined;
  return { kind: 'single', partials: [call] };
}

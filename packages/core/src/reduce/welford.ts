/**
 * Variance and standard deviation as Welford states {n, mean, m2} (m2 = Σ(x − mean)²) over the
 * finite inputs, merged with Chan et al.'s parallel formula (exact in real arithmetic, stable in
 * floating point), plus a count of non-finite inputs (NaN, ±Infinity).
 *
 * Finalization follows DuckDB: var_samp/stddev_samp are NULL below 2 values; var_pop/stddev_pop
 * NULL for none and 0 for one; otherwise a non-finite input or result is an error
 * ("VARPOP is out of range!" in DuckDB), raised here as ERR_SQL_EXECUTION. Non-finite inputs are
 * kept out of the partial state so that a partition never fails where the whole table would not.
 */
import { AppError } from '../errors/index.ts';
import type { ReduceValue } from './value.ts';

export interface WelfordState {
  readonly n: number;
  readonly mean: number;
  readonly m2: number;
  readonly nonFinite: number;
}

export const emptyWelford: WelfordState = { n: 0, mean: 0, m2: 0, nonFinite: 0 };

export function mergeWelford(a: WelfordState, b: WelfordState): WelfordState {
  const nonFinite = a.nonFinite + b.nonFinite;
  if (a.n === 0) return { ...b, nonFinite };
  if (b.n === 0) return { ...a, nonFinite };
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n, nonFinite };
}

/** One pass of Welford's update over raw values (nulls skipped). */
export function welfordOf(values: readonly ReduceValue[]): WelfordState {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  let nonFinite = 0;
  for (const v of values) {
    if (v === null) continue;
    const x = Number(v);
    if (!Number.isFinite(x)) {
      nonFinite++;
      continue;
    }
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  return { n, mean, m2, nonFinite };
}

/**
 * The partial DuckDB computes per partition over the finite inputs — count(x), avg(x),
 * var_pop(x) * count(x) — and count(x) over the non-finite ones.
 */
export function welfordFromPartial(n: ReduceValue, mean: ReduceValue, m2: ReduceValue, nonFinite: ReduceValue): WelfordState {
  const count = n === null ? 0 : Number(n);
  const bad = nonFinite === null ? 0 : Number(nonFinite);
  if (count === 0) return { ...emptyWelford, nonFinite: bad };
  return { n: count, mean: Number(mean), m2: m2 === null ? 0 : Number(m2), nonFinite: bad };
}

export const VarianceKind = {
  VAR_SAMP: 'var_samp',
  VAR_POP: 'var_pop',
  STDDEV_SAMP: 'stddev_samp',
  STDDEV_POP: 'stddev_pop',
} as const;
export type VarianceKind = (typeof VarianceKind)[keyof typeof VarianceKind];

export function finalizeWelford(s: WelfordState, kind: VarianceKind): number | null {
  const total = s.n + s.nonFinite;
  const sample = kind === 'var_samp' || kind === 'stddev_samp';
  if (total < (sample ? 2 : 1)) return null;
  if (!sample && total === 1) return 0;
  const variance = s.m2 / (sample ? s.n - 1 : s.n);
  const value = kind.startsWith('stddev') ? Math.sqrt(variance) : variance;
  if (s.nonFinite > 0 || !Number.isFinite(value)) {
    throw new AppError('ERR_SQL_EXECUTION', `${kind.toUpperCase()} is out of range: its input holds NaN or Infinity, or the result overflows a DOUBLE. Filter those values out or cast to a narrower range.`, { aggregate: kind });
  }
  return value;
}

/**
 * Variance and standard deviation as Welford states {n, mean, m2} (m2 = Σ(x − mean)²), merged with
 * Chan et al.'s parallel formula, which is exact in real arithmetic and stable in floating point.
 * Finalization follows DuckDB: var_samp/stddev_samp are NULL below 2 values, var_pop/stddev_pop
 * NULL for none.
 */
import type { ReduceValue } from './value.ts';

export interface WelfordState {
  readonly n: number;
  readonly mean: number;
  readonly m2: number;
}

export const emptyWelford: WelfordState = { n: 0, mean: 0, m2: 0 };

export function mergeWelford(a: WelfordState, b: WelfordState): WelfordState {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n };
}

/** One pass of Welford's update over raw values (nulls skipped). */
export function welfordOf(values: readonly ReduceValue[]): WelfordState {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const v of values) {
    if (v === null) continue;
    const x = Number(v);
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  return { n, mean, m2 };
}

/** The partial DuckDB computes per partition: count(x), avg(x), var_pop(x) * count(x). */
export function welfordFromPartial(n: ReduceValue, mean: ReduceValue, m2: ReduceValue): WelfordState {
  const count = n === null ? 0 : Number(n);
  if (count === 0) return emptyWelford;
  return { n: count, mean: Number(mean), m2: m2 === null ? 0 : Number(m2) };
}

export const VarianceKind = {
  VAR_SAMP: 'var_samp',
  VAR_POP: 'var_pop',
  STDDEV_SAMP: 'stddev_samp',
  STDDEV_POP: 'stddev_pop',
} as const;
export type VarianceKind = (typeof VarianceKind)[keyof typeof VarianceKind];

export function finalizeWelford(s: WelfordState, kind: VarianceKind): number | null {
  switch (kind) {
    case 'var_samp': return s.n < 2 ? null : s.m2 / (s.n - 1);
    case 'var_pop': return s.n < 1 ? null : s.m2 / s.n;
    case 'stddev_samp': return s.n < 2 ? null : Math.sqrt(s.m2 / (s.n - 1));
    case 'stddev_pop': return s.n < 1 ? null : Math.sqrt(s.m2 / s.n);
  }
}

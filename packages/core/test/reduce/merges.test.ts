import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  avgOf, compareStrings, compareValues, countOf, emptyWelford, finalizeAvg, finalizeWelford, KIND_HANDLERS, maxOf,
  mergeAvg, mergeBoolAnd, mergeBoolOr, mergeCount, mergeSum, mergeWelford, minOf, sumOf, welfordOf,
  type ReduceValue, type WelfordState,
} from '../../src/reduce/index.ts';

const SEED = 20261122;
const runs = { seed: SEED, numRuns: 200 };

/** Split `xs` at the given cut points into contiguous chunks (possibly empty). */
function chunks<T>(xs: readonly T[], cuts: readonly number[]): T[][] {
  const points = [...new Set(cuts.map((c) => c % (xs.length + 1)))].sort((a, b) => a - b);
  const out: T[][] = [];
  let prev = 0;
  for (const p of points) {
    out.push(xs.slice(prev, p));
    prev = p;
  }
  out.push(xs.slice(prev));
  return out;
}

const relClose = (a: number, b: number, tol = 1e-9): boolean => a === b || Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

const nullable = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arb, { nil: null, freq: 5 });
const bigints = fc.array(nullable(fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n })), { maxLength: 60 });
const doubles = fc.array(nullable(fc.double({ min: -1e6, max: 1e6, noNaN: true })), { maxLength: 60 });
const cuts = fc.array(fc.nat(), { maxLength: 6 });

describe('exact merges (count, integer/decimal sum, min, max, bool)', () => {
  it('count and bigint sum: merging chunk partials equals computing over all rows', () => {
    fc.assert(fc.property(bigints, cuts, (xs, cs) => {
      const parts = chunks(xs, cs);
      expect(parts.map((p) => countOf(p)).reduce(mergeCount, 0n)).toBe(countOf(xs));
      expect(parts.map((p) => sumOf(p)).reduce(mergeSum, null)).toBe(sumOf(xs));
    }), runs);
  });

  it('sum of integers beyond 2^64 stays exact (HUGEINT partials)', () => {
    const big = 2n ** 100n;
    expect(mergeSum(mergeSum(big, big), -1n)).toBe(2n ** 101n - 1n);
    expect(mergeSum(null, null)).toBeNull();
  });

  it('min/max/bool merges are associative and commutative', () => {
    const vals = fc.array(nullable(fc.oneof(fc.integer(), fc.constant(Number.NaN), fc.double())), { minLength: 3, maxLength: 3 });
    fc.assert(fc.property(vals, ([a = null, b = null, c = null]) => {
      for (const m of [minOf, maxOf]) {
        const l = m(m(a, b), c);
        const r = m(a, m(b, c));
        expect(Object.is(l, r) || (l !== null && r !== null && compareValues(l, r) === 0)).toBe(true);
        const ab = m(a, b);
        const ba = m(b, a);
        expect(ab === ba || (ab !== null && ba !== null && compareValues(ab, ba) === 0)).toBe(true);
      }
    }), runs);
    const bools = fc.array(nullable(fc.boolean()), { minLength: 3, maxLength: 3 });
    fc.assert(fc.property(bools, ([a = null, b = null, c = null]) => {
      for (const m of [mergeBoolAnd, mergeBoolOr]) {
        expect(m(m(a, b), c)).toBe(m(a, m(b, c)));
        expect(m(a, b)).toBe(m(b, a));
      }
    }), runs);
  });

  it('orders NaN above every double and strings by code point like DuckDB', () => {
    expect(maxOf(Number.NaN, Number.POSITIVE_INFINITY)).toBeNaN();
    expect(minOf(Number.NaN, 1)).toBe(1);
    // U+FF5E (one UTF-16 unit) sorts below U+1F600 (a surrogate pair) by code point, not by code unit.
    expect(compareStrings('\uff5e', '\u{1f600}')).toBeLessThan(0);
    expect('\uff5e' < '\u{1f600}').toBe(false);
    expect(compareStrings('a', 'ab')).toBeLessThan(0);
    expect(compareValues(3n, 2.5)).toBeGreaterThan(0);
    expect(compareValues(2n ** 60n + 1n, 2 ** 60)).toBeGreaterThan(0);
  });

  it('string min/max over chunks equals the code-point extreme of all rows', () => {
    const strs = fc.array(nullable(fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 30 });
    fc.assert(fc.property(strs, cuts, (xs, cs) => {
      const parts = chunks(xs, cs).map((p) => p.reduce<ReduceValue>(minOf, null));
      const expected = xs.filter((x): x is string => x !== null).sort(compareStrings)[0] ?? null;
      expect(parts.reduce(minOf, null)).toBe(expected);
    }), runs);
  });
});

describe('floating merges (double sum, avg, Welford)', () => {
  it('double sum and avg over chunks match the whole within 1e-9 relative', () => {
    fc.assert(fc.property(doubles, cuts, (xs, cs) => {
      const parts = chunks(xs, cs);
      const merged = parts.map((p) => sumOf(p)).reduce(mergeSum, null);
      const whole = sumOf(xs);
      if (whole === null) expect(merged).toBeNull();
      else expect(relClose(Number(merged), Number(whole), 1e-9) || Math.abs(Number(merged) - Number(whole)) < 1e-6).toBe(true);
      const avg = finalizeAvg(parts.map(avgOf).reduce(mergeAvg));
      const direct = finalizeAvg(avgOf(xs));
      if (direct === null) expect(avg).toBeNull();
      else expect(Math.abs(avg! - direct)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(direct)) + 1e-6);
    }), runs);
  });

  it('avg of a decimal (unscaled bigint sum) divides by the scale; huge integer sums keep precision', () => {
    expect(finalizeAvg({ sum: 1050n, count: 4n }, 2)).toBe(2.625);
    expect(finalizeAvg({ sum: 2n ** 80n + 3n, count: 2n ** 27n })).toBe(2 ** 53);
    expect(finalizeAvg({ sum: null, count: 0n })).toBeNull();
  });

  it("Welford merged with Chan's formula equals a two-pass variance within 1e-9 relative", () => {
    const offset = fc.double({ min: -1e6, max: 1e6, noNaN: true });
    fc.assert(fc.property(doubles, cuts, offset, (raw, cs, off) => {
      const xs = raw.map((x) => (x === null ? null : x + off));
      const merged = chunks(xs, cs).map(welfordOf).reduce(mergeWelford, emptyWelford);
      const vs = xs.filter((x): x is number => x !== null);
      expect(merged.n).toBe(vs.length);
      if (vs.length === 0) {
        expect(finalizeWelford(merged, 'var_pop')).toBeNull();
        return;
      }
      const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
      const m2 = vs.reduce((a, x) => a + (x - mean) ** 2, 0);
      expect(relClose(merged.m2, m2, 1e-9) || Math.abs(merged.m2 - m2) <= 1e-9 * vs.reduce((a, x) => a + x * x, 0)).toBe(true);
      expect(relClose(merged.mean, mean, 1e-9) || Math.abs(merged.mean - mean) < 1e-9 * Math.max(...vs.map(Math.abs))).toBe(true);
      if (vs.length < 2) expect(finalizeWelford(merged, 'var_samp')).toBeNull();
      else expect(relClose(finalizeWelford(merged, 'stddev_samp')!, Math.sqrt(m2 / (vs.length - 1)), 1e-6) || m2 < 1e-12).toBe(true);
    }), runs);
  });

  it('follows DuckDB for NaN/Infinity: NULL or 0 below the count threshold, an error above it', () => {
    const one = welfordOf([Number.NaN]);
    expect(finalizeWelford(one, 'var_samp')).toBeNull();
    expect(finalizeWelford(one, 'var_pop')).toBe(0);
    const two = mergeWelford(welfordOf([1, null]), welfordOf([Number.POSITIVE_INFINITY]));
    expect(two).toMatchObject({ n: 1, nonFinite: 1 });
    expect(() => finalizeWelford(two, 'stddev_samp')).toThrow(expect.objectContaining({ code: 'ERR_SQL_EXECUTION' }));
    expect(() => finalizeWelford(welfordOf([1e300, -1e300]), 'var_pop')).toThrow(/VAR_POP is out of range/);
    expect(finalizeWelford(welfordOf([1, 2, 3, 4]), 'var_samp')).toBeCloseTo(5 / 3, 12);
  });

  it('Welford merge is associative and commutative (within tolerance)', () => {
    const state = doubles.map(welfordOf);
    fc.assert(fc.property(state, state, state, (a, b, c) => {
      const close = (x: WelfordState, y: WelfordState): void => {
        expect(x.n).toBe(y.n);
        expect(relClose(x.mean, y.mean, 1e-9) || Math.abs(x.mean - y.mean) < 1e-9).toBe(true);
        expect(relClose(x.m2, y.m2, 1e-9) || Math.abs(x.m2 - y.m2) < 1e-3).toBe(true);
      };
      close(mergeWelford(mergeWelford(a, b), c), mergeWelford(a, mergeWelford(b, c)));
      close(mergeWelford(a, b), mergeWelford(b, a));
    }), runs);
  });
});

describe('kind handlers', () => {
  it('arg_min/arg_max keep the arg of the extreme key, ignoring rows without a key', () => {
    const h = KIND_HANDLERS.arg_min;
    const s = [['a', 5], ['b', 2], [null, null], ['c', 9]].map((r) => h.fromPartial(r as ReduceValue[])).reduce((x, y) => h.merge(x, y), h.init);
    expect(h.finalize(s, ['VARCHAR', 'INTEGER'])).toBe('b');
    const m = KIND_HANDLERS.arg_max;
    const t = [['a', 5], ['c', 9], ['b', 2]].map((r) => m.fromPartial(r as ReduceValue[])).reduce((x, y) => m.merge(x, y), m.init);
    expect(m.finalize(t, ['VARCHAR', 'INTEGER'])).toBe('c');
  });

  it('any_value keeps a non-null value; count finalizes to 0 with no input', () => {
    const h = KIND_HANDLERS.any_value;
    expect(h.finalize([null, 'x', 'y'].reduce((a, b) => h.merge(a, h.fromPartial([b])), h.init), ['VARCHAR'])).toBe('x');
    expect(KIND_HANDLERS.count.finalize(KIND_HANDLERS.count.init, ['BIGINT'])).toBe(0n);
    expect(KIND_HANDLERS.avg.outputType(['DECIMAL(38,2)', 'BIGINT'])).toBe('DOUBLE');
    expect(KIND_HANDLERS.sum.outputType(['HUGEINT'])).toBe('HUGEINT');
  });
});

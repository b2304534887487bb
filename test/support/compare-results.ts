/**
 * Compares two results (columns + rows) in their wire encoding: rows of domain values (what core
 * returns) are first encoded by their column types as every adapter does (`@k3/client/sdk`
 * encodeRows, a no-op on rows already encoded). Rows are compared as a multiset unless
 * `ordered` (use it exactly when the query has a top-level ORDER BY that fixes the order). Floats
 * compare exactly unless `tolerance` (relative) is given. The message names the first difference.
 */
import { encodeRows } from '@k3/client/sdk';

function inWireForm(r: ComparableResult): ComparableResult {
  return { columns: r.columns, rows: encodeRows(r.rows, r.columns) };
}

export interface ComparableResult {
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  readonly rows: ReadonlyArray<ReadonlyArray<unknown>>;
}

export interface CompareOptions {
  ordered: boolean;
  /** Relative tolerance for JSON numbers (e.g. 1e-9); exact when absent. */
  tolerance?: number;
  /** Compare column types too (default true). */
  types?: boolean;
}

export interface Comparison {
  equal: boolean;
  message: string;
}

function canonical(v: unknown, tolerance: number | undefined): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'number' && tolerance !== undefined && Number.isFinite(x) && !Number.isInteger(x)) return Number(x.toPrecision(6));
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
      return Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return x;
  });
}

function valuesEqual(a: unknown, b: unknown, tolerance: number | undefined): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
    if (tolerance === undefined) return false;
    return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i], tolerance));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return (
      ka.length === kb.length &&
      ka.every((k, i) => k === kb[i] && valuesEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], tolerance))
    );
  }
  return a === b;
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
};

export function compareResults(actualResult: ComparableResult, expectedResult: ComparableResult, opts: CompareOptions): Comparison {
  const actual = inWireForm(actualResult);
  const expected = inWireForm(expectedResult);
  const names = (r: ComparableResult) => r.columns.map((c) => c.name);
  if (show(names(actual)) !== show(names(expected))) {
    return { equal: false, message: `column names differ: ${show(names(actual))} vs expected ${show(names(expected))}` };
  }
  if (opts.types !== false) {
    const types = (r: ComparableResult) => r.columns.map((c) => c.type);
    if (show(types(actual)) !== show(types(expected))) {
      return { equal: false, message: `column types differ: ${show(types(actual))} vs expected ${show(types(expected))}` };
    }
  }
  if (actual.rows.length !== expected.rows.length) {
    return { equal: false, message: `row count ${actual.rows.length} vs expected ${expected.rows.length}; first rows ${show(actual.rows.slice(0, 3))} vs ${show(expected.rows.slice(0, 3))}` };
  }
  const order = (rows: ComparableResult['rows']) => {
    if (opts.ordered) return rows;
    return [...rows].map((r) => [canonical(r, opts.tolerance), r] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  };
  const a = order(actual.rows);
  const b = order(expected.rows);
  for (let i = 0; i < a.length; i++) {
    if (!valuesEqual(a[i], b[i], opts.tolerance)) {
      return { equal: false, message: `row ${i}${opts.ordered ? '' : ' (after sorting)'} differs: ${show(a[i])} vs expected ${show(b[i])}` };
    }
  }
  return { equal: true, message: 'equal' };
}

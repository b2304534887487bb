/**
 * The values the reducer works on, and their order and identity.
 *
 * A ReduceValue is untyped on purpose: each column carries its DuckDB type text next to the
 * values, and the representation per type is fixed (plan/merged-relation.ts converts both ways):
 * integers up to INTEGER and floating types → number; BIGINT/HUGEINT/UBIGINT → bigint;
 * DECIMAL(p,s) → bigint unscaled value (the scale lives in the type); DATE → number of days since
 * epoch; TIMESTAMP/TIME → bigint microseconds; VARCHAR → string; BLOB → Uint8Array; BOOLEAN → boolean.
 *
 * Order matches DuckDB's default (binary) collation: strings by Unicode code point (UTF-8 byte
 * order), NaN above every other double, false < true, bytes lexicographically.
 */
export type ReduceValue = null | boolean | number | bigint | string | Uint8Array;

/** Code-unit → code-point order fix-up: surrogates (U+D800–DFFF) sort above U+E000–FFFF. */
function codePointUnit(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000;
  if (c >= 0xe000) return c - 0x800;
  return c;
}

export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointUnit(x) - codePointUnit(y);
  }
  return a.length - b.length;
}

function compareNumbers(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return a.length - b.length;
}

/** Total order over two non-null values of one column. Mixed number/bigint compare numerically. */
export function compareValues(a: Exclude<ReduceValue, null>, b: Exclude<ReduceValue, null>): number {
  if (typeof a === 'number' && typeof b === 'number') return compareNumbers(a, b);
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    if (typeof a === 'number' && !Number.isFinite(a)) return compareNumbers(a, 0);
    if (typeof b === 'number' && !Number.isFinite(b)) return compareNumbers(0, b);
    // Both finite: compare exactly through bigint on the integral part, then the fraction.
    const ai = typeof a === 'bigint' ? a : BigInt(Math.floor(a));
    const bi = typeof b === 'bigint' ? b : BigInt(Math.floor(b));
    if (ai !== bi) return ai < bi ? -1 : 1;
    const af = typeof a === 'number' ? a - Math.floor(a) : 0;
    const bf = typeof b === 'number' ? b - Math.floor(b) : 0;
    return compareNumbers(af, bf);
  }
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  throw new TypeError(`cannot compare ${typeof a} with ${typeof b}`);
}

/** Smaller of two values where null means "no value" (SQL min semantics). */
export function minOf(a: ReduceValue, b: ReduceValue): ReduceValue {
  if (a === null) return b;
  if (b === null) return a;
  return compareValues(b, a) < 0 ? b : a;
}

export function maxOf(a: ReduceValue, b: ReduceValue): ReduceValue {
  if (a === null) return b;
  if (b === null) return a;
  return compareValues(b, a) > 0 ? b : a;
}

function encode(v: ReduceValue): string {
  if (v === null) return 'n';
  switch (typeof v) {
    case 'boolean': return v ? 'T' : 'F';
    // -0 and 0 are one group, and so are all NaNs (as in DuckDB's GROUP BY).
    case 'number': return `d${Object.is(v, -0) ? '0' : String(v)}`;
    case 'bigint': return `i${v}`;
    case 'string': return `s${v.length}:${v}`;
    default: return `x${Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
}

/** Identity of a group-key tuple: null-safe (NULL is its own group) and unambiguous across types. */
export function groupKey(values: readonly ReduceValue[]): string {
  return values.map(encode).join('|');
}

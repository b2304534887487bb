/**
 * Point lookups answered in JavaScript, without a DuckDB call (docs/design/hot-path.md, "Point
 * lookups and single-row writes on the AMD box (wip/lookup12)"). Two sources:
 *
 * - a key the warm write-log overlay decides: its row image is DuckDB text (`CAST(v AS VARCHAR)`,
 *   or literal-row.ts's text of the same form); DuckDB's answer is `CAST(text AS <type>)` turned
 *   into domain values (exec/domain-values.ts). For the plain types below that is a pure function
 *   of the text — BigInt / Number of a canonical integer, the string itself, `true` / `false` —
 *   done here; any other text or type returns undefined and DuckDB answers as before;
 * - a decoded Delta file (decoded-file-cache.ts) whose every column is of such a type and whose one
 *   key column is an integer: its rows are held as typed columns sorted by key (one DuckDB read
 *   when it is built, in the background), and a lookup is a binary search.
 *
 * Plain types and their domain values (what `domainValueConverter` gives for the same DuckDB value):
 *   TINYINT … INTEGER, UTINYINT … UINTEGER → number;  BIGINT, UBIGINT → bigint;  VARCHAR → string;
 *   BOOLEAN → boolean;  NULL → null.
 * Result columns are named as DuckDB names them: `*` gives the relation's columns; a listed name
 * binds case-insensitively (ASCII) to exactly one column, whose own name and type text the result
 * carries. Anything else (a non-ASCII name that differs, an ambiguous one) returns undefined.
 */
import type { DuckDBMaterializedResult } from '@duckdb/node-api';
import { duckDBTypeText } from '../exec/duckdb-type-text.ts';
import type { EncodedColumn, EncodedResult } from '../exec/result-encoding.ts';
import type { WalValue } from './record-codec.ts';

type Kind = 'number' | 'bigint' | 'string' | 'boolean';

interface PlainType {
  readonly kind: Kind;
  readonly range?: readonly [bigint, bigint];
}

const PLAIN_TYPES: ReadonlyMap<string, PlainType> = new Map<string, PlainType>([
  ['TINYINT', { kind: 'number', range: [-(2n ** 7n), 2n ** 7n - 1n] }],
  ['SMALLINT', { kind: 'number', range: [-(2n ** 15n), 2n ** 15n - 1n] }],
  ['INTEGER', { kind: 'number', range: [-(2n ** 31n), 2n ** 31n - 1n] }],
  ['UTINYINT', { kind: 'number', range: [0n, 2n ** 8n - 1n] }],
  ['USMALLINT', { kind: 'number', range: [0n, 2n ** 16n - 1n] }],
  ['UINTEGER', { kind: 'number', range: [0n, 2n ** 32n - 1n] }],
  ['BIGINT', { kind: 'bigint', range: [-(2n ** 63n), 2n ** 63n - 1n] }],
  ['UBIGINT', { kind: 'bigint', range: [0n, 2n ** 64n - 1n] }],
  ['VARCHAR', { kind: 'string' }],
  ['BOOLEAN', { kind: 'boolean' }],
]);

/** Whether a DuckDB type text is one this module answers exactly. */
export function isPlainType(type: string): boolean {
  return PLAIN_TYPES.has(type);
}

const CANONICAL_INTEGER = /^-?(0|[1-9][0-9]*)$/;
const UNSURE: unique symbol = Symbol('unsure');

/** DuckDB's domain value of `CAST(text AS type)`, or UNSURE (then DuckDB answers). */
function plainValue(type: PlainType, text: WalValue): unknown {
  if (text === null) return null;
  switch (type.kind) {
    case 'string':
      return text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : UNSURE;
    default: {
      if (!CANONICAL_INTEGER.test(text)) return UNSURE;
      const n = BigInt(text);
      if (n < type.range![0] || n > type.range![1]) return UNSURE;
      return type.kind === 'number' ? Number(n) : n;
    }
  }
}

/** ASCII-only case folding, as literal-row.ts (a name only Unicode folding would match is left to DuckDB). */
function asciiLower(name: string): string {
  return name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * Positions of the projected columns in `names`: all of them for `*` (`projected` undefined), else
 * each listed name bound case-insensitively to exactly one column; undefined when unsure.
 */
export function projectedColumns(names: readonly string[], projected: readonly string[] | undefined): number[] | undefined {
  if (projected === undefined) return names.map((_, i) => i);
  const lower = names.map(asciiLower);
  const out: number[] = [];
  for (const p of projected) {
    const want = asciiLower(p);
    let at = -1;
    for (let i = 0; i < lower.length; i++) {
      if (lower[i] !== want) continue;
      if (at >= 0) return undefined;
      at = i;
    }
    if (at < 0) return undefined;
    out.push(at);
  }
  return out;
}

/**
 * The answer DuckDB gives for a key the overlay decides (`row` its image, undefined = tombstone:
 * no row, same columns), or undefined when a column or value is not plain.
 */
export function overlayAnswer(columns: readonly { readonly name: string; readonly type: string }[], projected: readonly string[] | undefined, row: readonly WalValue[] | undefined): EncodedResult | undefined {
  const at = projectedColumns(columns.map((c) => c.name), projected);
  if (at === undefined) return undefined;
  const types: PlainType[] = [];
  for (const i of at) {
    const t = PLAIN_TYPES.get(columns[i]!.type);
    if (t === undefined) return undefined;
    types.push(t);
  }
  const out: EncodedColumn[] = at.map((i) => ({ name: columns[i]!.name, type: columns[i]!.type }));
  if (row === undefined) return { columns: out, rows: [] };
  const values: unknown[] = [];
  for (let j = 0; j < at.length; j++) {
    const v = plainValue(types[j]!, row[at[j]!] ?? null);
    if (v === UNSURE) return undefined;
    values.push(v);
  }
  return { columns: out, rows: [values] };
}

type Column =
  | { readonly kind: 'number'; readonly values: Float64Array; readonly nulls: Uint8Array | undefined }
  | { readonly kind: 'bigint'; readonly values: BigInt64Array | BigUint64Array; readonly nulls: Uint8Array | undefined }
  | { readonly kind: 'boolean'; readonly values: Uint8Array; readonly nulls: Uint8Array | undefined }
  | { readonly kind: 'string'; readonly text: string; readonly offsets: Uint32Array; readonly nulls: Uint8Array | undefined };

/** Rows per yield while a file is read into columns (the event loop keeps serving meanwhile). */
const CHUNKS_PER_YIELD = 4;

/**
 * One decoded file's rows as typed columns sorted by its integer key column (no JS object per
 * row or value: numbers and bigints in typed arrays, a VARCHAR column as one string + offsets).
 */
export class PlainRows {
  readonly columns: readonly EncodedColumn[];
  readonly rows: number;
  readonly bytes: number;
  readonly #cols: readonly Column[];
  readonly #key: BigInt64Array | BigUint64Array | Float64Array;

  private constructor(columns: EncodedColumn[], cols: Column[], key: number, rows: number) {
    this.columns = columns;
    this.#cols = cols;
    const k = cols[key]!;
    if (k.kind !== 'number' && k.kind !== 'bigint') throw new TypeError('key column must be an integer');
    this.#key = k.values;
    this.rows = rows;
    this.bytes = cols.reduce((s, c) => s + (c.kind === 'string' ? c.text.length * 2 + c.offsets.byteLength : c.values.byteLength) + (c.nulls?.byteLength ?? 0), 64);
  }

  /**
   * Reads `result` (the file's rows ordered by `keyColumn`) into columns; undefined when a column is
   * not plain, the key is not an integer column, holds a NULL or is not ascending.
   */
  static async read(result: DuckDBMaterializedResult, keyColumn: string, stop: () => boolean): Promise<PlainRows | undefined> {
    const names = result.columnNames();
    const texts = names.map((_, i) => duckDBTypeText(result.columnType(i)));
    const key = names.indexOf(keyColumn);
    if (key < 0 || texts.some((t) => !PLAIN_TYPES.has(t))) return undefined;
    const keyType = PLAIN_TYPES.get(texts[key]!)!;
    if (keyType.kind !== 'number' && keyType.kind !== 'bigint') return undefined;
    const n = result.rowCount;
    const nulls: (Uint8Array | undefined)[] = names.map(() => undefined);
    const store = texts.map((t): Float64Array | BigInt64Array | BigUint64Array | Uint8Array | { parts: string[]; offsets: Uint32Array } => {
      const kind = PLAIN_TYPES.get(t)!.kind;
      if (kind === 'number') return new Float64Array(n);
      if (kind === 'bigint') return t === 'UBIGINT' ? new BigUint64Array(n) : new BigInt64Array(n);
      if (kind === 'boolean') return new Uint8Array(n);
      return { parts: [], offsets: new Uint32Array(n + 1) };
    });
    let row = 0;
    for (let c = 0; c < result.chunkCount; c++) {
      if (c % CHUNKS_PER_YIELD === CHUNKS_PER_YIELD - 1) {
        await new Promise((r) => setImmediate(r));
        if (stop()) return undefined;
      }
      const chunk = result.getChunk(c);
      const size = chunk.rowCount;
      for (let col = 0; col < names.length; col++) {
        const values = chunk.getColumnValues(col);
        const target = store[col]!;
        for (let i = 0; i < size; i++) {
          const v = values[i];
          const at = row + i;
          if (v === null || v === undefined) {
            (nulls[col] ??= new Uint8Array(n))[at] = 1;
            if ('parts' in target) target.offsets[at + 1] = target.offsets[at]!;
            continue;
          }
          if ('parts' in target) {
            const s = String(v);
            const end = target.offsets[at]! + s.length;
            if (end > 0xffff_ffff) return undefined; // beyond the offsets' range: DuckDB keeps this file
            target.parts.push(s);
            target.offsets[at + 1] = end;
          } else if (target instanceof Uint8Array) {
            target[at] = v === true ? 1 : 0;
          } else if (target instanceof Float64Array) {
            target[at] = Number(v);
          } else {
            target[at] = typeof v === 'bigint' ? v : BigInt(String(v));
          }
        }
      }
      row += size;
    }
    if (row !== n || nulls[key] !== undefined) return undefined;
    const keys = store[key] as Float64Array | BigInt64Array | BigUint64Array;
    for (let i = 1; i < n; i++) if (keys[i - 1]! > keys[i]!) return undefined;
    const cols: Column[] = store.map((s, col) => {
      const kind = PLAIN_TYPES.get(texts[col]!)!.kind;
      const nl = nulls[col];
      if ('parts' in s) {
        return { kind: 'string', text: s.parts.join(''), offsets: s.offsets, nulls: nl };
      }
      if (kind === 'boolean') return { kind: 'boolean', values: s as Uint8Array, nulls: nl };
      if (kind === 'number') return { kind: 'number', values: s as Float64Array, nulls: nl };
      return { kind: 'bigint', values: s as BigInt64Array | BigUint64Array, nulls: nl };
    });
    return new PlainRows(names.map((name, i) => ({ name, type: texts[i]! })), cols, key, n);
  }

  /** The rows whose key equals `keyText` (DuckDB text of an integer), projected; undefined when unsure. */
  find(keyText: string, projected: readonly string[] | undefined): EncodedResult | undefined {
    const at = projectedColumns(this.columns.map((c) => c.name), projected);
    if (at === undefined || !CANONICAL_INTEGER.test(keyText)) return undefined;
    const big = BigInt(keyText);
    const keys = this.#key;
    let want: number | bigint;
    if (keys instanceof Float64Array) {
      if (big < BigInt(Number.MIN_SAFE_INTEGER) || big > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
      want = Number(big);
    } else if (keys instanceof BigUint64Array) {
      if (big < 0n || big >= 2n ** 64n) return { columns: at.map((i) => this.columns[i]!), rows: [] };
      want = big;
    } else {
      if (big < -(2n ** 63n) || big >= 2n ** 63n) return { columns: at.map((i) => this.columns[i]!), rows: [] };
      want = big;
    }
    let lo = 0;
    let hi = this.rows;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < want) lo = mid + 1;
      else hi = mid;
    }
    const rows: unknown[][] = [];
    for (let r = lo; r < this.rows && keys[r] === want; r++) rows.push(at.map((c) => this.#value(c, r)));
    return { columns: at.map((i) => this.columns[i]!), rows };
  }

  #value(col: number, row: number): unknown {
    const c = this.#cols[col]!;
    if (c.nulls?.[row] === 1) return null;
    switch (c.kind) {
      case 'string':
        return c.text.slice(c.offsets[row], c.offsets[row + 1]);
      case 'boolean':
        return c.values[row] === 1;
      default:
        return c.values[row];
    }
  }
}

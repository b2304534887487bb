/**
 * Key → file locator (docs/design/hot-path.md, "Point lookups"): which live Delta files MAY hold
 * a primary-key tuple, from the log alone. Per snapshot (table id + version) it builds, once, a
 * sorted interval index of the files' min/max stats of the first key column; a lookup binary-
 * searches it and then checks the other key columns' bounds. A file whose bounds are missing or
 * not comparable (no stats, a partition key, a type whose stats do not bound it) is always a
 * candidate — the locator only ever removes files that provably cannot hold the key.
 *
 * Key values are DuckDB text (the write log's key form); bounds compare as exact integers
 * (BigInt) for integer keys and as UTF-8 bytes (DuckDB's VARCHAR order) for VARCHAR keys; Delta
 * string max stats are upper bounds even when cut (file-stats.ts appends U+10FFFF).
 */
import type { ActiveFile, Snapshot } from '../delta/snapshot.ts';
import { fieldToDuckDBType } from '../exec/duckdb-types.ts';
import { statsUsable } from '../plan/file-skipping.ts';

/** Integer DuckDB types a key may have, with their ranges (a key text outside is no key). */
export const INTEGER_KEY_RANGES: ReadonlyMap<string, readonly [bigint, bigint]> = new Map([
  ['TINYINT', [-(2n ** 7n), 2n ** 7n - 1n]], ['SMALLINT', [-(2n ** 15n), 2n ** 15n - 1n]],
  ['INTEGER', [-(2n ** 31n), 2n ** 31n - 1n]], ['BIGINT', [-(2n ** 63n), 2n ** 63n - 1n]],
  ['HUGEINT', [-(2n ** 127n), 2n ** 127n - 1n]], ['UTINYINT', [0n, 2n ** 8n - 1n]],
  ['USMALLINT', [0n, 2n ** 16n - 1n]], ['UINTEGER', [0n, 2n ** 32n - 1n]],
  ['UBIGINT', [0n, 2n ** 64n - 1n]], ['UHUGEINT', [0n, 2n ** 128n - 1n]],
]);

/** Key column types the point-lookup fast path handles exactly. */
export function lookupKeyKind(duckdbType: string): 'integer' | 'string' | undefined {
  if (INTEGER_KEY_RANGES.has(duckdbType)) return 'integer';
  if (duckdbType === 'VARCHAR') return 'string';
  return undefined;
}

type Bound = bigint | Buffer;

interface KeyColumn {
  readonly name: string;
  readonly kind: 'integer' | 'string';
}

interface Interval {
  readonly file: ActiveFile;
  readonly lo: Bound;
  readonly hi: Bound;
}

interface Index {
  readonly columns: readonly (KeyColumn | undefined)[];
  /** Files bounded on the first key column, sorted by lo; `maxHi[i]` = max hi of sorted[0..i]. */
  readonly sorted: readonly Interval[];
  readonly maxHi: readonly Bound[];
  /** Files with no usable bound on the first key column. */
  readonly always: readonly ActiveFile[];
}

const compare = (a: Bound, b: Bound): number => (typeof a === 'bigint' && typeof b === 'bigint' ? (a < b ? -1 : a > b ? 1 : 0) : Buffer.compare(a as Buffer, b as Buffer));

function boundOf(raw: unknown, kind: 'integer' | 'string'): Bound | undefined {
  if (kind === 'integer') {
    if (typeof raw === 'number' && Number.isSafeInteger(raw)) return BigInt(raw);
    if (typeof raw === 'string' && /^-?[0-9]+$/.test(raw)) return BigInt(raw);
    if (typeof raw === 'bigint') return raw;
    return undefined;
  }
  return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : undefined;
}

function keyBound(text: string, kind: 'integer' | 'string'): Bound {
  return kind === 'integer' ? BigInt(text) : Buffer.from(text, 'utf8');
}

export class KeyLocator {
  readonly #indexes = new Map<string, Index>();
  readonly #max: number;

  constructor(maxSnapshots = 64) {
    this.#max = maxSnapshots;
  }

  /** Files of `snapshot` that may hold the key tuple `key` (DuckDB text per primary-key column). */
  locate(snapshot: Snapshot, primaryKey: readonly string[], key: readonly string[]): ActiveFile[] {
    const index = this.#index(snapshot, primaryKey);
    const bounds = index.columns.map((c, i) => (c === undefined ? undefined : keyBound(key[i]!, c.kind)));
    const out: ActiveFile[] = [...index.always];
    const first = bounds[0];
    if (first !== undefined) {
      // The last interval starting at or below the key; walk back while some earlier one may still reach it.
      let lo = 0;
      let hi = index.sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compare(index.sorted[mid]!.lo, first) <= 0) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo - 1; i >= 0 && compare(index.maxHi[i]!, first) >= 0; i--) {
        const iv = index.sorted[i]!;
        if (compare(iv.hi, first) >= 0) out.push(iv.file);
      }
    }
    return out.filter((f) => index.columns.every((c, i) => i === 0 || c === undefined || within(f, c, bounds[i]!)));
  }

  /**
   * Files of `snapshot` whose range on the first key column overlaps `file`'s (a file of another
   * snapshot of the same table); none when either has no usable bound (decoded-file cache's
   * successors: a hot file's replacement is hot).
   */
  overlapping(snapshot: Snapshot, primaryKey: readonly string[], file: ActiveFile): ActiveFile[] {
    const index = this.#index(snapshot, primaryKey);
    const c0 = index.columns[0];
    if (c0 === undefined) return [];
    const lo = boundOf(file.stats?.minValues[c0.name], c0.kind);
    const hi = boundOf(file.stats?.maxValues[c0.name], c0.kind);
    if (lo === undefined || hi === undefined) return [];
    return index.sorted.filter((iv) => compare(iv.lo, hi) <= 0 && compare(iv.hi, lo) >= 0).map((iv) => iv.file);
  }

  #index(snapshot: Snapshot, primaryKey: readonly string[]): Index {
    const id = `${snapshot.metadata.id}\u0000${snapshot.version}\u0000${primaryKey.join('\u0000')}`;
    const hit = this.#indexes.get(id);
    if (hit !== undefined) {
      this.#indexes.delete(id);
      this.#indexes.set(id, hit);
      return hit;
    }
    const partition = new Set(snapshot.partitionColumns);
    const columns = primaryKey.map((name): KeyColumn | undefined => {
      const field = snapshot.schema.fields.find((f) => f.name === name);
      if (field === undefined || partition.has(name) || !statsUsable(field)) return undefined;
      const kind = lookupKeyKind(fieldToDuckDBType(field));
      return kind === undefined ? undefined : { name, kind };
    });
    const sorted: Interval[] = [];
    const always: ActiveFile[] = [];
    const c0 = columns[0];
    for (const file of snapshot.files) {
      const lo = c0 === undefined ? undefined : boundOf(file.stats?.minValues[c0.name], c0.kind);
      const hi = c0 === undefined ? undefined : boundOf(file.stats?.maxValues[c0.name], c0.kind);
      if (lo === undefined || hi === undefined) always.push(file);
      else sorted.push({ file, lo, hi });
    }
    sorted.sort((a, b) => compare(a.lo, b.lo));
    const maxHi: Bound[] = [];
    for (const iv of sorted) maxHi.push(maxHi.length === 0 || compare(iv.hi, maxHi.at(-1)!) > 0 ? iv.hi : maxHi.at(-1)!);
    const index = { columns, sorted, maxHi, always };
    this.#indexes.set(id, index);
    while (this.#indexes.size > this.#max) this.#indexes.delete(this.#indexes.keys().next().value!);
    return index;
  }
}

function within(file: ActiveFile, c: KeyColumn, key: Bound): boolean {
  const lo = boundOf(file.stats?.minValues[c.name], c.kind);
  const hi = boundOf(file.stats?.maxValues[c.name], c.kind);
  return (lo === undefined || compare(lo, key) <= 0) && (hi === undefined || compare(hi, key) >= 0);
}

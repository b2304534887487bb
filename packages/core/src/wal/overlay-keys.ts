/**
 * OverlayKeys: an overlay's key string → newest state (wip/bulk11), the `byKey` of a WalOverlay.
 *
 * A folded record whose columns are the table's keeps its rows as ONE batch (the record's own
 * `upserts` array, never mutated) and each of its keys maps to a number: batch slot × ROW_SPAN +
 * row index (a small integer, stored in the Map without an object). Only tombstones, reshaped rows
 * and entries copied in from another overlay (`set`) are entry objects. Before, every folded row
 * kept an entry object and a key-tuple array alive in the JS heap: two objects per un-drained row
 * that every young-generation GC copied (the bulk upsert's GC pauses). The entry a reader gets is
 * built when it asks (`get`, iteration): the same row (the record's array), a fresh key tuple and
 * the batch's seq — the same answers as the stored entries gave (overlay-fold.test.ts).
 *
 * Superseded rows keep their batch alive until a sweep: once the batches hold more than 4× the keys'
 * count rows (+ SWEEP_SLACK; and twice what they held after the last sweep), one pass over the Map
 * counts each batch's live keys and turns the keys of sparse batches (live < a quarter of its rows)
 * into entry objects, freeing the batch — so the rows kept stay within a constant factor of the
 * keys, and each sweep (O(keys)) is paid for by at least 2× keys newly folded rows (O(1) amortized).
 *
 * A copy (`copy`) has its own Map and slot arrays over the same (immutable) batches: what the
 * original folds or sweeps afterwards does not change what the copy answers.
 */
import type { WalValue } from './record-codec.ts';

/** One key's newest state. Never mutated (a fold replaces it). */
export interface OverlayEntry {
  /** The full row in the table's current column order; undefined: the key is deleted (a tombstone). */
  readonly row: WalValue[] | undefined;
  /** The key tuple. */
  readonly tuple: WalValue[];
  /** Seq of the record that decided the key's state. */
  readonly seq: number;
}

interface Batch {
  readonly rows: readonly WalValue[][];
  readonly seq: number;
  /** Key column positions in a row. */
  readonly keyIndex: readonly number[];
}

/** Rows per batch slot in a packed reference; a larger record is folded as entry objects. */
const ROW_SPAN = 2 ** 20;
const SWEEP_SLACK = 4096;

/** keyString of a one-column key value (overlay.ts `keyString([v])`, without building the tuple). */
export function oneKeyString(v: WalValue): string {
  return typeof v === 'string' && v.charCodeAt(0) !== 91 ? v : JSON.stringify([v]);
}

/** Limits (tests set small ones to reach the sweep and the large-record path with small logs). */
export interface OverlayKeysLimits {
  /** Rows per batch slot; a record with more rows is folded as entry objects. */
  readonly rowSpan?: number;
  /** Rows the batches may hold beyond 4× the keys before a sweep. */
  readonly sweepSlack?: number;
}

export class OverlayKeys implements Iterable<[string, OverlayEntry]> {
  readonly #rowSpan: number;
  readonly #sweepSlack: number;
  #map = new Map<string, OverlayEntry | number>();
  #batches: (Batch | undefined)[] = [];
  #free: number[] = [];
  /** Rows held by live batches (the sweep's trigger). */
  #packedRows = 0;
  /** Sweep once #packedRows exceeds this. */
  #sweepAt: number;
  #sweeps = 0;

  constructor(limits: OverlayKeysLimits = {}) {
    this.#rowSpan = limits.rowSpan ?? ROW_SPAN;
    this.#sweepSlack = limits.sweepSlack ?? SWEEP_SLACK;
    this.#sweepAt = this.#sweepSlack;
  }

  /** Rows the batches hold (superseded ones included until a sweep); tests. */
  get heldRows(): number {
    return this.#packedRows;
  }

  /** Sweeps that freed at least one batch; tests. */
  get sweeps(): number {
    return this.#sweeps;
  }

  get size(): number {
    return this.#map.size;
  }

  has(k: string): boolean {
    return this.#map.has(k);
  }

  get(k: string): OverlayEntry | undefined {
    const v = this.#map.get(k);
    return typeof v === 'number' ? this.#entry(v) : v;
  }

  /** True when `k`'s newest state is a tombstone. */
  isTombstone(k: string): boolean {
    const v = this.#map.get(k);
    return v !== undefined && typeof v !== 'number' && v.row === undefined;
  }

  set(k: string, entry: OverlayEntry): this {
    this.#map.set(k, entry);
    return this;
  }

  delete(k: string): boolean {
    return this.#map.delete(k);
  }

  keys(): MapIterator<string> {
    return this.#map.keys();
  }

  *values(): Generator<OverlayEntry, void, undefined> {
    for (const v of this.#map.values()) yield typeof v === 'number' ? this.#entry(v) : v;
  }

  *entries(): Generator<[string, OverlayEntry], void, undefined> {
    for (const [k, v] of this.#map) yield [k, typeof v === 'number' ? this.#entry(v) : v];
  }

  [Symbol.iterator](): Generator<[string, OverlayEntry], void, undefined> {
    return this.entries();
  }

  /**
   * Visits every key in key order with its row (undefined: a tombstone) and seq, without building
   * entries: `stored` is the key's entry when it is kept as one (every tombstone is), else undefined.
   */
  forEachState(fn: (k: string, row: WalValue[] | undefined, seq: number, stored: OverlayEntry | undefined) => void): void {
    for (const [k, v] of this.#map) {
      if (typeof v !== 'number') {
        fn(k, v.row, v.seq, v);
        continue;
      }
      const slot = Math.floor(v / this.#rowSpan);
      const b = this.#batches[slot]!;
      fn(k, b.rows[v - slot * this.#rowSpan]!, b.seq, undefined);
    }
  }

  /** Every key's tuple, in key order. */
  tuples(): WalValue[][] {
    const out: WalValue[][] = [];
    for (const v of this.#map.values()) {
      if (typeof v !== 'number') {
        out.push(v.tuple);
        continue;
      }
      const slot = Math.floor(v / this.#rowSpan);
      const b = this.#batches[slot]!;
      const row = b.rows[v - slot * this.#rowSpan]!;
      out.push(b.keyIndex.length === 1 ? [row[b.keyIndex[0]!] ?? null] : b.keyIndex.map((i) => row[i] ?? null));
    }
    return out;
  }

  /** The entries decided by a record after `seq`, in key order (an entry is built only for those). */
  since(seq: number): [string, OverlayEntry][] {
    const out: [string, OverlayEntry][] = [];
    for (const [k, v] of this.#map) {
      if (typeof v !== 'number') {
        if (v.seq > seq) out.push([k, v]);
      } else if (this.#batches[Math.floor(v / this.#rowSpan)]!.seq > seq) out.push([k, this.#entry(v)]);
    }
    return out;
  }

  /** The rows of the keys whose newest state is a row, in key order (no entry built per key). */
  upsertedRows(): WalValue[][] {
    const out: WalValue[][] = [];
    for (const v of this.#map.values()) {
      if (typeof v !== 'number') {
        if (v.row !== undefined) out.push(v.row);
        continue;
      }
      const slot = Math.floor(v / this.#rowSpan);
      out.push(this.#batches[slot]!.rows[v - slot * this.#rowSpan]!);
    }
    return out;
  }

  /** A copy with its own Map over the same batches and entries. */
  copy(): OverlayKeys {
    const c = new OverlayKeys({ rowSpan: this.#rowSpan, sweepSlack: this.#sweepSlack });
    c.#map = new Map(this.#map);
    c.#batches = [...this.#batches];
    c.#free = [...this.#free];
    c.#packedRows = this.#packedRows;
    c.#sweepAt = this.#sweepAt;
    c.#sweeps = this.#sweeps;
    return c;
  }

  /**
   * Folds `rows` (rows in the table's column order, never mutated afterwards) decided by `seq`:
   * each row's key now maps to it, in row order (a later row of the same key wins). Returns how
   * many tombstones the rows replaced. `tombstones`: whether any may exist (else no lookup first).
   */
  foldRows(rows: readonly WalValue[][], seq: number, keyIndex: readonly number[], tombstones: boolean): number {
    const map = this.#map;
    let replaced = 0;
    if (rows.length === 0) return 0;
    if (rows.length > this.#rowSpan) {
      for (const row of rows) {
        const tuple = keyIndex.map((i) => row[i] ?? null);
        const k = tuple.length === 1 ? oneKeyString(tuple[0]!) : JSON.stringify(tuple);
        if (tombstones && this.isTombstone(k)) replaced++;
        map.set(k, { row, tuple, seq });
      }
      return replaced;
    }
    const slot = this.#free.pop() ?? this.#batches.length;
    this.#batches[slot] = { rows, seq, keyIndex };
    this.#packedRows += rows.length;
    const base = slot * this.#rowSpan;
    if (keyIndex.length === 1) {
      const at = keyIndex[0]!;
      for (let i = 0; i < rows.length; i++) {
        const k = oneKeyString(rows[i]![at] ?? null);
        if (tombstones && this.isTombstone(k)) replaced++;
        map.set(k, base + i);
      }
    } else {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const k = JSON.stringify(keyIndex.map((j) => row[j] ?? null));
        if (tombstones && this.isTombstone(k)) replaced++;
        map.set(k, base + i);
      }
    }
    if (this.#packedRows > this.#sweepAt && this.#packedRows > 4 * map.size + this.#sweepSlack) this.#sweep();
    return replaced;
  }

  #entry(v: number): OverlayEntry {
    const slot = Math.floor(v / this.#rowSpan);
    const b = this.#batches[slot]!;
    const row = b.rows[v - slot * this.#rowSpan]!;
    const tuple = b.keyIndex.length === 1 ? [row[b.keyIndex[0]!] ?? null] : b.keyIndex.map((i) => row[i] ?? null);
    return { row, tuple, seq: b.seq };
  }

  /** Frees batches no key points at; keys of sparse batches become entries (their batch goes too). */
  #sweep(): void {
    const live = new Array<number>(this.#batches.length).fill(0);
    for (const v of this.#map.values()) if (typeof v === 'number') live[Math.floor(v / this.#rowSpan)]!++;
    const unpack = new Set<number>();
    for (let slot = 0; slot < this.#batches.length; slot++) {
      const b = this.#batches[slot];
      if (b === undefined) continue;
      if (live[slot]! * 4 < b.rows.length) unpack.add(slot);
    }
    if (unpack.size > 0) {
      this.#sweeps++;
      for (const [k, v] of this.#map) {
        if (typeof v === 'number' && unpack.has(Math.floor(v / this.#rowSpan))) this.#map.set(k, this.#entry(v));
      }
      for (const slot of unpack) {
        this.#packedRows -= this.#batches[slot]!.rows.length;
        this.#batches[slot] = undefined;
        this.#free.push(slot);
      }
    }
    this.#sweepAt = 2 * this.#packedRows + this.#sweepSlack;
  }
}

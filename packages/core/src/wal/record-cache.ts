/**
 * WalRecordCache: decoded records by object identity (key, size, last-modified), bounded LRU.
 * A record object is immutable while it matters (seq > watermark): it is only deleted after it
 * was drained, and a slot re-created later holds a seq at or below the watermark, which readers
 * ignore (and wal-reader.ts re-reads when a drain raced it). So STRONG reads that hit the cache
 * pay one LIST instead of one GET + decode per pending record.
 *
 * Records this process wrote itself (`putWritten`, from the WalWriter once its PUT won and the slot
 * was checked live) are known before any LIST reports their last-modified time: they are kept per
 * store by key and byte size and taken (once) by the first fetch of that key with that size, so
 * the statement after a write does not GET and decode the record it just wrote.
 */
import type { WalRecord } from './record-codec.ts';
import type { WalEntry } from './list-records.ts';
import { parseWalRecordSeq } from './wal-keys.ts';
import { walPrefix } from '../object-store/paths.ts';
import type { ObjectStore } from '../object-store/index.ts';

/** Own records kept per store (never read back: taken by the next fetch or pushed out). */
const MAX_WRITTEN = 256;

export class WalRecordCache {
  readonly #max: number;
  readonly #map = new Map<string, WalRecord>();
  readonly #written = new WeakMap<ObjectStore, Map<string, { readonly size: number; readonly record: WalRecord }>>();

  constructor(maxEntries = 10_000) {
    this.#max = Math.max(1, maxEntries);
  }

  get size(): number {
    return this.#map.size;
  }

  get(entry: WalEntry): WalRecord | undefined {
    const k = identity(entry);
    const hit = this.#map.get(k);
    if (hit !== undefined) {
      this.#map.delete(k);
      this.#map.set(k, hit);
    }
    return hit;
  }

  /** A record this process just wrote at `key` of `store` (`size` bytes, live: seq above the watermark). */
  putWritten(store: ObjectStore, key: string, size: number, record: WalRecord): void {
    let m = this.#written.get(store);
    if (m === undefined) {
      m = new Map();
      this.#written.set(store, m);
    }
    m.delete(key);
    m.set(key, { size, record });
    while (m.size > MAX_WRITTEN) m.delete(m.keys().next().value!);
  }

  /** The cached record of `entry`, or the one this process wrote at its key with its size (moved into the cache). */
  getOrTakeWritten(store: ObjectStore, entry: WalEntry): WalRecord | undefined {
    const hit = this.get(entry);
    if (hit !== undefined) return hit;
    const m = this.#written.get(store);
    const own = m?.get(entry.key);
    if (m === undefined || own === undefined) return undefined;
    m.delete(entry.key);
    if (own.size !== entry.size) return undefined;
    this.set(entry, own.record);
    return own.record;
  }

  /**
   * Forgets the records of the table at `root` with seq ≤ `watermark` (wip/bulk11): drained, so no
   * reader at that watermark or later reads them, and a reader pinned before it only pays a GET.
   * Without this a drained record stayed decoded until 10,000 newer ones pushed it out — after a
   * 1M-row INSERT was drained, ~166 MB of dead rows the major GCs kept marking.
   */
  forgetThrough(store: ObjectStore, root: string, watermark: number): void {
    const prefix = walPrefix(root);
    const drained = (key: string): boolean => {
      if (!key.startsWith(prefix)) return false;
      const seq = parseWalRecordSeq(key);
      return seq !== undefined && seq <= watermark;
    };
    for (const k of [...this.#map.keys()]) if (drained(k.slice(0, k.indexOf('\u0000')))) this.#map.delete(k);
    const own = this.#written.get(store);
    if (own !== undefined) for (const key of [...own.keys()]) if (drained(key)) own.delete(key);
  }

  set(entry: WalEntry, record: WalRecord): void {
    const k = identity(entry);
    this.#map.delete(k);
    this.#map.set(k, record);
    while (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }
}

function identity(e: WalEntry): string {
  return `${e.key}\u0000${e.size}\u0000${e.lastModified}`;
}

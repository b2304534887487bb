/**
 * WalRecordCache: decoded records by object identity (key, size, last-modified), bounded LRU.
 * A record object is immutable while it matters (seq > watermark): it is only deleted after it
 * was drained, and a slot re-created later holds a seq at or below the watermark, which readers
 * ignore (and wal-reader.ts re-reads when a drain raced it). So STRONG reads that hit the cache
 * pay one LIST instead of one GET + decode per pending record.
 */
import type { WalRecord } from './record-codec.ts';
import type { WalEntry } from './list-records.ts';

export class WalRecordCache {
  readonly #max: number;
  readonly #map = new Map<string, WalRecord>();

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

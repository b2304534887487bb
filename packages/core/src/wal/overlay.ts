/**
 * WalOverlay: un-drained WAL records folded newest-wins per primary key.
 *
 * Records are applied in seq order; inside one record tombstones apply before upserts (an UPDATE
 * that moves a row writes the old key as a tombstone and the new row as an upsert; if both keys
 * are equal the upsert wins). After folding, a key is in exactly one of `upserts` / `deletes`.
 * Rows are re-shaped to the table's current columns (columns added after the record read NULL).
 * Key strings are JSON of the key's DuckDB text tuple: equal values have equal text.
 */
import type { WalRecord, WalValue } from './record-codec.ts';
import { incompatibility, type WalTableShape } from './table-shape.ts';

export interface SeqRecord {
  readonly seq: number;
  readonly record: WalRecord;
}

export interface WalOverlay {
  /** key string → full row in the table's current column order. */
  readonly upserts: Map<string, WalValue[]>;
  readonly deletes: Set<string>;
  /** key string → key tuple (for every key in upserts or deletes). */
  readonly keys: Map<string, WalValue[]>;
  /** key string → seq of the record that decided the key's state. */
  readonly seqOf: Map<string, number>;
  /** Highest seq folded in (0 when none). */
  lastSeq: number;
  /** Records folded in. */
  entries: number;
  /** Tombstones in the folded records, before newest-wins. */
  tombstonesSeen: number;
  /** Idempotency key → rows affected, of the folded records that carry one. */
  readonly requests: Map<string, number>;
}

export interface SkippedRecord {
  readonly seq: number;
  readonly reason: string;
  readonly record: WalRecord;
}

export function emptyOverlay(): WalOverlay {
  return { upserts: new Map(), deletes: new Set(), keys: new Map(), seqOf: new Map(), lastSeq: 0, entries: 0, tombstonesSeen: 0, requests: new Map() };
}

export function keyString(tuple: readonly WalValue[]): string {
  return JSON.stringify(tuple);
}

/**
 * Folds `records` (any order; sorted here) into `overlay`. Records that cannot apply to the table
 * (another table id, changed column types) are returned, not folded.
 */
export function foldRecords(overlay: WalOverlay, records: readonly SeqRecord[], shape: WalTableShape): SkippedRecord[] {
  const skipped: SkippedRecord[] = [];
  const keyIndex = shape.primaryKey.map((k) => shape.columns.findIndex((c) => c.name === k));
  for (const { seq, record } of [...records].sort((a, b) => a.seq - b.seq)) {
    overlay.lastSeq = Math.max(overlay.lastSeq, seq);
    const reason = incompatibility(record, shape);
    if (reason !== undefined) {
      skipped.push({ seq, reason, record });
      continue;
    }
    overlay.entries++;
    overlay.tombstonesSeen += record.deletes.length;
    if (record.idempotency !== undefined) overlay.requests.set(record.idempotency.key, record.idempotency.rowsAffected);
    for (const tuple of record.deletes) {
      const k = keyString(tuple);
      overlay.upserts.delete(k);
      overlay.deletes.add(k);
      overlay.keys.set(k, [...tuple]);
      overlay.seqOf.set(k, seq);
    }
    const position = new Map(record.columns.map((c, i) => [c.name, i]));
    const map = shape.columns.map((c) => position.get(c.name));
    // Same columns in the same order (the common case): the decoded row IS the shaped row (rows
    // are never mutated; a decoded row has one string-or-null per column), no copy per row.
    const identity = map.length === record.columns.length && map.every((i, j) => i === j);
    if (identity && keyIndex.length === 1) {
      foldOneKeyUpserts(overlay, record.upserts as readonly WalValue[][], keyIndex[0]!, seq); // wip/bulk7
      continue;
    }
    for (const row of record.upserts) {
      const shaped = identity ? (row as WalValue[]) : map.map((i) => (i === undefined ? null : (row[i] ?? null)));
      const tuple = keyIndex.map((i) => shaped[i] ?? null);
      const k = keyString(tuple);
      if (overlay.deletes.size > 0) overlay.deletes.delete(k); // no tombstones folded (the common case): skip a Map operation per row
      overlay.upserts.set(k, shaped);
      overlay.keys.set(k, tuple);
      overlay.seqOf.set(k, seq);
    }
  }
  return skipped;
}

/**
 * The upsert loop of `foldRecords` for the common shape (the record's columns are the table's, a
 * one-column key), wip/bulk7: no per-row closure or key-array stringify — the key string is built
 * from the one value (`["…"]`, exactly `keyString([v])` for a string or null) — same Map writes in
 * the same order as the general loop. test/wal/overlay-fold.test.ts compares the two.
 */
function foldOneKeyUpserts(overlay: WalOverlay, rows: readonly WalValue[][], at: number, seq: number): void {
  const { upserts, keys, seqOf, deletes } = overlay;
  for (const row of rows) {
    const v = row[at] ?? null;
    const k = typeof v === 'string' ? `[${JSON.stringify(v)}]` : keyString([v]);
    if (deletes.size > 0) deletes.delete(k);
    upserts.set(k, row);
    keys.set(k, [v]);
    seqOf.set(k, seq);
  }
}

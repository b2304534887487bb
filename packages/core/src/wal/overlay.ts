/**
 * WalOverlay: un-drained WAL records folded newest-wins per primary key.
 *
 * Records are applied in seq order; inside one record tombstones apply before upserts (an UPDATE
 * that moves a row writes the old key as a tombstone and the new row as an upsert; if both keys
 * are equal the upsert wins). After folding, every key the records name has ONE entry in `byKey`:
 * its newest row, or a tombstone (`row` undefined), with its key tuple and the seq that decided it.
 * Rows are re-shaped to the table's current columns (columns added after the record read NULL).
 * Key strings come from the key's DuckDB text tuple (`keyString`): equal values have equal text.
 *
 * One Map of immutable entries (wip/bulk8; was three Maps and a Set: `upserts`, `keys`, `seqOf`,
 * `deletes`): one Map write per folded row instead of three, a third of the rehashing when it
 * grows, and a tail copy shares the entries. A fold never mutates an entry, it replaces it —
 * copies of the Map (a statement's tail) keep what they saw. `byKey` is in the order keys were
 * first folded; `upsertedRows` / `deletedTuples` list the two kinds in that order.
 *
 * wip/bulk11: `byKey` is an OverlayKeys (overlay-keys.ts): a record's rows are kept as one batch and
 * its keys map to row indexes, so an un-drained row costs the JS heap no entry object or key tuple;
 * readers get the same entries, built when they ask.
 */
import { OverlayKeys, type OverlayEntry } from './overlay-keys.ts';
import type { WalRecord, WalValue } from './record-codec.ts';
import { incompatibility, type WalTableShape } from './table-shape.ts';

export type { OverlayEntry } from './overlay-keys.ts';

export interface SeqRecord {
  readonly seq: number;
  readonly record: WalRecord;
}

export interface WalOverlay {
  /** key string → the key's newest state, for every key the folded records name (overlay-keys.ts, wip/bulk11: a record's rows kept as one batch). */
  readonly byKey: OverlayKeys;
  /** Entries of `byKey` that are tombstones. */
  deleted: number;
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
  return { byKey: new OverlayKeys(), deleted: 0, lastSeq: 0, entries: 0, tombstonesSeen: 0, requests: new Map() };
}

/**
 * A key tuple as a Map key: equal tuples ⇔ equal strings. A one-column key whose text does not
 * start with `[` is its own text (wip/bulk8: no string built per folded row — the fold's largest
 * cost after the Map writes); every other tuple is its JSON, which always starts with `[`, so the
 * two forms never meet. Only ever compared within one process (never stored).
 */
export function keyString(tuple: readonly WalValue[]): string {
  if (tuple.length === 1) {
    const v = tuple[0];
    if (typeof v === 'string' && v.charCodeAt(0) !== 91) return v;
  }
  return JSON.stringify(tuple);
}

/** Keys whose newest state is a row. */
export function upsertCount(overlay: WalOverlay): number {
  return overlay.byKey.size - overlay.deleted;
}

/** The upserted rows (keys whose newest state is a row), in key order. */
export function upsertedRows(overlay: WalOverlay): WalValue[][] {
  return overlay.byKey.upsertedRows();
}

/** The deleted keys' tuples, in key order. */
export function deletedTuples(overlay: WalOverlay): WalValue[][] {
  const out: WalValue[][] = [];
  if (overlay.deleted === 0) return out;
  overlay.byKey.forEachState((_k, row, _seq, stored) => {
    if (row === undefined && stored !== undefined) out.push(stored.tuple);
  });
  return out;
}

/** A copy whose Map is its own (entries and row batches are shared: they are never mutated). */
export function copyOverlay(o: WalOverlay): WalOverlay {
  return { byKey: o.byKey.copy(), deleted: o.deleted, lastSeq: o.lastSeq, entries: o.entries, tombstonesSeen: o.tombstonesSeen, requests: new Map(o.requests) };
}

/** Adds `entry` under `k` to an overlay being built from another's entries (tail subsets, changed keys). */
export function putEntry(overlay: WalOverlay, k: string, entry: OverlayEntry): void {
  if (overlay.byKey.isTombstone(k)) overlay.deleted--;
  if (entry.row === undefined) overlay.deleted++;
  overlay.byKey.set(k, entry);
}

/** Removes key string `k` (the drain's rejected rows: the key keeps its Delta row). */
export function removeKey(overlay: WalOverlay, k: string): void {
  if (overlay.byKey.isTombstone(k)) overlay.deleted--;
  overlay.byKey.delete(k);
}

/**
 * Folds `records` (any order; sorted here) into `overlay`. Records that cannot apply to the table
 * (another table id, changed column types) are returned, not folded.
 */
export function foldRecords(overlay: WalOverlay, records: readonly SeqRecord[], shape: WalTableShape): SkippedRecord[] {
  const skipped: SkippedRecord[] = [];
  const keyIndex = shape.primaryKey.map((k) => shape.columns.findIndex((c) => c.name === k));
  const { byKey } = overlay;
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
      if (!byKey.isTombstone(k)) overlay.deleted++;
      byKey.set(k, { row: undefined, tuple: [...tuple], seq });
    }
    const position = new Map(record.columns.map((c, i) => [c.name, i]));
    const map = shape.columns.map((c) => position.get(c.name));
    // Same columns in the same order (the common case): the decoded row IS the shaped row (rows
    // are never mutated; a decoded row has one string-or-null per column), no copy per row.
    const identity = map.length === record.columns.length && map.every((i, j) => i === j);
    if (identity) {
      // wip/bulk11: the record's rows stay one batch; each key maps to its row's index (no object per row).
      overlay.deleted -= byKey.foldRows(record.upserts as readonly WalValue[][], seq, keyIndex, overlay.deleted > 0);
      continue;
    }
    for (const row of record.upserts) {
      const shaped = map.map((i) => (i === undefined ? null : (row[i] ?? null)));
      const tuple = keyIndex.map((i) => shaped[i] ?? null);
      const k = keyString(tuple);
      // No tombstone folded (the common case): no lookup before the write.
      if (overlay.deleted > 0) unDelete(overlay, k);
      byKey.set(k, { row: shaped, tuple, seq });
    }
  }
  return skipped;
}

/** Before an upsert of `k` while tombstones are folded: a tombstone it replaces no longer counts. */
function unDelete(overlay: WalOverlay, k: string): void {
  if (overlay.byKey.isTombstone(k)) overlay.deleted--;
}

/**
 * Group commit of keyed writes (docs/design/hot-path.md): statements that append to the same
 * table while one append is in flight wait for it, then share ONE write-log object. Each caller is
 * acknowledged only after that shared object's PUT succeeded (a failed PUT fails all of them).
 *
 * `mergeContents` folds the waiting statements in arrival order into one record whose deletes and
 * upserts are disjoint per key (the newest statement's state of each key), so applying it equals
 * applying the statements one after another — what separate records at consecutive seqs would do.
 * Records with an idempotency key are never grouped (a record carries one key).
 */
import type { WalValue } from './record-codec.ts';
import type { WalRecordContent } from './wal-writer.ts';

/** Contents that can share one record: same table incarnation, columns and key. */
export function groupKey(root: string, c: WalRecordContent): string | undefined {
  if (c.idempotency !== undefined) return undefined;
  return JSON.stringify([root, c.tableId, c.schemaFingerprint, c.primaryKey, c.columns]);
}

export function mergeContents(contents: readonly WalRecordContent[]): WalRecordContent {
  const first = contents[0];
  if (first === undefined) throw new TypeError('mergeContents needs at least one record');
  if (contents.length === 1) return first;
  const keyIndex = first.primaryKey.map((k) => first.columns.findIndex((c) => c.name === k));
  const state = new Map<string, { row: readonly WalValue[] } | { tombstone: readonly WalValue[] }>();
  for (const c of contents) {
    for (const tuple of c.deletes) {
      const k = JSON.stringify(tuple);
      state.delete(k);
      state.set(k, { tombstone: tuple });
    }
    for (const row of c.upserts) {
      const k = JSON.stringify(keyIndex.map((i) => row[i] ?? null));
      state.delete(k);
      state.set(k, { row });
    }
  }
  const upserts: (readonly WalValue[])[] = [];
  const deletes: (readonly WalValue[])[] = [];
  for (const v of state.values()) {
    if ('row' in v) upserts.push(v.row);
    else deletes.push(v.tombstone);
  }
  return { tableId: first.tableId, schemaFingerprint: first.schemaFingerprint, columns: first.columns, primaryKey: first.primaryKey, upserts, deletes };
}

/**
 * Rejected rows: what a drain could not apply, kept in `_k3_wal/rejected/<lastSeq>.json` so the
 * log never blocks on a bad row and nothing is dropped silently. Written before the drain's commit
 * with a plain PUT keyed by the batch's last seq, so a re-run after a crash rewrites the same object.
 * Corrupt records are copied verbatim next to it (`<seq>.corrupt`) before their slot is drained.
 */
import type { ObjectStore } from '../object-store/index.ts';
import { walPrefix } from '../object-store/paths.ts';
import type { WalValue } from '../wal/record-codec.ts';
import { rejectedKey } from '../wal/wal-keys.ts';

export interface RejectedRow {
  readonly seq: number;
  readonly reason: string;
  /** Full row (upsert) or key tuple (tombstone); absent for a corrupt record. */
  readonly values?: readonly WalValue[];
  readonly columns?: readonly string[];
}

export async function writeRejected(store: ObjectStore, root: string, tableId: string, lastSeq: number, rows: readonly RejectedRow[]): Promise<string | undefined> {
  if (rows.length === 0) return undefined;
  const key = rejectedKey(root, lastSeq);
  await store.put(key, new TextEncoder().encode(JSON.stringify({ tableId, drainedThrough: lastSeq, rejected: rows })));
  return key;
}

export async function quarantineCorrupt(store: ObjectStore, root: string, seq: number, recordKey: string): Promise<void> {
  const bytes = await store.get(recordKey);
  if (bytes !== undefined) await store.put(`${walPrefix(root)}rejected/${String(seq).padStart(20, '0')}.corrupt`, bytes);
}

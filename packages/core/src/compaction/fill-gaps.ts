/**
 * Gap filling: the drain consumes only a contiguous run of seqs, so a missing seq would stall it.
 * Honest writers never leave a permanent gap (a seq is tried only after its predecessor was seen),
 * but a write racing DROP TABLE (a writer still caching the old table's head) can. After a grace
 * period the drain itself takes each missing seq with an EMPTY record through put-if-absent — the
 * same arbitration every writer goes through: if a slow writer's PUT lands first, the filler
 * loses and nothing changes; if the filler wins, that writer was not acknowledged and retries at
 * a later seq. Either way no acknowledged write is skipped.
 */
import { randomUUID } from 'node:crypto';
import type { ObjectStore } from '../object-store/index.ts';
import { encodeWalRecord } from '../wal/record-codec.ts';
import type { WalTableShape } from '../wal/table-shape.ts';
import type { WalEntry } from '../wal/list-records.ts';
import { walRecordKey } from '../wal/wal-keys.ts';

const MAX_FILL = 1000;

/** Fills seqs after `runEnd` up to the next present record if that record is older than `graceMs`. True when it tried. */
export async function fillGaps(store: ObjectStore, root: string, shape: WalTableShape, runEnd: number, next: WalEntry, now: number, graceMs: number): Promise<boolean> {
  if (next.seq <= runEnd + 1 || now - next.lastModified < graceMs) return false;
  const body = encodeWalRecord({
    tableId: shape.tableId, schemaFingerprint: shape.fingerprint, columns: shape.columns, primaryKey: shape.primaryKey,
    upserts: [], deletes: [], writerId: `k3-gap-filler:${randomUUID()}`, createdAt: now,
  });
  for (let seq = runEnd + 1; seq < next.seq && seq <= runEnd + MAX_FILL; seq++) await store.putIfAbsent(walRecordKey(root, seq), body);
  return true;
}

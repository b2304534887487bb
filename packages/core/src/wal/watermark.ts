/**
 * The drained watermark and the compactor epoch live in the Delta log as `txn` actions, so they
 * change atomically with the data they describe: a drain commit carries `k3-wal = last drained
 * seq` (and `k3-compactor-epoch = its epoch`). A record with seq ≤ watermark is drained.
 */
import type { Transaction } from '../delta/transaction.ts';
import type { Snapshot } from '../delta/snapshot.ts';

export const WAL_APP_ID = 'k3-wal';
export const EPOCH_APP_ID = 'k3-compactor-epoch';

/** Last drained seq at this snapshot (0: nothing drained yet). */
export function drainedWatermark(snapshot: Pick<Snapshot, 'txns'>): number {
  return snapshot.txns.get(WAL_APP_ID)?.version ?? 0;
}

/** Highest compactor epoch committed at this snapshot (0: none). */
export function committedEpoch(snapshot: Pick<Snapshot, 'txns'>): number {
  return snapshot.txns.get(EPOCH_APP_ID)?.version ?? 0;
}

/**
 * Makes a direct (non-keyed) Delta write on a keyed table serialize with drains: it re-states the
 * watermark it incorporated, so a drain committing concurrently conflicts with it (same appId).
 */
export function markIncorporated(tx: Transaction, snapshot: Pick<Snapshot, 'txns'>): Transaction {
  return tx.setTxn(WAL_APP_ID, drainedWatermark(snapshot));
}

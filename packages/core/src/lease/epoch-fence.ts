/**
 * Storage-level fencing of compactors (docs/design/wal-and-compaction.md, "Fencing").
 *
 *   claimEpoch: putIfAbsent(_k3_wal/_epochs/<E>) with E = max(claims, committed) + 1 — unique per leader
 *   raiseEpoch: Delta commit { txn k3-compactor-epoch = E } on a snapshot whose epoch < E
 *   every drain commit carries txn k3-compactor-epoch = its E, and checks the snapshot first
 *
 * A leader with epoch e < E can never commit after the raise at version V: reading a snapshot ≥ V
 * it sees E > e (assertNotFenced); reading one < V, its commit lands after V and the conflict
 * checker rejects it (both write appId k3-compactor-epoch) — mapped to ERR_COMPACTOR_FENCED.
 */
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { loadSnapshot, type Snapshot } from '../delta/snapshot.ts';
import { Transaction, type TransactionOptions } from '../delta/transaction.ts';
import { commitConflictRetry } from '../delta/commit-conflict.ts';
import { EPOCH_APP_ID, committedEpoch } from '../wal/watermark.ts';
import { epochKey, epochPrefix, parseTrailingNumber } from '../wal/wal-keys.ts';

export interface Fence {
  readonly epoch: number;
  /** Who holds it (for messages and the claim object). */
  readonly holder: string;
}

export const EPOCH_OPERATION = 'K3 COMPACTOR FENCE';

async function highestClaim(store: ObjectStore, root: string): Promise<number> {
  const { objects } = await store.list(epochPrefix(root));
  return Math.max(0, ...objects.map((o) => parseTrailingNumber(o.key) ?? 0));
}

/** Claims a fresh epoch no other leader ever holds. */
export async function claimEpoch(store: ObjectStore, root: string, holder: string, committed = 0): Promise<number> {
  let epoch = Math.max(await highestClaim(store, root), committed) + 1;
  for (;;) {
    const body = new TextEncoder().encode(JSON.stringify({ holder, claimedAt: Date.now() }));
    if (await store.putIfAbsent(epochKey(root, epoch), body)) return epoch;
    epoch = Math.max(await highestClaim(store, root), epoch) + 1;
  }
}

export function fencedError(fence: Fence, current: number): AppError {
  return new AppError('ERR_COMPACTOR_FENCED', `Compactor ${fence.holder} (epoch ${fence.epoch}) was deposed by a newer leader (epoch ${current}); it must stop draining. The new leader continues.`, { epoch: fence.epoch, current });
}

export function assertNotFenced(snapshot: Pick<Snapshot, 'txns'>, fence: Fence): void {
  const current = committedEpoch(snapshot);
  if (current > fence.epoch) throw fencedError(fence, current);
}

/** Commits the epoch into the Delta log so any older leader's later commit fails. Returns the version that made it visible. */
export async function raiseEpoch(store: ObjectStore, root: string, fence: Fence, txOpts: TransactionOptions, maxAttempts = 20): Promise<number> {
  return commitConflictRetry(maxAttempts).run(async () => {
    const snapshot = await loadSnapshot(store, root);
    assertNotFenced(snapshot, fence);
    if (committedEpoch(snapshot) === fence.epoch) return snapshot.version;
    const tx = Transaction.forSnapshot(store, snapshot, txOpts).setTxn(EPOCH_APP_ID, fence.epoch);
    return (await tx.commit({ operation: EPOCH_OPERATION, operationParameters: { epoch: fence.epoch, holder: fence.holder } })).version;
  });
}

/** claimEpoch + raiseEpoch: after this resolves, every older leader is fenced at the storage level. */
export async function acquireFence(store: ObjectStore, root: string, holder: string, txOpts: TransactionOptions): Promise<Fence> {
  const snapshot = await loadSnapshot(store, root);
  const fence: Fence = { epoch: await claimEpoch(store, root, holder, committedEpoch(snapshot)), holder };
  await raiseEpoch(store, root, fence, txOpts);
  await pruneClaims(store, root, fence.epoch).catch(() => undefined);
  return fence;
}

/**
 * Claims below the committed epoch are dead weight: their holders are fenced, and a late claimant
 * that re-creates one is fenced at its raise (the committed epoch is higher). Best effort.
 */
async function pruneClaims(store: ObjectStore, root: string, below: number): Promise<void> {
  const { objects } = await store.list(epochPrefix(root));
  const dead = objects.filter((o) => (parseTrailingNumber(o.key) ?? below) < below).map((o) => o.key);
  if (dead.length > 0) await store.deleteMany(dead);
}

/**
 * readLastDrain: the newest drain commit at or below a snapshot version, for DescribeTable's
 * `last_drain_*` figures — found by reading commits backwards from the snapshot version until
 * one is a MERGE that carries the `k3-wal` txn (direct writes re-state that txn too, but are not
 * MERGEs). Bounded by `maxScan` commits; undefined when none is found (never drained, or the
 * JSON commits were cleaned up).
 */
import { readCommitActions } from '../delta/commit.ts';
import type { CommitInfo, Txn } from '../delta/actions.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { WAL_APP_ID } from '../wal/watermark.ts';

export interface LastDrain {
  readonly version: number;
  /** Commit timestamp, epoch ms. */
  readonly timestamp: number;
  /** The watermark that drain committed. */
  readonly drainedThrough: number;
  /** The commit's Delta operationMetrics (numTargetRowsInserted/Updated/Deleted, files, bytes…). */
  readonly metrics: Readonly<Record<string, string>>;
}

export async function readLastDrain(store: ObjectStore, snapshot: Pick<Snapshot, 'root' | 'version' | 'txns'>, maxScan = 200): Promise<LastDrain | undefined> {
  if (!snapshot.txns.has(WAL_APP_ID)) return undefined;
  for (let v = snapshot.version; v >= 0 && v > snapshot.version - maxScan; v--) {
    const actions = await readCommitActions(store, snapshot.root, v);
    if (actions === undefined) return undefined;
    let info: CommitInfo | undefined;
    let txn: Txn | undefined;
    for (const a of actions) {
      if ('commitInfo' in a) info = a.commitInfo;
      else if ('txn' in a && a.txn.appId === WAL_APP_ID) txn = a.txn;
    }
    if (txn !== undefined && info?.operation === 'MERGE') {
      return { version: v, timestamp: info.timestamp ?? 0, drainedThrough: txn.version, metrics: info.operationMetrics ?? {} };
    }
  }
  return undefined;
}

/**
 * Direct (non-keyed) Delta writes on a keyed table without the overwrite hazard
 * (docs/design/wal-and-compaction.md, "Non-keyed writes").
 *
 *   head = WAL head now ─▶ drain until watermark ≥ head ─▶ snapshot S (watermark w ≥ head)
 *   ─▶ caller builds its Transaction on S ─▶ + txn k3-wal = w ─▶ commit
 *        └─ conflict (a drain or another direct write committed k3-wal) ─▶ start over
 *
 * Every keyed write acknowledged before the statement started is in S, so the direct write sees
 * (and may update or delete) it; a drain can never later apply such an older record over the
 * direct write. Keyed writes acknowledged later get seq > w and are ordered after the direct write.
 * Tables without a primary key have no log: the protocol is a plain commit.
 */
import { AppError } from '../errors/index.ts';
import { commitConflictRetry } from '../delta/commit-conflict.ts';
import { loadSnapshot, type Snapshot } from '../delta/snapshot.ts';
import type { CommitResult, Transaction } from '../delta/transaction.ts';
import type { RewriteDeps } from '../maintenance/maintenance-deps.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { Fence } from '../lease/epoch-fence.ts';
import { primaryKeyOf } from '../catalog/table-spec.ts';
import { lastRecordSeq } from '../wal/list-records.ts';
import { drainedWatermark, markIncorporated } from '../wal/watermark.ts';
import { drainTable, type DrainResult } from './drain.ts';

export interface PreDrainOptions {
  readonly batchSize?: number;
  readonly fence?: Fence;
  /** Drain rounds before giving up when a record in flight leaves a gap (default 100, about 9 s: longer than the drain's gap grace). */
  readonly maxRounds?: number;
}

export interface PreDrained {
  readonly snapshot: Snapshot;
  readonly watermark: number;
  readonly drains: DrainResult[];
}

/** Drains the log up to the head observed now; returns a snapshot that includes every earlier acknowledged keyed write. */
export async function drainBeforeDirectWrite(store: ObjectStore, root: string, deps: RewriteDeps, opts: PreDrainOptions = {}): Promise<PreDrained> {
  const first = await loadSnapshot(store, root);
  if (primaryKeyOf(first.metadata).length === 0) return { snapshot: first, watermark: 0, drains: [] };
  const head = await lastRecordSeq(store, root, 0);
  const drains: DrainResult[] = [];
  let snapshot = first;
  for (let round = 1; drainedWatermark(snapshot) < head; round++) {
    if (round > (opts.maxRounds ?? 100)) {
      throw new AppError('ERR_WRITE_CONTENTION', `The write log of ${root} could not be drained up to seq ${head} before a direct write (a record is still being written); retry the statement.`, { root, head });
    }
    const r = await drainTable(store, root, { batchSize: opts.batchSize ?? 10_000, ...(opts.fence ? { fence: opts.fence } : {}) }, deps);
    drains.push(r);
    if (r.walEntriesProcessed === 0) await new Promise((resolve) => setTimeout(resolve, Math.min(100, 5 * round)));
    snapshot = await loadSnapshot(store, root);
  }
  return { snapshot, watermark: drainedWatermark(snapshot), drains };
}

/**
 * The whole protocol: pre-drain, let `build` stage the write on the returned snapshot, commit with
 * the incorporated watermark; re-run from the pre-drain when a drain or direct write won the race.
 */
export async function commitDirectWrite(
  store: ObjectStore, root: string, deps: RewriteDeps,
  build: (snapshot: Snapshot) => Promise<{ tx: Transaction; operation: string; operationParameters?: Record<string, unknown>; operationMetrics?: Record<string, number | string> }>,
  opts: PreDrainOptions & { maxAttempts?: number } = {},
): Promise<CommitResult & { watermark: number }> {
  return commitConflictRetry(opts.maxAttempts ?? 10).run(async () => {
    const { snapshot, watermark } = await drainBeforeDirectWrite(store, root, deps, opts);
    const staged = await build(snapshot);
    if (primaryKeyOf(snapshot.metadata).length > 0) markIncorporated(staged.tx, snapshot);
    const result = await staged.tx.commit({ operation: staged.operation, ...(staged.operationParameters ? { operationParameters: staged.operationParameters } : {}), ...(staged.operationMetrics ? { operationMetrics: staged.operationMetrics } : {}) });
    return { ...result, watermark };
  });
}

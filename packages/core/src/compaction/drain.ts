/**
 * drainTable: moves un-drained WAL records into Delta (docs/design/wal-and-compaction.md, "Drain").
 *
 *   snapshot ─▶ fence check ─▶ contiguous records after the watermark (≤ batchSize) ─▶ decode + fold
 *   ─▶ reject invalid rows ─▶ mergeBatch (Parquet uploaded) ─▶ rejected/<seq>.json
 *   ─▶ ONE commit { removes, adds, txn k3-wal = lastSeq, txn k3-compactor-epoch = E,
 *                  txn k3-request:<key> per record with an idempotency key } (MERGE)
 *   ─▶ _drained/<lastSeq> marker ─▶ delete records ≤ lastSeq
 *
 * Crash safety: before the commit nothing is visible (uploaded files are orphans, the re-run reads
 * the same records); the commit is one put-if-absent; after it the watermark says "drained", so a
 * re-run skips those records and only finishes the marker and deletions. A lost commit race
 * against another drain or a direct write (both write txn k3-wal) re-runs from a new snapshot;
 * against a newer leader (txn k3-compactor-epoch) it ends with ERR_COMPACTOR_FENCED.
 * Hooks let tests inject a crash between the steps.
 */
import { commitConflictRetry } from '../delta/commit-conflict.ts';
import { requestTxnAppId } from '../delta/request-txns.ts';
import { loadSnapshot, type Snapshot } from '../delta/snapshot.ts';
import { Transaction } from '../delta/transaction.ts';
import type { RewriteDeps } from '../maintenance/maintenance-deps.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { emptyOverlay, foldRecords, removeKey, upsertCount, type SeqRecord } from '../wal/overlay.ts';
import { upgradeRecords } from '../wal/record-upgrade.ts';
import { primaryKeyOf } from '../catalog/table-spec.ts';
import { walTableShape, type WalTableShape } from '../wal/table-shape.ts';
import { contiguousRun, fetchRecords, listWal } from '../wal/wal-reader.ts';
import { EPOCH_APP_ID, WAL_APP_ID, committedEpoch, drainedWatermark } from '../wal/watermark.ts';
import { assertNotFenced, fencedError, type Fence } from '../lease/epoch-fence.ts';
import { mergeBatch } from './merge-batch.ts';
import { quarantineCorrupt, writeRejected, type RejectedRow } from './rejected-log.ts';
import { fillGaps } from './fill-gaps.ts';
import { finishDrain } from './finish-drain.ts';
import type { DrainHooks } from './drain-hooks.ts';
import type { WalOverlay } from '../wal/overlay.ts';
import { DUCKDB_FOLD_MIN_ROWS, foldInDuckDB, upsertRowCount } from './drain-fold.ts';

export interface DrainOptions {
  readonly batchSize: number;
  /** The leader's storage epoch; without it the drain is unfenced (direct-write pre-drain). */
  readonly fence?: Fence;
  readonly hooks?: DrainHooks;
  /** Re-runs after losing a commit race (default 5). */
  readonly maxConflictRetries?: number;
  /** Drained records deleted per request (default 500). */
  readonly deleteChunkSize?: number;
  /** A missing seq followed by a record older than this is filled with an empty record (default 5 s; fill-gaps.ts). */
  readonly gapGraceMs?: number;
  /** A batch of at least this many upserted rows is folded in DuckDB, a smaller one in JS (default DUCKDB_FOLD_MIN_ROWS; drain-fold.ts). */
  readonly duckdbFoldMinRows?: number;
}

/** The seeds' Compact response fields, plus what the log and the commit did. */
export interface DrainResult {
  readonly walEntriesProcessed: number;
  readonly walUniqueKeys: number;
  readonly rowsMerged: number;
  readonly rowsRejected: number;
  readonly tombstonesSeen: number;
  readonly truncated: boolean;
  /** Version committed by this drain, or the snapshot version when there was nothing to drain. */
  readonly lastDrainTargetVersion: number;
  /** Watermark after the drain. */
  readonly drainedThrough: number;
  readonly filesAdded: number;
  readonly filesRemoved: number;
  readonly recordsQuarantined: number;
  /** Live files fetched to look for keys (the rest were excluded by partition values or stats). */
  readonly filesScanned: number;
}

export async function drainTable(store: ObjectStore, root: string, opts: DrainOptions, deps: RewriteDeps): Promise<DrainResult> {
  // Writers of this process leave the event loop to the drain while it runs (ObjectStore.backgroundWork).
  const release = store.backgroundWork?.();
  try {
    return await drainTableNow(store, root, opts, deps);
  } finally {
    release?.();
  }
}

async function drainTableNow(store: ObjectStore, root: string, opts: DrainOptions, deps: RewriteDeps): Promise<DrainResult> {
  // A lost commit race re-runs on a new snapshot — unless a newer leader won it (fenced).
  const onConflict = async (): Promise<void> => {
    if (!opts.fence) return;
    const epoch = committedEpoch(await loadSnapshot(store, root));
    if (epoch > opts.fence.epoch) throw fencedError(opts.fence, epoch);
  };
  return commitConflictRetry((opts.maxConflictRetries ?? 5) + 1).run(async () => {
    for (;;) {
      const snapshot = await loadSnapshot(store, root);
      if (opts.fence) assertNotFenced(snapshot, opts.fence);
      const result = await drainOnce(store, snapshot, opts, deps);
      if (result !== undefined) return result;
    }
  }, onConflict);
}

/** One attempt; undefined when a listed record vanished (another drain won) and it must re-run. */
async function drainOnce(store: ObjectStore, snapshot: Snapshot, opts: DrainOptions, deps: RewriteDeps): Promise<DrainResult | undefined> {
  const root = snapshot.root;
  // A table without a primary key has no write log: there is never anything to drain.
  if (primaryKeyOf(snapshot.metadata).length === 0) return { ...zero(snapshot.version, 0), truncated: false };
  const shape = walTableShape(snapshot);
  const watermark = drainedWatermark(snapshot);
  const listing = await listWal(store, root, watermark);
  const run = contiguousRun(listing.pending, watermark, Math.max(1, opts.batchSize));
  const truncated = listing.pending.length > run.length;
  const runEnd = watermark + run.length;
  const next = listing.pending.find((e) => e.seq > runEnd);
  if (run.length < opts.batchSize && next !== undefined) {
    const now = (deps.transaction.clock ?? Date.now)();
    if (await fillGaps(store, root, shape, runEnd, next, now, opts.gapGraceMs ?? 5_000)) return undefined;
  }
  const last = run[run.length - 1];
  if (last === undefined) {
    await finishDrain(store, root, shape.tableId, watermark, listing.drained.map((e) => e.key), opts);
    return { ...zero(snapshot.version, watermark), truncated };
  }
  // The process's decoded-record cache (embedded mode: the records its writers and STRONG reads
  // already decoded); safe for the same reason it is for readers (wal/record-cache.ts).
  const fetched = await fetchRecords(store, run, deps.records !== undefined ? { cache: deps.records } : {});
  const records: SeqRecord[] = [];
  const rejected: RejectedRow[] = [];
  let quarantined = 0;
  for (const f of fetched) {
    if ('missing' in f) return undefined;
    if ('error' in f) {
      await quarantineCorrupt(store, root, f.entry.seq, f.entry.key);
      rejected.push({ seq: f.entry.seq, reason: `corrupt: ${String(f.error.details?.['reason'] ?? f.error.message)}` });
      quarantined++;
    } else records.push(f.result);
  }
  await opts.hooks?.afterRead?.();
  // Newest-wins per key: a big batch in DuckDB (drain-fold.ts), a small one in JS (wal/overlay.ts).
  // Records of an older definition an ALTER changed values of, as the ALTER would have converted them (wal/record-upgrade.ts).
  const current = await upgradeRecords(records, snapshot.metadata, shape);
  const fold = upsertRowCount(current) >= (opts.duckdbFoldMinRows ?? DUCKDB_FOLD_MIN_ROWS) ? foldInDuckDB(current, shape) : undefined;
  const overlay = emptyOverlay();
  const skipped = fold !== undefined ? fold.skipped : foldRecords(overlay, current, shape);
  for (const s of skipped) {
    for (const values of s.record.upserts) rejected.push({ seq: s.seq, reason: s.reason, values, columns: s.record.columns.map((c) => c.name) });
    for (const values of s.record.deletes) rejected.push({ seq: s.seq, reason: s.reason, values, columns: [...s.record.primaryKey] });
  }
  const jsUniqueKeys = overlay.byKey.size;
  if (fold === undefined) rejected.push(...rejectInvalidRows(overlay, shape));
  const merged = await mergeBatch(store, snapshot, overlay, shape, deps, fold);
  if (merged.fold !== undefined) rejected.push(...merged.fold.rejected);
  const uniqueKeys = merged.fold?.uniqueKeys ?? jsUniqueKeys;
  const keyCount = merged.fold?.keys ?? overlay.byKey.size;
  const upserts = merged.fold?.upserts ?? upsertCount(overlay);
  const requests = fold?.requests ?? overlay.requests;
  const tombstonesSeen = fold?.tombstonesSeen ?? overlay.tombstonesSeen;
  await opts.hooks?.afterWrite?.();
  const rowsRejected = rejected.filter((r) => r.values !== undefined).length;
  await writeRejected(store, root, shape.tableId, last.seq, rejected);
  const tx = Transaction.forSnapshot(store, snapshot, deps.transaction).readFiles(merged.removed).removeFiles(merged.removed).addFiles(merged.added).setTxn(WAL_APP_ID, last.seq);
  if (opts.fence) tx.setTxn(EPOCH_APP_ID, opts.fence.epoch);
  // Idempotency keys of the drained records move into Delta with them (delta/request-txns.ts).
  for (const [key, rows] of requests) tx.setTxn(requestTxnAppId(key), rows);
  const commit = await tx.commit({
    operation: 'MERGE',
    operationParameters: { predicate: `k3 write-log drain of seq ${watermark + 1}..${last.seq}`, matchedPredicates: [{ actionType: 'update' }, { actionType: 'delete' }], notMatchedPredicates: [{ actionType: 'insert' }] },
    operationMetrics: {
      numSourceRows: keyCount, numTargetRowsInserted: upserts - merged.matchedUpserts, numTargetRowsUpdated: merged.matchedUpserts,
      numTargetRowsDeleted: merged.matchedKeys - merged.matchedUpserts, numTargetRowsCopied: merged.outputRows - upserts, numOutputRows: merged.outputRows,
      numTargetFilesAdded: merged.added.length, numTargetFilesRemoved: merged.removed.length,
      numTargetBytesAdded: merged.added.reduce((s, a) => s + a.size, 0), numTargetBytesRemoved: merged.removed.reduce((s, f) => s + f.add.size, 0),
      // k3's own metric (other engines ignore unknown keys): rows set aside under _k3_wal/rejected/.
      numRejectedRows: rowsRejected,
    },
  });
  await opts.hooks?.afterCommit?.();
  await finishDrain(store, root, shape.tableId, last.seq, [...listing.drained.map((e) => e.key), ...run.map((e) => e.key)], opts);
  deps.records?.forgetThrough(store, root, last.seq); // wip/bulk11: drained records leave the process's decoded-record cache
  return {
    walEntriesProcessed: run.length, walUniqueKeys: uniqueKeys, rowsMerged: keyCount, rowsRejected,
    tombstonesSeen, truncated, lastDrainTargetVersion: commit.version, drainedThrough: last.seq,
    filesAdded: merged.added.length, filesRemoved: merged.removed.length, recordsQuarantined: quarantined, filesScanned: merged.candidates,
  };
}

/** Upserts with a NULL in a NOT NULL or key column are rejected: the key keeps its Delta row. */
function rejectInvalidRows(overlay: WalOverlay, shape: WalTableShape): RejectedRow[] {
  const required = new Set([...shape.notNull, ...shape.primaryKey]);
  const checks = shape.columns.map((c, i) => ({ i, name: c.name })).filter((c) => required.has(c.name));
  const out: RejectedRow[] = [];
  for (const [k, { row, seq }] of overlay.byKey) {
    if (row === undefined) continue;
    const bad = checks.find((c) => row[c.i] === null || row[c.i] === undefined);
    if (bad === undefined) continue;
    removeKey(overlay, k);
    out.push({ seq, reason: `not-null:${bad.name}`, values: row, columns: shape.columns.map((c) => c.name) });
  }
  return out;
}

function zero(version: number, watermark: number): Omit<DrainResult, 'truncated'> {
  return { walEntriesProcessed: 0, walUniqueKeys: 0, rowsMerged: 0, rowsRejected: 0, tombstonesSeen: 0, lastDrainTargetVersion: version, drainedThrough: watermark, filesAdded: 0, filesRemoved: 0, recordsQuarantined: 0, filesScanned: 0 };
}

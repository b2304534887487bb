/**
 * Reading the log: list the records after a watermark, fetch and decode them, fold them into an
 * overlay (overlay.ts). `loadStrongState` pairs the overlay with the snapshot it belongs to.
 *
 * Invariant of `loadStrongState`: the overlay holds exactly the records with seq > the snapshot's
 * watermark that existed when it listed. A listed record that is gone when fetched was drained
 * (and deleted) after the snapshot was loaded; its rows are in a newer Delta version, so the
 * whole read restarts from a new snapshot rather than miss them.
 */
import type { Snapshot } from '../delta/snapshot.ts';
import { loadSnapshot } from '../delta/snapshot.ts';
import { AppError, isAppError } from '../errors/index.ts';
import { RetryPolicy } from '../retry/retry-policy.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { decodeWalRecord } from './record-codec.ts';
import { emptyOverlay, foldRecords, type SeqRecord, type SkippedRecord, type WalOverlay } from './overlay.ts';
import { walTableShape, type WalTableShape } from './table-shape.ts';
import { upgradeRecords } from './record-upgrade.ts';
import { drainedWatermark } from './watermark.ts';
import { maxDrainedMarker } from './drained-markers.ts';
import { listRecords, type WalEntry } from './list-records.ts';
import type { WalRecordCache } from './record-cache.ts';

export type { WalEntry } from './list-records.ts';

export interface WalListing {
  /** Records with seq > after, ascending. */
  readonly pending: WalEntry[];
  /** Records with seq ≤ after: drained, waiting for deletion. */
  readonly drained: WalEntry[];
}

export async function listWal(store: ObjectStore, root: string, after: number): Promise<WalListing> {
  const pending: WalEntry[] = [];
  const drained: WalEntry[] = [];
  for (const e of await listRecords(store, root)) (e.seq > after ? pending : drained).push(e);
  return { pending, drained };
}

export interface WalBacklog {
  /** Un-drained records (seq > watermark). */
  readonly entries: number;
  readonly bytes: number;
  /** Epoch ms of the oldest un-drained record's object, undefined when there is none. */
  readonly oldestLastModified: number | undefined;
  readonly watermark: number;
}

/** The log backlog at `snapshot` (DescribeTable's backlog figures, compactor tick decisions). */
export async function walBacklog(store: ObjectStore, snapshot: Pick<Snapshot, 'root' | 'txns'>): Promise<WalBacklog> {
  const watermark = drainedWatermark(snapshot);
  const { pending } = await listWal(store, snapshot.root, watermark);
  return {
    entries: pending.length,
    bytes: pending.reduce((s, e) => s + e.size, 0),
    oldestLastModified: pending.length === 0 ? undefined : Math.min(...pending.map((e) => e.lastModified)),
    watermark,
  };
}

/** The longest run after..after+n with no missing seq (a drain must not skip a record still being written). */
export function contiguousRun(pending: readonly WalEntry[], after: number, limit: number): WalEntry[] {
  const run: WalEntry[] = [];
  for (const e of pending) {
    if (run.length >= limit || e.seq !== after + run.length + 1) break;
    run.push(e);
  }
  return run;
}

export type FetchedRecord = { entry: WalEntry; result: SeqRecord } | { entry: WalEntry; error: AppError } | { entry: WalEntry; missing: true };

/** GETs and decodes `entries` (bounded concurrency, cache first), reporting corrupt and vanished records instead of throwing. */
export async function fetchRecords(store: ObjectStore, entries: readonly WalEntry[], opts: { concurrency?: number; cache?: WalRecordCache } = {}): Promise<FetchedRecord[]> {
  const concurrency = opts.concurrency ?? 16;
  const out = new Array<FetchedRecord>(entries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      const entry = entries[i]!;
      const cached = opts.cache?.getOrTakeWritten(store, entry);
      if (cached !== undefined) { out[i] = { entry, result: { seq: entry.seq, record: cached } }; continue; }
      const bytes = await store.get(entry.key);
      if (bytes === undefined) { out[i] = { entry, missing: true }; continue; }
      try {
        const record = decodeWalRecord(bytes, entry.key);
        opts.cache?.set(entry, record);
        out[i] = { entry, result: { seq: entry.seq, record } };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        out[i] = { entry, error: err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
  return out;
}

export interface StrongState {
  readonly snapshot: Snapshot;
  readonly shape: WalTableShape;
  readonly watermark: number;
  readonly overlay: WalOverlay;
  /** Records that cannot apply (other table id, changed types); they are not in the overlay. */
  readonly skipped: SkippedRecord[];
}

export interface ReadOverlayOptions {
  readonly cache?: WalRecordCache;
}

/**
 * The overlay for `snapshot`, or undefined when a drain raced the read (reload the snapshot and
 * retry): a listed record vanished, or a drained marker above the snapshot's watermark appeared —
 * records after the watermark may then have been deleted (and their slots re-created) while we
 * read. Markers precede deletions, so no marker above the watermark after the GETs means every
 * record read was the original. Corrupt records throw ERR_WAL_RECORD_CORRUPT.
 */
export async function readWalOverlay(store: ObjectStore, snapshot: Snapshot, opts: ReadOverlayOptions = {}): Promise<Omit<StrongState, 'snapshot'> | undefined> {
  const shape = walTableShape(snapshot);
  const watermark = drainedWatermark(snapshot);
  const { pending } = await listWal(store, snapshot.root, watermark);
  const fetched = await fetchRecords(store, pending, opts.cache ? { cache: opts.cache } : {});
  const records: SeqRecord[] = [];
  for (const f of fetched) {
    if ('missing' in f) return undefined;
    if ('error' in f) throw f.error;
    records.push(f.result);
  }
  // Also when nothing is pending (wip/lookup12): a drain that committed after `snapshot` was listed
  // and deleted the records after its watermark before this LIST leaves the LIST empty — its marker
  // (written before any deletion) is what says so; without this check the overlay would silently
  // lack acknowledged records (test/htap/strong-drain-gap.test.ts).
  if ((await maxDrainedMarker(store, snapshot.root, snapshot.metadata.id)) > watermark) return undefined;
  const overlay = emptyOverlay();
  // Records of an older definition an ALTER changed values of, as the ALTER would have converted them.
  const skipped = foldRecords(overlay, await upgradeRecords(records, snapshot.metadata, shape), shape);
  return { shape, watermark, overlay, skipped };
}

/** A snapshot and the un-drained records on top of it (read-your-writes for STRONG / OLTP_ONLY). */
export async function loadStrongState(store: ObjectStore, root: string, opts: ReadOverlayOptions & { maxAttempts?: number } = {}): Promise<StrongState> {
  // A drain racing the read: re-read (the one retry policy; a short backoff lets the drain finish).
  const policy = new RetryPolicy({ maxAttempts: opts.maxAttempts ?? 10, baseDelayMs: 2, maxDelayMs: 50, retryIf: (err) => isAppError(err, 'ERR_WRITE_CONTENTION') });
  return policy.run(async (attempt) => {
    const snapshot = await loadSnapshot(store, root);
    const state = await readWalOverlay(store, snapshot, opts);
    if (state !== undefined) return { snapshot, ...state };
    throw new AppError('ERR_WRITE_CONTENTION', `The write log of ${root} kept changing under the read (${attempt} drains raced it); retry the query.`, { root });
  });
}

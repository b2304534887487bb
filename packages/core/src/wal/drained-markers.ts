/**
 * Drained markers `_k3_wal/_drained/<tableId>/<seq>`: written by a drain after its commit and BEFORE it
 * deletes records ≤ seq. So "some record slot ≤ seq may have been freed" implies "a marker ≥ seq
 * exists", which is what a writer checks after winning a slot (wal-writer.ts). Only the maximum
 * matters; smaller markers are pruned once a larger one exists. A marker never exceeds the Delta
 * watermark (it is written after the commit), so it is a safe lower bound for a cold writer.
 */
import { commitKey, type ObjectStore } from '../object-store/index.ts';
import { drainedMarkerKey, drainedMarkerPrefix, parseTrailingNumber } from './wal-keys.ts';

export async function listDrainedMarkers(store: ObjectStore, root: string, tableId: string): Promise<number[]> {
  const { objects } = await store.list(drainedMarkerPrefix(root, tableId));
  return objects.map((o) => parseTrailingNumber(o.key)).filter((n): n is number => n !== undefined);
}

/** The highest drained marker, 0 when there is none. */
export async function maxDrainedMarker(store: ObjectStore, root: string, tableId: string): Promise<number> {
  return Math.max(0, ...(await listDrainedMarkers(store, root, tableId)));
}

/** A version of a table and its drained watermark, the newest version when the caller pinned it. */
export interface KnownVersion {
  readonly version: number;
  readonly watermark: number;
}

/**
 * The highest drained marker — or 0 when `known` proves that no marker exceeds `floor` (≥ its
 * watermark), by one HEAD instead of the markers' LIST: a marker is the watermark of a commit, written
 * after that commit (compaction/finish-drain.ts; a drain with nothing to drain re-writes the current
 * watermark's, never a higher one), and watermarks only grow with versions, so a marker above the known
 * watermark exists only once commit `version + 1` does (versions are contiguous, and one that new is
 * no log cleanup's). That commit there (a drain or any other write) → the LIST (hot-path.md "Round 18").
 */
export async function maxDrainedMarkerAbove(store: ObjectStore, root: string, tableId: string, floor: number, known: KnownVersion | undefined): Promise<number> {
  if (known !== undefined && floor >= known.watermark && (await store.head(commitKey(root, known.version + 1))) === undefined) return 0;
  return maxDrainedMarker(store, root, tableId);
}

/** Writes the marker for `seq` and prunes smaller ones. */
export async function writeDrainedMarker(store: ObjectStore, root: string, tableId: string, seq: number): Promise<void> {
  await store.put(drainedMarkerKey(root, tableId, seq), new Uint8Array(0));
  const older = (await listDrainedMarkers(store, root, tableId)).filter((n) => n < seq);
  if (older.length > 0) await store.deleteMany(older.map((n) => drainedMarkerKey(root, tableId, n)));
}

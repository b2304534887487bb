/**
 * SnapshotCache: latest snapshots of tables, never stale, rarely re-read.
 *
 * Every lookup LISTs the table's `_delta_log/` starting at the last version it knew (so the
 * listing is short) to learn the newest commit; a snapshot is reused only when that newest commit
 * is the very object it was built from (version + etag/mtime/size, so a table dropped and created
 * again at version 0 is not confused with the old one). Entries are evicted LRU.
 *
 * Invariant: `latest()` never returns a version older than the newest commit visible in the
 * listing it just did; `undefined` means no Delta table at that root.
 */
import { loadSnapshot, type Snapshot } from '../delta/snapshot.ts';
import type { ObjectMeta, ObjectStore } from '../object-store/index.ts';
import { commitKey, deltaLogPrefix, parseLogFileName } from '../object-store/paths.ts';

interface Head {
  readonly version: number;
  readonly tag: string;
}

export class SnapshotCache {
  readonly #capacity: number;
  /** key → snapshot; Map order is LRU order. */
  readonly #snapshots = new Map<string, Snapshot>();
  /** store url + root → last version seen (a listing hint only). */
  readonly #lastKnown = new Map<string, number>();

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  /** The newest snapshot of the table at `root`, or undefined when there is no table there. */
  async latest(store: ObjectStore, root: string): Promise<Snapshot | undefined> {
    const id = `${store.url}\0${root}`;
    const head = await this.#head(store, root, this.#lastKnown.get(id));
    if (head === undefined) {
      this.#lastKnown.delete(id);
      return undefined;
    }
    this.#lastKnown.set(id, head.version);
    const key = `${id}\0${head.version}\0${head.tag}`;
    const hit = this.#snapshots.get(key);
    if (hit !== undefined) {
      this.#snapshots.delete(key);
      this.#snapshots.set(key, hit);
      return hit;
    }
    const snapshot = await loadSnapshot(store, root, { version: head.version });
    this.#snapshots.set(key, snapshot);
    while (this.#snapshots.size > this.#capacity) {
      const oldest = this.#snapshots.keys().next().value;
      if (oldest === undefined) break;
      this.#snapshots.delete(oldest);
    }
    return snapshot;
  }

  /** Forget what is known about a table (after DROP TABLE). */
  forget(store: ObjectStore, root: string): void {
    const id = `${store.url}\0${root}`;
    this.#lastKnown.delete(id);
    for (const key of [...this.#snapshots.keys()]) if (key.startsWith(`${id}\0`)) this.#snapshots.delete(key);
  }

  async #head(store: ObjectStore, root: string, hint: number | undefined): Promise<Head | undefined> {
    if (hint !== undefined) {
      // Start just before the hinted commit so the listing shows it if it still exists.
      const startAfter = hint > 0 ? commitKey(root, hint - 1) : deltaLogPrefix(root);
      const found = await newestCommit(store, root, startAfter);
      if (found !== undefined) return found;
    }
    return newestCommit(store, root, undefined);
  }
}

async function newestCommit(store: ObjectStore, root: string, startAfter: string | undefined): Promise<Head | undefined> {
  const listing = await store.list(deltaLogPrefix(root), startAfter === undefined ? {} : { startAfter });
  let best: { version: number; meta: ObjectMeta } | undefined;
  for (const meta of listing.objects) {
    const parsed = parseLogFileName(meta.key);
    if (parsed === undefined || (parsed.kind !== 'commit' && parsed.kind !== 'checkpoint' && parsed.kind !== 'multipart-checkpoint')) continue;
    // A checkpoint only counts when its commit is gone (log cleanup); a commit of the same version wins.
    if (best === undefined || parsed.version > best.version || (parsed.version === best.version && parsed.kind === 'commit')) {
      best = { version: parsed.version, meta };
    }
  }
  if (best === undefined) return undefined;
  return { version: best.version, tag: best.meta.etag ?? `${best.meta.lastModified}:${best.meta.size}` };
}

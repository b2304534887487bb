/**
 * SnapshotCache: latest snapshots of tables, never stale, rarely re-read.
 *
 * Every lookup LISTs the table's `_delta_log/` starting at the last version it knew (so the
 * listing is short) to learn the newest commit — or, on a store whose LIST reads the whole
 * directory (the local directory), first HEADs that commit and the next: the log has not moved
 * when the one is there and the other is not; a snapshot is reused only when that newest commit
 * is the very object it was built from (version + etag/mtime/size, so a table dropped and created
 * again at version 0 is not confused with the old one). Entries are evicted LRU.
 *
 * A newer version is advanced from the newest snapshot this cache built for the table, reading only
 * the commits after it (advanceSnapshot), when that is exactly what a full load would give: the
 * listing shows the commit it was built from (same object), every commit after it up to the new
 * head, at most MAX_ADVANCE of them, and no checkpoint newer than the one it was folded from (a
 * checkpoint may drop expired tombstones). Otherwise the snapshot is loaded from the newest
 * checkpoint as before. A drain or a write then costs the next statement one commit GET instead of
 * the checkpoint and every commit after it (docs/design/hot-path.md, "Round 13").
 *
 * Invariant: `latest()` never returns a version older than the newest commit visible in the
 * listing it just did; `undefined` means no Delta table at that root.
 */
import { advanceSnapshot, loadBasedSnapshot, type Snapshot } from '../delta/snapshot.ts';
import { parseLogFile, type LogFile } from '../delta/log-segment.ts';
import type { ObjectMeta, ObjectStore } from '../object-store/index.ts';
import { commitKey, deltaLogPrefix } from '../object-store/paths.ts';

/** The most commits a snapshot is advanced by; a longer gap loads from the checkpoint. */
const MAX_ADVANCE = 64;

interface Head {
  readonly version: number;
  readonly tag: string;
  /** The log files the listing found (versions from the hint on, or all). */
  readonly files: readonly LogFile[];
  /** Tag of each commit the listing found, by version. */
  readonly commitTags: ReadonlyMap<number, string>;
}

/** The newest snapshot built for a table, with what advancing it must check. */
interface Base {
  readonly snapshot: Snapshot;
  /** Tag of the commit it was built at (the same object must still be there). */
  readonly tag: string;
  readonly checkpointVersion: number;
}

export class SnapshotCache {
  readonly #capacity: number;
  /** key → snapshot; Map order is LRU order. */
  readonly #snapshots = new Map<string, Snapshot>();
  /** store url + root → last version seen (a listing hint only). */
  readonly #lastKnown = new Map<string, number>();
  /** store url + root → the newest snapshot built (the base to advance from); evicted with the LRU. */
  readonly #bases = new Map<string, Base>();
  #advanced = 0;

  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  /** How many snapshots were advanced from an older one instead of loaded (tests assert which path ran). */
  get advanced(): number {
    return this.#advanced;
  }

  /** The newest snapshot of the table at `root`, or undefined when there is no table there. */
  async latest(store: ObjectStore, root: string): Promise<Snapshot | undefined> {
    const id = `${store.url}\0${root}`;
    const head = await this.#head(store, root, this.#lastKnown.get(id));
    if (head === undefined) {
      this.#lastKnown.delete(id);
      this.#bases.delete(id);
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
    const base = this.#bases.get(id);
    const commits = base === undefined ? undefined : commitsAfter(base, head);
    let built: Base;
    if (base !== undefined && commits !== undefined) {
      built = { snapshot: await advanceSnapshot(store, base.snapshot, commits), tag: head.tag, checkpointVersion: base.checkpointVersion };
      this.#advanced++;
    } else {
      const loaded = await loadBasedSnapshot(store, root, { version: head.version });
      built = { snapshot: loaded.snapshot, tag: head.tag, checkpointVersion: loaded.checkpointVersion };
    }
    const newest = this.#bases.get(id);
    if (newest === undefined || newest.snapshot.version <= built.snapshot.version) {
      this.#bases.delete(id); // Map order is LRU order here too
      this.#bases.set(id, built);
    }
    this.#snapshots.set(key, built.snapshot);
    while (this.#snapshots.size > this.#capacity) {
      const oldest = this.#snapshots.keys().next().value;
      if (oldest === undefined) break;
      this.#snapshots.delete(oldest);
    }
    while (this.#bases.size > this.#capacity) {
      const oldest = this.#bases.keys().next().value;
      if (oldest === undefined) break;
      this.#bases.delete(oldest);
    }
    return built.snapshot;
  }

  /**
   * Whether the newest commit this cache saw of the table at `root` is still there (one HEAD; false
   * when it saw none). True means a Delta log is there — what a LIST of the log would be asked.
   */
  async knownCommitExists(store: ObjectStore, root: string): Promise<boolean> {
    const version = this.#lastKnown.get(`${store.url}\0${root}`);
    return version !== undefined && (await store.head(commitKey(root, version))) !== undefined;
  }

  /** Forget what is known about a table (after DROP TABLE). */
  forget(store: ObjectStore, root: string): void {
    const id = `${store.url}\0${root}`;
    this.#lastKnown.delete(id);
    this.#bases.delete(id);
    for (const key of [...this.#snapshots.keys()]) if (key.startsWith(`${id}\0`)) this.#snapshots.delete(key);
  }

  async #head(store: ObjectStore, root: string, hint: number | undefined): Promise<Head | undefined> {
    if (hint !== undefined) {
      if (store.listScansDirectory === true) {
        const unchanged = await unchangedHead(store, root, hint);
        if (unchanged !== undefined) return unchanged;
      }
      // Start just before the hinted commit so the listing shows it if it still exists.
      const startAfter = hint > 0 ? commitKey(root, hint - 1) : deltaLogPrefix(root);
      const found = await newestCommit(store, root, startAfter);
      if (found !== undefined) return found;
    }
    return newestCommit(store, root, undefined);
  }
}

/**
 * The commits that advance `base` to `head` exactly as a full load would build it, or undefined:
 * the commit `base` was built at is in the listing (same object), every later commit up to the head
 * is there (contiguous, at most MAX_ADVANCE), and no checkpoint newer than `base`'s is.
 */
function commitsAfter(base: Base, head: Head): LogFile[] | undefined {
  const from = base.snapshot.version;
  if (head.version <= from || head.version - from > MAX_ADVANCE) return undefined;
  const commits = new Map<number, LogFile>();
  for (const f of head.files) {
    if (f.kind !== 'commit') {
      if (f.version > base.checkpointVersion) return undefined;
      continue;
    }
    commits.set(f.version, f);
  }
  if (!commits.has(from) || head.commitTags.get(from) !== base.tag) return undefined;
  const out: LogFile[] = [];
  for (let v = from + 1; v <= head.version; v++) {
    const c = commits.get(v);
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}

/**
 * The head when the log has not moved past `hint`, by two HEADs instead of a LIST (for stores whose
 * LIST reads the whole directory: ObjectStore.listScansDirectory): commit `hint` is there and commit
 * `hint + 1` is not. Delta versions are contiguous — a commit is created only after its predecessor
 * — so no newer commit exists. Undefined when the log moved or the hinted commit is gone (dropped,
 * cleaned up): the caller LISTs, which also shows the checkpoints an advance must check. A commit
 * acknowledged before the call is seen either way: `hint + 1` is asked after `hint`.
 */
async function unchangedHead(store: ObjectStore, root: string, hint: number): Promise<Head | undefined> {
  const meta = await store.head(commitKey(root, hint));
  if (meta === undefined || (await store.head(commitKey(root, hint + 1))) !== undefined) return undefined;
  const file = parseLogFile(deltaLogPrefix(root), meta);
  if (file === undefined) return undefined;
  const tag = tagOf(meta);
  return { version: hint, tag, files: [file], commitTags: new Map([[hint, tag]]) };
}

function tagOf(meta: ObjectMeta): string {
  return meta.etag ?? `${meta.lastModified}:${meta.size}`;
}

async function newestCommit(store: ObjectStore, root: string, startAfter: string | undefined): Promise<Head | undefined> {
  const dir = deltaLogPrefix(root);
  const listing = await store.list(dir, startAfter === undefined ? {} : { startAfter });
  const files: LogFile[] = [];
  const commitTags = new Map<number, string>();
  let best: { file: LogFile; tag: string } | undefined;
  for (const meta of listing.objects) {
    const file = parseLogFile(dir, meta);
    if (file === undefined) continue;
    files.push(file);
    if (file.kind === 'commit') commitTags.set(file.version, tagOf(meta));
    if (file.kind === 'v2-checkpoint') continue;
    // A checkpoint only counts when its commit is gone (log cleanup); a commit of the same version wins.
    if (best === undefined || file.version > best.file.version || (file.version === best.file.version && file.kind === 'commit')) best = { file, tag: tagOf(meta) };
  }
  if (best === undefined) return undefined;
  return { version: best.file.version, tag: best.tag, files, commitTags };
}

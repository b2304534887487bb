/**
 * FileCache: object-store data files as local paths DuckDB can `read_parquet`.
 *
 * Invariants (docs/design/execution.md, "The Parquet cache"):
 * - Delta data files are immutable, so a cached copy never goes stale: the cache key is
 *   sha256(store.url + key) and there is no revalidation.
 * - Only complete files are visible (cache-directory.ts: staged in `tmp/`, renamed into place).
 * - Concurrent requests for one file share one download.
 * - Total size is bounded by `maxBytes` with LRU eviction, but a file pinned by a lease
 *   (`acquire`) is never evicted; if everything is pinned the cache overshoots until release.
 * - A missing object is ERR_DELTA_DATA_FILE_MISSING naming the file (time travel to a vacuumed
 *   version fails this way).
 * - Stores that are local directories and expose `localPathOf(key)` are read in place, uncopied.
 * One cache directory belongs to one process: files left by an earlier run are adopted at start.
 */
import { promises as fs, statSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors/index.ts';
import { localPathOf, type ObjectStore } from '../object-store/index.ts';
import { cacheFileId, openCacheDirectory, writeCacheFile } from './cache-directory.ts';

export interface FileCacheOptions {
  readonly dir: string;
  readonly maxBytes: number;
  /** Parallel downloads per `acquire` (default 8). */
  readonly fetchConcurrency?: number;
}

/** A file to make local: its key and, when known (Delta `add.size`), its size for verification. */
export interface FileRequest {
  readonly key: string;
  readonly size?: number;
}

/** Local paths of a set of files, pinned until `release()` (idempotent). */
export interface FileLease {
  /** Object key → local path. */
  readonly paths: ReadonlyMap<string, string>;
  release(): void;
}

interface Entry {
  readonly path: string;
  readonly size: number;
  pins: number;
}

function missing(store: ObjectStore, key: string): AppError {
  return new AppError(
    'ERR_DELTA_DATA_FILE_MISSING',
    `Data file ${key} is missing from ${store.url}: it was removed (usually by VACUUM). This table version can no longer be read; query a newer version.`,
    { key, store: store.url },
  );
}

/** Lookups since the cache was created (cache metrics read them at scrape time). */
export interface FileCacheStats {
  hits: number;
  /** Downloaded from the store. */
  misses: number;
  /** Local-store files read where they lie (never cached). */
  inPlace: number;
}

export class FileCache {
  readonly dir: string;
  readonly stats: FileCacheStats = { hits: 0, misses: 0, inPlace: 0 };
  readonly maxBytes: number;
  readonly #fetchConcurrency: number;
  /** Insertion order = LRU order (a hit re-inserts). */
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<Entry>>();
  #bytes = 0;
  #ready: Promise<void> | undefined;

  constructor(opts: FileCacheOptions) {
    this.dir = path.resolve(opts.dir);
    this.maxBytes = opts.maxBytes;
    this.#fetchConcurrency = opts.fetchConcurrency ?? 8;
  }

  /** Bytes currently held (pinned or not). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * A local path for one file, not pinned: it stays until a later acquire/release evicts it, so
   * use `acquire` when the file must outlive other cache activity (every query does).
   */
  async localPath(store: ObjectStore, key: string, expectedSize?: number): Promise<string> {
    const lease = await this.#acquire(store, [{ key, ...(expectedSize !== undefined ? { size: expectedSize } : {}) }], false);
    lease.release();
    return lease.paths.get(key)!;
  }

  /** Makes every file local and pins them until the lease is released. */
  acquire(store: ObjectStore, files: readonly (FileRequest | string)[]): Promise<FileLease> {
    return this.#acquire(store, files, true);
  }

  async #acquire(store: ObjectStore, files: readonly (FileRequest | string)[], evictOnRelease: boolean): Promise<FileLease> {
    await this.#init();
    const requests = files.map((f) => (typeof f === 'string' ? { key: f } : f));
    const paths = new Map<string, string>();
    const pinned: Entry[] = [];
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const entry of pinned) entry.pins--;
      if (evictOnRelease) this.#evict();
    };
    // Workers stop at the first failure but always finish the fetch in hand, so that every pin
    // taken is recorded in `pinned` before the lease is released.
    let next = 0;
    let failure: { err: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < requests.length) {
        const req = requests[next++]!;
        if (paths.has(req.key)) continue;
        try {
          const inPlace = localPathOf(store, req.key);
          if (inPlace !== undefined) {
            this.stats.inPlace++;
            paths.set(req.key, this.#inPlace(store, req.key, inPlace));
            continue;
          }
          const entry = await this.#pinnedEntry(store, req);
          pinned.push(entry);
          paths.set(req.key, entry.path);
        } catch (err) {
          failure ??= { err };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#fetchConcurrency, requests.length) }, worker));
    if (failure !== undefined) {
      release();
      throw failure.err;
    }
    this.#evict();
    return { paths, release };
  }

  /**
   * A file read in place: only checked to exist, in-line — a stat is microseconds of kernel work,
   * while each thread-pool hop waited 0.1–0.6 ms on the loaded 2-core machine (local-object-store.ts;
   * a scan job over 16 files spent ≈ 2 ms here before its first DuckDB call, wip/cluster13).
   */
  #inPlace(store: ObjectStore, key: string, file: string): string {
    let stat;
    try {
      stat = statSync(file, { throwIfNoEntry: false });
    } catch {
      stat = undefined;
    }
    if (stat === undefined || !stat.isFile()) throw missing(store, key);
    return file;
  }

  /**
   * The cached entry for a file, pinned. The pin is taken in the same tick as the check that the
   * entry is still cached: a release elsewhere may evict it between the fetch and our continuation.
   */
  async #pinnedEntry(store: ObjectStore, req: FileRequest): Promise<Entry> {
    const id = cacheFileId(store.url, req.key);
    for (;;) {
      const entry = await this.#entry(store, req, id);
      if (this.#entries.get(id) === entry) {
        entry.pins++;
        return entry;
      }
    }
  }

  /** The cached entry for a file, downloading it once; touches it as most recently used. */
  async #entry(store: ObjectStore, req: FileRequest, id: string): Promise<Entry> {
    const hit = this.#entries.get(id);
    if (hit !== undefined) {
      this.stats.hits++;
      this.#entries.delete(id);
      this.#entries.set(id, hit);
      return hit;
    }
    let pending = this.#inflight.get(id);
    if (pending === undefined) {
      this.stats.misses++;
      pending = this.#download(store, req, id).finally(() => this.#inflight.delete(id));
      this.#inflight.set(id, pending);
    }
    return pending;
  }

  async #download(store: ObjectStore, req: FileRequest, id: string): Promise<Entry> {
    const body = await store.get(req.key);
    if (body === undefined) throw missing(store, req.key);
    if (req.size !== undefined && body.byteLength !== req.size) {
      throw new AppError(
        'ERR_DELTA_LOG_CORRUPT',
        `Data file ${req.key} in ${store.url} has ${body.byteLength} bytes but the Delta log says ${req.size}; the file was replaced outside Delta. Restore the file or the table.`,
        { key: req.key, store: store.url, actualSize: body.byteLength, logSize: req.size },
      );
    }
    const file = await writeCacheFile(this.dir, id, body);
    const entry: Entry = { path: file, size: body.byteLength, pins: 0 };
    this.#entries.set(id, entry);
    this.#bytes += entry.size;
    return entry;
  }

  /** Drops least recently used, unpinned files until the cache fits. */
  #evict(): void {
    if (this.#bytes <= this.maxBytes) return;
    for (const [id, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      if (entry.pins > 0) continue;
      this.#entries.delete(id);
      this.#bytes -= entry.size;
      // Unlink is best effort: a file open in DuckDB stays readable until closed (POSIX).
      void fs.rm(entry.path, { force: true }).catch(() => undefined);
    }
  }

  /** Once: create the layout, drop stale temp files, adopt complete files of an earlier run. */
  #init(): Promise<void> {
    this.#ready ??= (async () => {
      for (const f of await openCacheDirectory(this.dir)) {
        this.#entries.set(f.id, { path: f.path, size: f.size, pins: 0 });
        this.#bytes += f.size;
      }
      this.#evict();
    })().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }
}

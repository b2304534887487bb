/**
 * LocalObjectStore: a directory as an object store (embedded mode: `<K3_DATA_DIR>/<bucket>/`).
 *
 * Keys map to files under `rootDir` (segments become directories). Invariants:
 * - Nothing half-written is visible: `put` writes `.k3tmp-<random>` in the target directory, fsyncs,
 *   then renames over the key (atomic replace on POSIX) and fsyncs the directory (durable once
 *   acknowledged — a commit must not vanish in a crash).
 * - `putFile` (a local file, e.g. a Parquet file DuckDB wrote) hard-links the file as the temp file
 *   instead of writing its bytes again (a copy across file systems), then fsyncs and renames as `put`.
 * - `putIfAbsent` writes the temp file, then `link(tmp, final)`: link(2) fails with EEXIST when the
 *   name exists, atomically, so exactly one of N racing writers wins and readers only ever see a
 *   complete file. The temp file is unlinked either way.
 * - Listings never show temp files, and are in UTF-8 byte order: directory entries are sorted as
 *   `name` for files and `name/` for directories, which makes a depth-first walk emit keys in
 *   global order, so `limit` and `startAfter` can stop/skip without reading everything.
 * - `deleteMany` prunes directories that became empty, up to (not including) the root. A writer
 *   racing with the pruning re-creates its directory (ENOENT on the temp file → retry).
 * Limitation: a key cannot be both an object and a "directory" (`a` and `a/b`); S3 allows it, the
 * file system does not, and k3's layouts never need it → ERR_INVALID_NAME.
 *
 * Calls that only read metadata or fill the page cache run synchronously (wip/bulk12,
 * docs/design/hot-path.md "Bulk upserts, round 12"): a LIST's readdir / stat, a small object's
 * write and close, opening a directory to fsync it. They are microseconds of kernel work, but each
 * async call is a round trip through libuv's thread pool — on a 2-core machine whose cores DuckDB's
 * threads are using, each such hop waited 0.1–0.6 ms (a four-hop write-log LIST took 2.4 ms during a
 * DuckDB call, 0.2 ms in-line).
 * A small object's whole PUT (≤ INLINE_PUT_BYTES: write-log records, Delta commits, markers) runs
 * in-line too — create, write, fsync, link or rename, directory fsync — the way a database backend
 * writes and flushes its log itself (hot-path.md "Round 14"): as five thread-pool hops it took
 * 1.0–1.5 ms p50 with 9–24 ms outliers in a bulk-upsert loop, 0.6–0.8 ms with ≈ 4 ms at worst
 * in-line; the hops, not the device, made most of the outliers. The event loop is held for that
 * time, so the store backs off: a PUT that took longer than INLINE_SLOW_MS in-line sends the next
 * INLINE_BACKOFF_MS of PUTs to the thread pool (a slow or stalling device then holds only the
 * writes that wait on it). Larger bodies, whole-file reads and `putFile` stay asynchronous.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, fsync, fsyncSync, linkSync, mkdirSync, open, openSync, promises as fs, readdirSync, renameSync, statSync, unlinkSync, writeSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppError } from '../errors/index.ts';
import { assertValidKey, assertValidPrefix, TEMP_FILE_PREFIX } from './assert-valid-key.ts';
import { compareKeys, ListCollector } from './list-keys.ts';
import type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from './object-store.ts';

const PRUNE_RACE_ATTEMPTS = 5;
/** Bodies up to this size are written with synchronous open / write / close (the fsync stays asynchronous). */
const SMALL_BODY_BYTES = 1 << 20;
/** Bodies up to this size are PUT in-line, fsyncs included (see the header). */
const INLINE_PUT_BYTES = 256 << 10;
/** An in-line PUT slower than this … */
const INLINE_SLOW_MS = 10;
/** … sends PUTs to the thread pool for this long. */
const INLINE_BACKOFF_MS = 1000;

/** The in-line PUT's limits (tests set others to reach the thread-pool path). */
export interface LocalStoreLimits {
  /** Bodies up to this many bytes are PUT in-line (0: never). */
  readonly inlinePutBytes?: number;
  /** An in-line PUT slower than this (ms) … */
  readonly inlineSlowMs?: number;
  /** … sends PUTs to the thread pool for this long (ms). */
  readonly inlineBackoffMs?: number;
}

export class LocalObjectStore implements ObjectStore {
  readonly url: string;
  readonly rootDir: string;
  readonly #limits: Required<LocalStoreLimits>;
  /** performance.now() before which PUTs go to the thread pool (an in-line PUT was slow). */
  #inlineAfter = 0;
  /** Background work declared now (`backgroundWork`): PUTs go to the thread pool while any runs. */
  #background = 0;

  constructor(rootDir: string, limits: LocalStoreLimits = {}) {
    this.#limits = { inlinePutBytes: INLINE_PUT_BYTES, inlineSlowMs: INLINE_SLOW_MS, inlineBackoffMs: INLINE_BACKOFF_MS, ...limits };
    this.rootDir = path.resolve(rootDir);
    this.url = pathToFileURL(this.rootDir + path.sep).href;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    const file = this.#path(key);
    try {
      if (range === undefined) return new Uint8Array(await fs.readFile(file));
      const handle = await fs.open(file, 'r');
      try {
        const length = Math.max(0, range.end - range.start);
        const buffer = new Uint8Array(length);
        let filled = 0;
        while (filled < length) {
          const { bytesRead } = await handle.read(buffer, filled, length - filled, range.start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return buffer.slice(0, filled);
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw mapFsError(err, 'get', key);
    }
  }

  /** LIST reads the whole directory (`readdir`); see ObjectStore.listScansDirectory. */
  readonly listScansDirectory = true;

  /** In-line, like LIST's stats: one `stat` is cheaper than a thread-pool hop (wip/bulk12). */
  async head(key: string): Promise<ObjectMeta | undefined> {
    try {
      const stat = statSync(this.#path(key), { throwIfNoEntry: false });
      return stat?.isFile() === true ? { key, size: stat.size, lastModified: Math.floor(stat.mtimeMs) } : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw mapFsError(err, 'head', key);
    }
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const file = this.#path(key);
    if (this.#inline(body)) {
      this.#timed(() => {
        const tmp = writeTempSync(key, file, body);
        try {
          renameSync(tmp, file);
        } catch (err) {
          removeSyncQuietly(tmp);
          throw mapFsError(err, 'put', key);
        }
        syncDirectorySync(path.dirname(file), 'put', key);
      });
      return;
    }
    const tmp = await this.#writeTemp(key, file, body);
    try {
      await fs.rename(tmp, file);
    } catch (err) {
      await removeQuietly(tmp);
      throw mapFsError(err, 'put', key);
    }
    await syncDirectory(path.dirname(file));
  }

  /**
   * `put` of a local file without copying it: hard-link it as the temp file next to the key (a
   * copy when the file is on another file system or links are refused), fsync that inode, rename
   * over the key, fsync the directory. The source name stays; its bytes are now shared with the
   * object, so the caller must not change the file (it only removes it).
   */
  async putFile(key: string, source: string): Promise<number> {
    const file = this.#path(key);
    const dir = path.dirname(file);
    const tmp = path.join(dir, `${TEMP_FILE_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await inDirectory(dir, () => linkOrCopy(source, tmp)); // a missing source fails every attempt
      const handle = await fs.open(tmp, 'r');
      let size: number;
      try {
        await handle.sync();
        size = (await handle.stat()).size;
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, file);
      await syncDirectory(dir);
      return size;
    } catch (err) {
      await removeQuietly(tmp);
      throw mapFsError(err, 'put', key);
    }
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const file = this.#path(key);
    if (this.#inline(body)) {
      return this.#timed(() => {
        const tmp = writeTempSync(key, file, body);
        try {
          linkSync(tmp, file);
        } catch (err) {
          if (errnoCode(err) === 'EEXIST') return false;
          throw mapFsError(err, 'putIfAbsent', key);
        } finally {
          removeSyncQuietly(tmp);
        }
        syncDirectorySync(path.dirname(file), 'putIfAbsent', key);
        return true;
      });
    }
    const tmp = await this.#writeTemp(key, file, body);
    try {
      await fs.link(tmp, file);
      await syncDirectory(path.dirname(file));
      return true;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw mapFsError(err, 'putIfAbsent', key);
    } finally {
      await removeQuietly(tmp);
    }
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    assertValidPrefix(prefix);
    const collector = new ListCollector(prefix, options);
    // Start at the deepest directory the prefix names; the rest of the prefix filters its entries.
    const dirKey = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    try {
      await this.#walk(dirKey, collector, prefix, options?.startAfter);
    } catch (err) {
      if (!isMissing(err)) throw mapFsError(err, 'list', prefix);
    }
    return collector.result();
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertValidKey(key);
    for (const key of keys) {
      try {
        await fs.unlink(this.#path(key));
      } catch (err) {
        // Missing, or `key` names a directory (EISDIR on Linux, EPERM per POSIX): no object to delete.
        if (isMissing(err)) continue;
        if (errnoCode(err) === 'EPERM' && (await fs.stat(this.#path(key)).catch(() => undefined))?.isDirectory()) continue;
        throw mapFsError(err, 'deleteMany', key);
      }
      await this.#pruneEmptyParents(key);
    }
  }

  async #walk(dirKey: string, collector: ListCollector, prefix: string, startAfter: string | undefined): Promise<void> {
    const entries = readdirSync(path.join(this.rootDir, ...dirKey.split('/').filter(Boolean)), { withFileTypes: true });
    const named = entries
      .filter((e) => !e.name.startsWith(TEMP_FILE_PREFIX) && (e.isFile() || e.isDirectory()))
      .map((e) => ({ entry: e, key: dirKey + e.name + (e.isDirectory() ? '/' : '') }))
      // Files the listing skips anyway (before startAfter, outside the prefix) are dropped before
      // the sort: a LIST after the last seen write-log record sorts only what is new (wip/write4).
      .filter(({ entry, key }) => entry.isDirectory() || collector.accepts(key))
      .sort((a, b) => compareKeys(a.key, b.key));
    const rolled = collector.rollUp(dirKey);
    if (rolled !== undefined) return this.#walkRolledUp(rolled, named, collector, prefix, startAfter);
    for (const { entry, key } of named) {
      if (collector.done) return;
      if (entry.isDirectory()) {
        // Skip directories that cannot hold a key under the prefix or after startAfter.
        if (!key.startsWith(prefix) && !prefix.startsWith(key)) continue;
        if (startAfter !== undefined && compareKeys(key, startAfter) < 0 && !startAfter.startsWith(key)) continue;
        const common = collector.rollUp(key);
        if (common !== undefined && key.startsWith(prefix) && collector.prefixes.at(-1) === common) continue;
        await this.#walkTolerant(key, collector, prefix, startAfter);
      } else if (collector.accepts(key)) {
        if (collector.rollUp(key) !== undefined) {
          collector.add(key, () => ({ key, size: 0, lastModified: 0 })); // rolled up: meta unused
          continue;
        }
        const full = path.join(this.rootDir, ...key.split('/'));
        const stat = statQuietly(full);
        if (stat === undefined) continue; // deleted while listing
        collector.add(key, () => ({ key, size: stat.size, lastModified: Math.floor(stat.mtimeMs) }));
      }
    }
  }

  /**
   * A directory every key under which rolls up into `rolled` (a delimiter LIST, below the level it
   * rolls up at): one accepted object anywhere under it puts `rolled` in the listing, and nothing
   * more can. So its files are looked at first, then its sub-directories only until one holds such
   * an object — a delimiter LIST of `tables/` used to walk every object of every table (every
   * commit of every Delta log) to name the tables.
   */
  async #walkRolledUp(rolled: string, named: readonly { entry: Dirent; key: string }[], collector: ListCollector, prefix: string, startAfter: string | undefined): Promise<void> {
    const found = (): boolean => collector.done || collector.prefixes.at(-1) === rolled;
    if (found()) return;
    const file = named.find(({ entry }) => !entry.isDirectory());
    if (file !== undefined) return collector.add(file.key, () => ({ key: file.key, size: 0, lastModified: 0 })); // rolled up: meta unused
    // Any order finds the same answer; names starting with `_` last, because those are the logs
    // (`_delta_log/`, `_k3_wal/`) — the large directories — and a table's data usually answers first.
    const dirs = [...named].sort((a, b) => Number(a.entry.name.startsWith('_')) - Number(b.entry.name.startsWith('_')));
    for (const { key } of dirs) {
      if (startAfter !== undefined && compareKeys(key, startAfter) < 0 && !startAfter.startsWith(key)) continue;
      await this.#walkTolerant(key, collector, prefix, startAfter);
      if (found()) return;
    }
  }

  /** A sub-directory may vanish (pruned) between readdir and descent; that is not an error. */
  async #walkTolerant(dirKey: string, collector: ListCollector, prefix: string, startAfter: string | undefined): Promise<void> {
    try {
      await this.#walk(dirKey, collector, prefix, startAfter);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
  }

  /**
   * While a drain of this process runs, or writers' appends overlap (wal-writer.ts `#put`), PUTs
   * leave the event loop: an in-line PUT holds the loop for its fsyncs — a writer beside a drain took
   * the loop time the drain's steps wait for (the drain with a writer fell from 206–276k to 157–232k
   * rows/s), and concurrent writers' fsyncs ran one after another instead of beside each other
   * (hot-path.md "Round 14").
   */
  backgroundWork(): () => void {
    this.#background++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#background--;
    };
  }

  #inline(body: Uint8Array): boolean {
    return body.byteLength <= this.#limits.inlinePutBytes && this.#background === 0 && performance.now() >= this.#inlineAfter;
  }

  /** Runs an in-line PUT; a slow one sends the next PUTs to the thread pool for a while. */
  #timed<T>(put: () => T): T {
    const start = performance.now();
    try {
      return put();
    } finally {
      const end = performance.now();
      if (end - start > this.#limits.inlineSlowMs) this.#inlineAfter = end + this.#limits.inlineBackoffMs;
    }
  }

  async #writeTemp(key: string, file: string, body: Uint8Array): Promise<string> {
    const tmp = path.join(path.dirname(file), `${TEMP_FILE_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      await inDirectory(path.dirname(file), async () => {
        if (body.byteLength <= SMALL_BODY_BYTES) {
          const fd = await openFd(tmp, 'wx');
          try {
            for (let at = 0; at < body.byteLength;) at += writeSync(fd, body, at, body.byteLength - at);
            await fsyncFd(fd);
          } finally {
            closeSync(fd);
          }
          return;
        }
        const handle = await fs.open(tmp, 'wx');
        try {
          await handle.writeFile(body);
          await handle.sync();
        } finally {
          await handle.close();
        }
      });
      return tmp;
    } catch (err) {
      await removeQuietly(tmp);
      throw mapFsError(err, 'put', key);
    }
  }


  async #pruneEmptyParents(key: string): Promise<void> {
    const segments = key.split('/').slice(0, -1);
    while (segments.length > 0) {
      try {
        await fs.rmdir(path.join(this.rootDir, ...segments));
      } catch {
        return; // not empty (or already gone): stop, the parents are not empty either
      }
      segments.pop();
    }
  }

  /** The absolute file path of `key` (validated); lets readers use immutable files in place. */
  pathOf(key: string): string {
    return this.#path(key);
  }

  #path(key: string): string {
    assertValidKey(key);
    return path.join(this.rootDir, ...key.split('/'));
  }
}

/** Makes a rename or link durable: the new directory entry survives a crash once this returns. */
async function syncDirectory(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename or link durable, in-line (an in-line PUT); its failure leaves the outcome unknown to the caller. */
function syncDirectorySync(dir: string, op: string, key: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw mapFsError(err, op, key);
  }
}

/** The temp file of an in-line PUT: created next to `file` (its directory made on ENOENT, as `inDirectory`), written, fsynced. */
function writeTempSync(key: string, file: string, body: Uint8Array): string {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `${TEMP_FILE_PREFIX}${randomBytes(8).toString('hex')}`);
  try {
    inDirectorySync(dir, () => {
      const fd = openSync(tmp, 'wx');
      try {
        for (let at = 0; at < body.byteLength;) at += writeSync(fd, body, at, body.byteLength - at);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
    return tmp;
  } catch (err) {
    removeSyncQuietly(tmp);
    throw mapFsError(err, 'put', key);
  }
}

/** Best-effort in-line removal of a temp file. */
function removeSyncQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already, or the error being reported matters more
  }
}

/**
 * Runs `create` (which makes a file in `dir`). The directory usually exists (the write log's, a
 * table's), so it is created only after ENOENT — no directory yet, or a concurrent deleteMany pruned
 * it between mkdir and the create — and `create` is tried again.
 */
async function inDirectory(dir: string, create: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      if (attempt > 0) await fs.mkdir(dir, { recursive: true });
      return await create();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' && attempt < PRUNE_RACE_ATTEMPTS) continue;
      throw err;
    }
  }
}

/** `inDirectory` for an in-line PUT: the same ENOENT → mkdir → create again, synchronously. */
function inDirectorySync(dir: string, create: () => void): void {
  for (let attempt = 0; ; attempt++) {
    try {
      if (attempt > 0) mkdirSync(dir, { recursive: true });
      return create();
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' && attempt < PRUNE_RACE_ATTEMPTS) continue;
      throw err;
    }
  }
}

/** Errors of link(2) that mean "not here" rather than "failed": another file system, no hard links, too many links. */
const LINK_REFUSED = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

/** Hard-links `source` as `dest`, or copies it when the file system refuses the link. */
async function linkOrCopy(source: string, dest: string): Promise<void> {
  try {
    await fs.link(source, dest);
  } catch (err) {
    if (!LINK_REFUSED.has(errnoCode(err) ?? '')) throw err;
    await fs.copyFile(source, dest, fsConstants.COPYFILE_EXCL);
  }
}

/** open(2) on the thread pool (creating a file may wait on the journal); the fd for the in-line calls. */
function openFd(file: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => open(file, flags, (err, fd) => (err ? reject(err) : resolve(fd))));
}

/** fsync(2) on the thread pool: it waits on the device. */
function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** A listed file's stat, or undefined when it was deleted since the readdir. */
function statQuietly(file: string): { size: number; mtimeMs: number } | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/** Best-effort cleanup of a temp file; its failure must not mask the error being reported. */
async function removeQuietly(file: string): Promise<void> {
  await fs.rm(file, { force: true }).catch(() => undefined);
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function isMissing(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

export function mapFsError(err: unknown, op: string, key: string): AppError {
  if (err instanceof AppError) return err;
  const code = errnoCode(err);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new AppError('ERR_STORE_ACCESS_DENIED', `The local store refused ${op} of ${JSON.stringify(key)} (${code}); check the permissions of the data directory.`, { op, key, fsCode: code }, { cause: err });
  }
  if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENOTEMPTY') {
    return new AppError('ERR_INVALID_NAME', `Object key ${JSON.stringify(key)} collides with a directory in the local store (${code}): a key cannot be both an object and a prefix of another key here.`, { op, key, fsCode: code }, { cause: err });
  }
  return new AppError('ERR_STORE_UNAVAILABLE', `The local store failed ${op} of ${JSON.stringify(key)}: ${(err as Error).message}`, { op, key, fsCode: code }, { cause: err });
}

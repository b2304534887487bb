/**
 * ObjectStore: the port every storage access goes through (S3, local directory, memory).
 *
 * Keys are `/`-separated, relative to the store's root (a bucket, or a directory), never starting
 * with `/`. Contract (tested by the shared contract suite against every adapter):
 * - `get` of a missing key returns `undefined`; ranges are inclusive-exclusive `[start, end)`.
 * - `putIfAbsent` creates the object only if no object exists at the key, atomically: exactly one
 *   of N concurrent callers gets `true`, the rest get `false`; a torn or partial object is never
 *   visible to readers.
 * - `list` returns keys in lexicographic (UTF-8 byte) order, strictly after `startAfter` when given.
 * - `deleteMany` ignores keys that do not exist.
 * - `putFile` (optional; `putLocalFile` otherwise reads the file and calls `put`) stores exactly the
 *   file's bytes with `put`'s semantics and leaves the file in place.
 * - Errors are `AppError`s: `ERR_STORE_UNAVAILABLE` (retryable) or `ERR_STORE_ACCESS_DENIED`.
 */
export interface ObjectMeta {
  readonly key: string;
  readonly size: number;
  /** Last-modified time in epoch milliseconds. */
  readonly lastModified: number;
  readonly etag?: string;
}

export interface ByteRange {
  readonly start: number;
  /** Exclusive. */
  readonly end: number;
}

export interface ListOptions {
  /** Return only keys strictly greater than this one. */
  readonly startAfter?: string;
  /** Stop after this many keys (the adapter pages internally). */
  readonly limit?: number;
  /** If set, roll up keys at the next delimiter into `prefixes` (directory-style listing). */
  readonly delimiter?: string;
}

export interface ListResult {
  readonly objects: ObjectMeta[];
  /** Common prefixes, when a delimiter was given. */
  readonly prefixes: string[];
}

export interface ObjectStore {
  /** A human-readable location for messages and paths, e.g. `s3://bucket/` or `file:///data/b/`. */
  readonly url: string;
  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined>;
  head(key: string): Promise<ObjectMeta | undefined>;
  put(key: string, body: Uint8Array): Promise<void>;
  /** Create-if-absent. Returns false when an object already exists at `key`. */
  putIfAbsent(key: string, body: Uint8Array): Promise<boolean>;
  /**
   * Optional: `put` of the bytes of the local file `file` (its byte size is returned). The file is
   * left where it is — the caller removes it — and must not change afterwards: an adapter may take
   * its bytes without copying them (the local directory hard-links it into place). Callers use
   * `putLocalFile(store, key, file)`, which reads the file and calls `put` when a store has no
   * putFile.
   */
  putFile?(key: string, file: string): Promise<number>;
  /**
   * Optional: declares work of this process that shares its event loop (a drain; writers whose
   * appends overlap); until the returned function is called, the store does not hold the event loop
   * for a PUT (the local directory's in-line PUTs go to the thread pool instead). Returns the release.
   */
  backgroundWork?(): () => void;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /**
   * Optional: true when a LIST reads every entry of the directory it starts in, whatever
   * `startAfter` says (the local directory: `readdir` cannot start after a name), so its cost grows
   * with the directory — a Delta log of 10,000 commits made every statement of its table ≈ 7 ms
   * slower. Callers that can name what they look for HEAD it instead (the snapshot cache's check
   * that a table's log has not moved; the warm state's new write-log records, wal/list-records.ts
   * `newRecords`). Absent: a LIST starts after the key (S3).
   */
  readonly listScansDirectory?: boolean;
  deleteMany(keys: readonly string[]): Promise<void>;
}

/**
 * PointLookups: rows of a keyed table by primary key, answered with ONE DuckDB call on a reused
 * connection (docs/design/hot-path.md, "Point lookups"). The API keyed writes also use:
 *
 *   lookupKeys({ store, root, name, snapshot, state?, keys, projection }, read) → read(result) per key
 *
 * - With a STRONG `state` (warm-state.ts) a key the un-drained overlay decides is answered from it:
 *   an upsert is its row image (DuckDB text) cast back to the column types — the same casts the
 *   STRONG view uses — and a tombstone is no row. The overlay's maps ARE the in-memory key index.
 * - Any other key reads the Delta files the key locator (key-locator.ts) keeps for it, at the
 *   state's snapshot (STRONG: the overlay's watermark belongs to it) or at `snapshot` (EVENTUAL).
 *
 * Each answer is ONE DuckDB call on a pooled connection: `SELECT <projection> FROM (<rows>) AS <name>`
 *   - overlay: a prepared statement over the row image as parameters, cached per (table,
 *     projection) on the connection;
 *   - Delta: the located files' rows SQL (cached per (table, file set)) with the key as typed
 *     constants, so DuckDB prunes row groups by their min/max (parameters would not be pushed
 *     into the Parquet scan).
 * Everything cached for a table is dropped as soon as the table is looked up at another snapshot
 * (table id, version) — the log says when, never a timer.
 */
import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBResult } from '@duckdb/node-api';
import { BOOLEAN, VARCHAR } from '@duckdb/node-api';
import type { ActiveFile, Snapshot } from '../delta/snapshot.ts';
import { snapshotSelectSql } from '../exec/bind-snapshot.ts';
import type { K3DuckDB } from '../exec/duckdb-instance.ts';
import type { FileCache } from '../exec/file-cache.ts';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { keepStatement, takeRecentStatement } from '../exec/prepared-statement-lru.ts';
import type { EncodedResult } from '../exec/result-encoding.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { DecodedFileCache } from './decoded-file-cache.ts';
import { KeyLocator } from './key-locator.ts';
import { keyString } from './overlay.ts';
import { isPlainType, overlayAnswer } from './plain-answer.ts';
import type { WalValue } from './record-codec.ts';
import type { WalTableShape } from './table-shape.ts';
import type { StrongState } from './wal-reader.ts';

export interface LookupRequest {
  readonly store: ObjectStore;
  /** Table root in the store (identifies the table's cached statements). */
  readonly root: string;
  /** Relation name the projection refers to (the table's name). */
  readonly name: string;
  /** EVENTUAL: the snapshot read. With `state` (STRONG) the state's snapshot is read instead. */
  readonly snapshot: Snapshot;
  /** STRONG: the warm state (overlay + its snapshot); keys it decides come from the overlay. */
  readonly state?: StrongState;
  readonly shape: WalTableShape;
  /** Primary-key tuples as DuckDB text, in primary-key column order. */
  readonly keys: readonly (readonly string[])[];
  /** A select list over the table's columns (default `*`). */
  readonly projection?: string;
  /** OLTP_ONLY: a key the overlay does not hold has no row (Delta is not read). */
  readonly overlayOnly?: boolean;
  /** Interrupts the running DuckDB call (the connection is then closed, not pooled). */
  readonly signal?: AbortSignal;
  /**
   * wip/lookup12: `projection` is `*` (`'*'`) or exactly these column names: a key the overlay or a
   * plain decoded file answers is then answered in JavaScript (plain-answer.ts), no DuckDB call.
   * Absent: every answer comes from DuckDB.
   */
  readonly plainColumns?: '*' | readonly string[];
}

/** A key's answer: DuckDB's result, or the same rows as domain values built in JavaScript (plain-answer.ts). */
export type LookupAnswer = { readonly result: DuckDBResult } | { readonly encoded: EncodedResult };

/** Where a key was answered from (tests and metrics). */
export type LookupSource = 'overlay' | 'tombstone' | 'delta';

export interface LookupFacts {
  readonly source: LookupSource;
  /** Delta files read (0 from the overlay). */
  readonly files: number;
  readonly bytes: number;
  /** Delta: answered from the decoded-file cache (decoded-file-cache.ts), not from Parquet. */
  readonly decoded?: boolean;
  /** Answered in JavaScript, without a DuckDB call (plain-answer.ts). */
  readonly plain?: boolean;
}

interface Slot {
  readonly conn: DuckDBConnection;
  /** statement key → prepared statement, least recently used first. */
  readonly statements: Map<string, DuckDBPreparedStatement>;
  /** table (store URL + root) → the snapshot identity its statements were made for. */
  readonly snapshots: Map<string, string>;
}

const MAX_IDLE_SLOTS = 4;
const MAX_STATEMENTS_PER_SLOT = 64;
const MAX_SOURCE_TABLES = 64;
const MAX_SOURCES_PER_TABLE = 256;

export class PointLookups {
  readonly #db: K3DuckDB;
  readonly #cache: FileCache;
  readonly #locator = new KeyLocator();
  /** One Delta file's rows kept decoded and indexed by key (K3_LOOKUP_CACHE_BYTES; 0 = off). */
  readonly decoded: DecodedFileCache;
  readonly #idle: Slot[] = [];
  /** table (store URL + root) → the snapshot identity and its file-set → rows SQL. */
  readonly #sources = new Map<string, { identity: string; snapshot: Snapshot; sql: Map<string, string> }>();
  /** Prefetches of successor files in flight (settled() waits for them). */
  readonly #prefetching = new Set<Promise<void>>();
  #closed = false;

  constructor(deps: { db: K3DuckDB; cache: FileCache; decodedCacheBytes?: number; decodedFirstReadRows?: number }) {
    this.#db = deps.db;
    this.#cache = deps.cache;
    this.decoded = new DecodedFileCache({ db: deps.db, maxBytes: deps.decodedCacheBytes ?? 0, ...(deps.decodedFirstReadRows !== undefined ? { firstReadRows: deps.decodedFirstReadRows } : {}) });
  }

  /** One `read(result)` per key, in order; `facts` says where each came from. */
  async lookupKeys<T>(req: LookupRequest, read: (answer: LookupAnswer, facts: LookupFacts) => Promise<T>): Promise<T[]> {
    const slot = await this.#checkout();
    let healthy = true;
    const onAbort = (): void => {
      healthy = false;
      slot.conn.interrupt();
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (req.signal?.aborted === true) throw abortError();
      const out: T[] = [];
      for (const key of req.keys) out.push(await this.#lookupOne(slot, req, key, read));
      return out;
    } catch (err) {
      healthy = false;
      throw err;
    } finally {
      req.signal?.removeEventListener('abort', onAbort);
      this.#checkin(slot, healthy && req.signal?.aborted !== true);
    }
  }

  /** Closes every pooled connection (engine close, tests), after the background cache work in flight (successor prefetches, a build: interrupted). */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#prefetching.size > 0) await Promise.allSettled(this.#prefetching);
    for (const slot of this.#idle.splice(0)) closeSlot(slot);
    await this.decoded.close();
  }

  async #lookupOne<T>(slot: Slot, req: LookupRequest, key: readonly string[], read: (answer: LookupAnswer, facts: LookupFacts) => Promise<T>): Promise<T> {
    const { shape } = req;
    const snapshot = req.state?.snapshot ?? req.snapshot;
    const projection = req.projection ?? '*';
    const identity = `${snapshot.metadata.id}@${snapshot.version}`;
    // Tables of different buckets may share a root path: the store's URL tells them apart.
    const table = `${req.store.url}\u0001${req.root}`;
    if (slot.snapshots.get(table) !== identity) {
      for (const [k, stmt] of slot.statements) {
        if (k.startsWith(`${table}\u0000`)) {
          stmt.destroySync();
          slot.statements.delete(k);
        }
      }
      slot.snapshots.set(table, identity);
    }
    const overlay = req.state?.overlay;
    const k = overlay === undefined ? undefined : keyString(key);
    const decided = overlay === undefined || k === undefined ? undefined : overlay.byKey.get(k);
    const projected = req.plainColumns === '*' ? undefined : req.plainColumns;
    if (overlay !== undefined && (decided !== undefined || req.overlayOnly === true)) {
      const row = decided?.row;
      const source = row === undefined ? 'tombstone' : 'overlay';
      // wip/lookup12: plain columns need no DuckDB call (the text → type casts done in JavaScript).
      const plain = req.plainColumns === undefined ? undefined : overlayAnswer(shape.columns, projected, row);
      if (plain !== undefined) return read({ encoded: plain }, { source, files: 0, bytes: 0, plain: true });
      const n = shape.columns.length;
      const stmt = await this.#prepared(slot, `${table}\u0000overlay\u0000${shape.fingerprint}\u0000${projection}`, () => {
        const typed = shape.columns.map((c, i) => `CAST(CAST($${i + 1} AS VARCHAR) AS ${c.type}) AS ${q(c.name)}`).join(', ');
        return `SELECT ${projection} FROM (SELECT ${typed} WHERE CAST($${n + 1} AS BOOLEAN)) AS ${q(req.name)}`;
      });
      try {
        shape.columns.forEach((_, i) => bindText(stmt, i + 1, row?.[i] ?? null));
        stmt.bindValue(n + 1, row !== undefined, BOOLEAN);
        return await read({ result: await stmt.run() }, { source, files: 0, bytes: 0 });
      } catch (err) {
        throw mapDuckDBError(err);
      }
    }
    const files = this.#locator.locate(snapshot, shape.primaryKey, key);
    const lease = await this.#cache.acquire(req.store, files.map((f) => ({ key: f.key, size: f.add.size })));
    try {
      const rows = await this.#rowsSql(slot.conn, req, table, identity, snapshot, files, lease.paths);
      // The key as constants, not parameters: DuckDB pushes a constant into the Parquet scan
      // (row-group min/max) but not a prepared statement's parameter (measured: a parameter made
      // the 1M-row lookup scan every row group). Still one call: parse + plan + run.
      const where = shape.primaryKey.map((name, i) => `${q(name)} = CAST(${quoteLiteral(key[i]!)} AS ${shape.columns.find((c) => c.name === name)!.type})`).join(' AND ');
      const facts: LookupFacts = { source: 'delta', files: files.length, bytes: files.reduce((s, f) => s + f.add.size, 0) };
      // One file located: its rows may be held decoded (keyed by this rows SQL, i.e. the immutable file and the snapshot's casts).
      const single = files.length === 1 && this.decoded.enabled;
      if (single && req.plainColumns !== undefined && shape.primaryKey.length === 1) {
        const plain = this.decoded.tryAnswer(rows, key[0]!, projected);
        if (plain !== undefined) return await read({ encoded: plain }, { ...facts, decoded: true, plain: true });
      }
      if (single) {
        const hit = await this.decoded.tryRun(rows, (t) => `SELECT ${projection} FROM ${t} AS ${q(req.name)} WHERE ${where}`, async (conn, sql) => {
          let result: DuckDBResult;
          try {
            result = await conn.run(sql);
          } catch (err) {
            throw mapDuckDBError(err);
          }
          return read({ result }, { ...facts, decoded: true });
        }, req.signal);
        if (hit !== undefined) return hit.value;
      }
      let result: DuckDBResult;
      try {
        result = await slot.conn.run(`SELECT ${projection} FROM (${rows}) AS ${q(req.name)} WHERE ${where}`);
      } catch (err) {
        throw mapDuckDBError(err);
      }
      if (single) {
        const held = files.map((f) => ({ key: f.key, size: f.add.size }));
        this.decoded.noteParquetRead(rows, shape.primaryKey[0]!, () => this.#cache.acquire(req.store, held), { table, file: files[0]!.key }, files[0]!.stats?.numRecords, plainFile(shape));
      }
      return await read({ result }, facts);
    } finally {
      lease.release();
    }
  }

  /** The rows of `files` as SQL (snapshotSelectSql), kept per (table, snapshot, file set) until the table's snapshot changes. */
  async #rowsSql(conn: DuckDBConnection, req: LookupRequest, table: string, identity: string, snapshot: Snapshot, files: readonly ActiveFile[], paths: ReadonlyMap<string, string>): Promise<string> {
    let sources = this.#sources.get(table);
    if (sources?.identity !== identity) {
      // The table moved to another snapshot: decoded tables of files it no longer has go, and the
      // new files covering their key ranges are loaded at once (a hot file's successor is hot).
      const prev = sources;
      sources = { identity, snapshot, sql: new Map() };
      this.#sources.delete(table);
      this.#sources.set(table, sources);
      while (this.#sources.size > MAX_SOURCE_TABLES) this.#sources.delete(this.#sources.keys().next().value!);
      if (prev !== undefined) {
        const dropped = this.decoded.retain(table, new Set(snapshot.files.map((f) => f.key)));
        if (dropped.length > 0) this.#prefetchSuccessors(req, table, identity, prev.snapshot, snapshot, dropped);
      }
    }
    const id = files.map((f) => f.key).join('\u0001');
    let sql = sources.sql.get(id);
    if (sql === undefined) {
      sql = await snapshotSelectSql(conn, { schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, files }, paths);
      if (sources.sql.size >= MAX_SOURCES_PER_TABLE) sources.sql.clear();
      sources.sql.set(id, sql);
    }
    return sql;
  }

  /** Resolves when successor prefetches and the decoded-file cache's background work have finished (tests). */
  async settled(): Promise<void> {
    while (this.#prefetching.size > 0) await Promise.all(this.#prefetching);
    await this.decoded.settled();
  }

  /**
   * In the background: the files `next` added whose first-key range overlaps a dropped (cached)
   * file of `prev` get their rows SQL (the text a lookup of that file will compute) and are queued
   * for the decoded-file cache. Never blocks a lookup; any failure just leaves the file to the
   * usual second-read build.
   */
  #prefetchSuccessors(req: LookupRequest, table: string, identity: string, prev: Snapshot, next: Snapshot, dropped: readonly string[]): void {
    const before = new Set(prev.files.map((f) => f.key));
    const successors = new Map<string, ActiveFile>();
    for (const key of dropped) {
      const old = prev.files.find((f) => f.key === key);
      if (old === undefined) continue;
      for (const f of this.#locator.overlapping(next, req.shape.primaryKey, old)) if (!before.has(f.key)) successors.set(f.key, f);
    }
    if (successors.size === 0) return;
    const keyColumn = req.shape.primaryKey[0]!;
    const task = (async () => {
      for (const file of successors.values()) {
        if (this.#closed || this.#sources.get(table)?.identity !== identity) return;
        const held = [{ key: file.key, size: file.add.size }];
        try {
          const lease = await this.#cache.acquire(req.store, held);
          let rows: string;
          let slot: Slot | undefined;
          try {
            slot = await this.#checkout();
            // Checked right before #rowsSql's own (synchronous) snapshot check: never move the table back.
            if (this.#closed || this.#sources.get(table)?.identity !== identity) return;
            rows = await this.#rowsSql(slot.conn, req, table, identity, next, [file], lease.paths);
          } finally {
            if (slot !== undefined) this.#checkin(slot, true);
            lease.release();
          }
          this.decoded.prefetch(rows, keyColumn, () => this.#cache.acquire(req.store, held), { table, file: file.key }, plainFile(req.shape));
        } catch {
          // A vacuumed or evicted file, a closed engine: the file is built on its second read as before.
        }
      }
    })();
    this.#prefetching.add(task);
    void task.finally(() => this.#prefetching.delete(task));
  }

  async #prepared(slot: Slot, key: string, sql: () => string | Promise<string>): Promise<DuckDBPreparedStatement> {
    const hit = takeRecentStatement(slot.statements, key);
    if (hit !== undefined) return hit;
    let stmt: DuckDBPreparedStatement;
    try {
      stmt = await slot.conn.prepare(await sql());
    } catch (err) {
      throw mapDuckDBError(err);
    }
    keepStatement(slot.statements, key, stmt, MAX_STATEMENTS_PER_SLOT);
    return stmt;
  }

  async #checkout(): Promise<Slot> {
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    return { conn: await this.#db.connect(), statements: new Map(), snapshots: new Map() };
  }

  #checkin(slot: Slot, healthy: boolean): void {
    if (healthy && !this.#closed && this.#idle.length < MAX_IDLE_SLOTS) this.#idle.push(slot);
    else closeSlot(slot);
  }
}

/** Whether a file of this table may be held as plain columns: one integer key column, every column a plain type (verified again on the rows read). */
function plainFile(shape: WalTableShape): boolean {
  if (shape.primaryKey.length !== 1) return false;
  const key = shape.columns.find((c) => c.name === shape.primaryKey[0]);
  return key !== undefined && key.type !== 'VARCHAR' && key.type !== 'BOOLEAN' && shape.columns.every((c) => isPlainType(c.type));
}

function bindText(stmt: DuckDBPreparedStatement, index: number, value: WalValue): void {
  if (value === null) stmt.bindNull(index);
  else stmt.bindValue(index, value, VARCHAR);
}

function abortError(): AppError {
  return new AppError('ERR_QUERY_CANCELLED', 'The point lookup was cancelled before it ran.');
}

function closeSlot(slot: Slot): void {
  for (const stmt of slot.statements.values()) stmt.destroySync();
  slot.statements.clear();
  slot.conn.closeSync();
}

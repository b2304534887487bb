/**
 * RequestTables: the bucket tables one request reads, each pinned to ONE snapshot for the whole
 * request (so a concurrent commit never changes what a statement sees), with their data files
 * leased from the FileCache until `release()`.
 *
 * Binding is driven by DuckDB's binder, not by parsing SQL: `prepare` runs the statement through
 * DuckDB; a Catalog Error "Table with name X does not exist" for a table of the bucket binds X
 * (a TEMP VIEW over its Parquet files) and retries; for anything else it becomes
 * ERR_TABLE_NOT_FOUND naming the tables that exist.
 */
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import { isValidTableName, primaryKeyOf, type Catalog, type TableHandle } from '../catalog/index.ts';
import type { ActiveFile, Snapshot } from '../delta/snapshot.ts';
import { AppError } from '../errors/index.ts';
import { bindSnapshot, mapDuckDBError, type FileCache, type FileLease } from '../exec/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { FreshBinder } from './fresh-read.ts';
import { targetTableDdl } from './write-target.ts';
import { bindTimeTravelRelation, reportVersions } from './time-travel-binding.ts';
import { bindAll, prepareBound, type SqlParam } from './statement-params.ts';

const MISSING_TABLE = /^Catalog Error: Table with name (.+?) does not exist!/;
/** More distinct tables than any sane statement references; stops a binder loop. */
const MAX_BIND_ROUNDS = 64;

export interface PinnedTable {
  readonly handle: TableHandle;
  readonly snapshot: Snapshot;
}

export interface ScanStats {
  readonly version: number;
  readonly files: number;
  readonly bytes: number;
  /** Rows in the snapshot (stats.numRecords; files without stats count 0). */
  readonly rows: number;
  /** Distinct partition tuples (0 for an unpartitioned table). */
  readonly partitions: number;
}

/** What binding a whole snapshot scans: its files, bytes, rows (from stats) and partitions. */
export function scanStatsOf(snapshot: Pick<Snapshot, 'version' | 'files' | 'partitionColumns'>): ScanStats {
  let bytes = 0;
  let rows = 0;
  const tuples = new Set<string>();
  for (const f of snapshot.files) {
    bytes += f.add.size;
    rows += f.stats?.numRecords ?? 0;
    if (snapshot.partitionColumns.length > 0) tuples.add(JSON.stringify(snapshot.partitionColumns.map((c) => f.add.partitionValues[c] ?? null)));
  }
  return { version: snapshot.version, files: snapshot.files.length, bytes, rows, partitions: tuples.size };
}

export class RequestTables {
  readonly #catalog: Catalog;
  readonly #cache: FileCache;
  readonly bucket: string;
  readonly store: ObjectStore;
  readonly #pinned = new Map<string, PinnedTable>();
  /** Pins in flight by the name asked (a second ask while one runs shares it; a failure is not kept). */
  readonly #pinning = new Map<string, Promise<PinnedTable | undefined>>();
  readonly #leases: FileLease[] = [];
  #names: string[] | undefined;
  /** Tables bound as views for reading, by stored name. */
  readonly scanned = new Map<string, ScanStats>();
  /** Set for FRESHNESS_STRONG / OLTP_ONLY (and keyed writes): binds keyed tables over the write log (fresh-read.ts). */
  fresh: FreshBinder | undefined;
  /**
   * The request's bound parameter values ($1 … $n of the user's statement). Every statement
   * prepared here — the user's and those derived from its text — gets the values it references.
   */
  params: readonly SqlParam[] = [];

  constructor(catalog: Catalog, cache: FileCache, bucket: string, store: ObjectStore) {
    this.#catalog = catalog;
    this.#cache = cache;
    this.bucket = bucket;
    this.store = store;
  }

  async names(): Promise<string[]> {
    this.#names ??= await this.#catalog.tableNames(this.store);
    return this.#names;
  }

  /** The request's snapshot of table `name` (resolved like an identifier), or undefined. */
  async tryPin(name: string): Promise<PinnedTable | undefined> {
    const hit = this.#pinned.get(name);
    if (hit !== undefined) return hit;
    const running = this.#pinning.get(name);
    if (running !== undefined) return running;
    const pinning = this.#tryPin(name);
    this.#pinning.set(name, pinning);
    try {
      return await pinning;
    } finally {
      if (this.#pinning.get(name) === pinning) this.#pinning.delete(name);
    }
  }

  async #tryPin(name: string): Promise<PinnedTable | undefined> {
    // The exact name first (one short listing of its log); the bucket listing only for other spellings.
    const exact = isValidTableName(name) ? await this.#load(name) : undefined;
    if (exact !== undefined) return exact;
    const stored = await this.#catalog.resolveName(this.store, name, await this.names());
    if (stored === undefined) return undefined;
    return this.#pinned.get(stored) ?? this.#load(stored);
  }

  async #load(stored: string): Promise<PinnedTable | undefined> {
    const handle = this.#catalog.handle(this.bucket, this.store, stored);
    const snapshot = await this.#catalog.trySnapshot(handle);
    if (snapshot === undefined) return undefined;
    const pinned = { handle, snapshot };
    this.#pinned.set(stored, pinned);
    return pinned;
  }

  /** Replaces a table's pinned snapshot (a direct write on a keyed table re-reads after its pre-drain). Before any binding. */
  repin(pinned: PinnedTable, snapshot: Snapshot): PinnedTable {
    const next = { handle: pinned.handle, snapshot };
    this.#pinned.set(pinned.handle.name, next);
    return next;
  }

  async pin(name: string): Promise<PinnedTable> {
    const pinned = await this.tryPin(name);
    if (pinned === undefined) throw await this.#catalog.notFound(this.store, this.bucket, name);
    return pinned;
  }

  /** Local paths of data files, leased for the rest of the request. */
  async localFiles(files: readonly ActiveFile[]): Promise<ReadonlyMap<string, string>> {
    const lease = await this.#cache.acquire(this.store, files.map((f) => ({ key: f.key, size: f.add.size })));
    this.#leases.push(lease);
    return lease.paths;
  }

  /** Creates TEMP VIEW `name` over the table's pinned snapshot. */
  async bindView(conn: DuckDBConnection, pinned: PinnedTable): Promise<void> {
    const fresh = await this.fresh?.bind(conn, pinned);
    if (fresh !== undefined) {
      this.scanned.set(pinned.handle.name, fresh);
      return;
    }
    const { snapshot } = pinned;
    const paths = await this.localFiles(snapshot.files);
    await bindSnapshot(conn, pinned.handle.name, snapshot, paths);
    this.scanned.set(pinned.handle.name, scanStatsOf(snapshot));
  }

  /**
   * Prepares a statement, binding bucket tables on demand (relations already created are used as
   * they are). `statement` is SQL text or a function preparing it (an extracted statement).
   * `as: 'definition'` binds each table as an EMPTY temp table with its exact definition (NOT
   * NULL, DEFAULT, PRIMARY KEY) — for DESCRIBE of a query, which needs no rows but must see the
   * constraints a view cannot carry.
   */
  async prepare(conn: DuckDBConnection, statement: string | (() => Promise<DuckDBPreparedStatement>), as: 'data' | 'definition' = 'data'): Promise<DuckDBPreparedStatement> {
    if (typeof statement === 'string' && this.params.length > 0) {
      return prepareBound(statement, this.params, (text) => this.#prepareBinding(conn, () => conn.prepare(text), as));
    }
    const prepared = await this.#prepareBinding(conn, typeof statement === 'string' ? () => conn.prepare(statement) : statement, as);
    if (typeof statement !== 'string' && this.params.length > 0) bindAll(prepared, this.params);
    return prepared;
  }

  async #prepareBinding(conn: DuckDBConnection, prepareOnce: () => Promise<DuckDBPreparedStatement>, as: 'data' | 'definition'): Promise<DuckDBPreparedStatement> {
    const bound = new Set<string>();
    for (let round = 0; round < MAX_BIND_ROUNDS; round++) {
      try {
        return await prepareOnce();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const missing = MISSING_TABLE.exec(message)?.[1];
        if (missing === undefined) throw mapDuckDBError(err);
        if (!bound.has(missing) && (await bindTimeTravelRelation(conn, this, missing, as))) {
          bound.add(missing);
          continue;
        }
        const pinned = await this.tryPin(missing);
        if (pinned === undefined) throw await this.#catalog.notFound(this.store, this.bucket, missing);
        if (bound.has(pinned.handle.name)) {
          // Bound, yet still missing: the statement qualifies the name (e.g. db.t).
          throw new AppError('ERR_SQL_BIND', `Table ${missing} is referenced with a qualifier k3 does not resolve; refer to bucket tables by their bare name.\n${message}`, { table: missing });
        }
        bound.add(pinned.handle.name);
        if (as === 'definition') await this.bindDefinition(conn, pinned);
        else await this.bindView(conn, pinned);
      }
    }
    throw new AppError('ERR_SQL_BIND', `The statement references more than ${MAX_BIND_ROUNDS} tables; split it up.`);
  }

  /**
   * Binds every bucket table whose name appears among `identifiers`. For statements DuckDB expands
   * into several (PIVOT), whose extracted parts report a bare "Failed to prepare" instead of the
   * missing table, so the binder loop cannot learn the names one by one.
   */
  async bindMentioned(conn: DuckDBConnection, identifiers: readonly string[], as: 'data' | 'definition'): Promise<void> {
    const names = await this.names();
    const wanted = new Set(identifiers.map((i) => i.toLowerCase()));
    for (const name of names) {
      if (!wanted.has(name.toLowerCase()) || this.scanned.has(name)) continue;
      const pinned = await this.tryPin(name);
      if (pinned === undefined) continue;
      if (as === 'definition') await this.bindDefinition(conn, pinned);
      else await this.bindView(conn, pinned);
    }
  }

  /** An empty TEMP table with the table's exact definition (answers DESCRIBE like DuckDB would). */
  async bindDefinition(conn: DuckDBConnection, pinned: PinnedTable): Promise<void> {
    const { snapshot } = pinned;
    try {
      await conn.run(targetTableDdl(pinned.handle.name, snapshot.schema, primaryKeyOf(snapshot.metadata)));
    } catch (err) {
      throw mapDuckDBError(err);
    }
    this.scanned.set(pinned.handle.name, { version: snapshot.version, files: 0, bytes: 0, rows: 0, partitions: 0 });
  }

  /** Per-table versions read, as the wire wants them. */
  versions(): Record<string, number> {
    return reportVersions(this.scanned);
  }

  release(): void {
    for (const lease of this.#leases.splice(0)) lease.release();
  }
}

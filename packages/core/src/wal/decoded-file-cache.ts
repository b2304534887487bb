/**
 * Decoded-file cache of point lookups (docs/design/hot-path.md, "Point lookups", "Decoded-file
 * cache"). A lookup that reads a Delta file pays DuckDB decoding one row group of every projected
 * column plus planning over every row group's statistics (≈2 ms for a 1M-row file); the same key
 * in an in-memory table with an ART index on the first key column is ≈0.4 ms.
 *
 * So the SECOND lookup that reads a given file (as the rows SQL of exactly that one file:
 * snapshotSelectSql over its local path, with the snapshot's casts) builds, in the background,
 *
 *   CREATE TEMP TABLE __k3_lookup_<n> AS SELECT * FROM (<rows SQL>);  CREATE INDEX … (<first key column>)
 *
 * on ONE connection owned by this cache (TEMP tables are visible to that connection only; no user
 * statement ever runs on it), and later lookups of that file run there:
 * `SELECT <projection> FROM __k3_lookup_<n> AS <table> WHERE <key> = <constants>`.
 *
 * Never stale by construction: an entry is keyed by the rows SQL TEXT, which names the file's local
 * path (every Parquet file k3 reads is immutable under a name never reused — Delta data files, the
 * file cache's `<id>-<random>` copies) and carries the snapshot's schema casts. Which file a key is
 * read from is still decided per lookup by the key locator at the snapshot the lookup reads, and a
 * key the write-log overlay holds never gets here (point-lookup.ts). Nothing is invalidated by a
 * timer; a table no lookup uses any more just ages out.
 *
 * Bounded by bytes (K3_LOOKUP_CACHE_BYTES; 0 = off): each build is charged what DuckDB reports for
 * in-memory tables and ART indexes (`duckdb_memory()`) across it — approximate when other
 * connections build TEMP tables at the same moment — and least recently used tables are dropped
 * past the bound; a file whose table alone exceeds it is never tried again; once the cache is over
 * half full a file is built only after more Parquet reads than the least recently used table has
 * answered lookups (so a spread-out workload does not rebuild on every lookup). Exclusive lease: one
 * statement at a time on the connection; a lookup arriving while it is busy (another lookup, a
 * build) reads the file the usual way. Any failure on the connection closes it and forgets every
 * table (the next lookups rebuild).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { K3DuckDB } from '../exec/duckdb-instance.ts';
import type { EncodedResult } from '../exec/result-encoding.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import { PlainRows } from './plain-answer.ts';

/** Which table and Delta file a rows SQL reads (retain() drops the files a table no longer has). */
export interface FileOwner {
  readonly table: string;
  readonly file: string;
}

interface Entry {
  /** The TEMP table holding the rows; undefined when they are held in JavaScript (`plain`). */
  readonly table: string | undefined;
  /** wip/lookup12: the rows as typed columns sorted by key, answered without DuckDB (plain-answer.ts). */
  readonly plain: PlainRows | undefined;
  readonly bytes: number;
  readonly owner: FileOwner;
  /** Lookups it answered (the admission guard compares a candidate's reads with it). */
  hits: number;
}

/** Holds the files a build reads (a FileCache lease) until released. */
export type HoldFiles = () => Promise<{ release(): void }>;

const MAX_SEEN = 4096;
const MAX_REFUSED = 4096;
const MAX_QUEUED = 64;
const MEMORY_SQL = "/* __k3_lookup build */ SELECT CAST(coalesce(sum(memory_usage_bytes), 0) AS DOUBLE) AS b FROM duckdb_memory() WHERE tag IN ('IN_MEMORY_TABLE', 'ART_INDEX')";

export class DecodedFileCache {
  readonly #db: K3DuckDB;
  readonly #maxBytes: number;
  /** rows SQL → its table, least recently used first. */
  readonly #entries = new Map<string, Entry>();
  /** rows SQL → lookups that read it from Parquet (bounded; the second one builds). */
  readonly #seen = new Map<string, number>();
  /** rows SQL whose build failed or did not fit. */
  readonly #refused = new Set<string>();
  #conn: DuckDBConnection | undefined;
  #busy = false;
  /** Tables no longer in the map, still to be dropped on the connection. */
  readonly #garbage: string[] = [];
  #bytes = 0;
  #seq = 0;
  #closed = false;
  /** The build in flight (tests wait for it). */
  #building: Promise<void> | undefined;
  /** The drop of retired tables in flight (tests wait for it). */
  #collecting: Promise<void> | undefined;
  /** Builds asked for by prefetch() or a first read, run one at a time when the connection is free. */
  readonly #queue: { rowsSql: string; keyColumn: string; hold: HoldFiles; owner: FileOwner; untilHalf: boolean; plain: boolean }[] = [];
  /** K3_LOOKUP_CACHE_FIRST_READ_ROWS: a file of at most this many rows is built on its FIRST Parquet read (0 = second). */
  readonly #firstReadRows: number;
  /** Whatever holds the connection now (a build, a lookup, a drop): close() waits for it. */
  #current: Promise<unknown> | undefined;

  constructor(deps: { db: K3DuckDB; maxBytes: number; firstReadRows?: number }) {
    this.#db = deps.db;
    this.#maxBytes = Math.max(0, deps.maxBytes);
    this.#firstReadRows = Math.max(0, deps.firstReadRows ?? 0);
  }

  get enabled(): boolean {
    return this.#maxBytes > 0 && !this.#closed;
  }

  /** Bytes charged to the tables held now (tests, metrics). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Resolves when the build and the drop in flight (if any) have finished. */
  async settled(): Promise<void> {
    while (this.#building !== undefined || this.#collecting !== undefined) {
      await this.#building;
      const collecting = this.#collecting;
      await collecting;
      if (this.#collecting === collecting) this.#collecting = undefined;
    }
  }

  /**
   * Runs `query(table)` (SQL over the table holding `rowsSql`'s rows, which the caller names with
   * its table alias) on the cache's connection when that table is built and the connection is
   * free; `undefined` otherwise (the caller reads the file). `signal` interrupts the call.
   */
  async tryRun<T>(rowsSql: string, query: (table: string) => string, read: (conn: DuckDBConnection, sql: string) => Promise<T>, signal?: AbortSignal): Promise<{ value: T } | undefined> {
    const entry = this.#entries.get(rowsSql);
    const conn = this.#conn;
    if (!this.enabled || entry?.table === undefined || conn === undefined || this.#busy) return undefined;
    const table = entry.table;
    this.#entries.delete(rowsSql);
    this.#entries.set(rowsSql, entry);
    entry.hits++;
    this.#busy = true;
    const onAbort = (): void => conn.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    let healthy = false;
    try {
      const running = read(conn, query(q(table)));
      this.#current = running;
      const value = await running;
      healthy = signal?.aborted !== true;
      return { value };
    } finally {
      this.#current = undefined;
      signal?.removeEventListener('abort', onAbort);
      this.#busy = false;
      if (!healthy) this.#reset();
      this.#pump();
    }
  }

  /**
   * wip/lookup12: the rows of `rowsSql` whose (one, integer) key column equals `keyText`, answered
   * in JavaScript when the file is held as plain columns (plain-answer.ts) — no DuckDB call, no
   * connection lease (so a build running meanwhile is no obstacle); undefined otherwise (the caller
   * tries tryRun, then Parquet). `projected`: the listed column names, undefined for `*`.
   */
  tryAnswer(rowsSql: string, keyText: string, projected: readonly string[] | undefined): EncodedResult | undefined {
    const entry = this.#entries.get(rowsSql);
    if (!this.enabled || entry?.plain === undefined) return undefined;
    const found = entry.plain.find(keyText, projected);
    if (found === undefined) return undefined;
    this.#entries.delete(rowsSql);
    this.#entries.set(rowsSql, entry);
    entry.hits++;
    return found;
  }

  /**
   * Notes a lookup that read `rowsSql` (one file's rows) from Parquet; the second such lookup
   * starts building its table in the background (`hold` keeps the file while it is read) — or the
   * first, when the file has at most K3_LOOKUP_CACHE_FIRST_READ_ROWS rows (`rows`, its Delta
   * stats): a keyed table's key-range files are bounded, so their build is cheap. A build asked
   * for while another runs is queued (one at a time), never run on the lookup's path. A first-read
   * build only fills the cache up to half its bound (checked again when it starts): it never
   * evicts, so a workload spread over more files than fit cannot turn every lookup into a build.
   */
  noteParquetRead(rowsSql: string, keyColumn: string, hold: HoldFiles, owner: FileOwner, rows?: number, plain = false): void {
    if (!this.enabled || this.#entries.has(rowsSql) || this.#refused.has(rowsSql)) return;
    const n = (this.#seen.get(rowsSql) ?? 0) + 1;
    this.#seen.delete(rowsSql);
    this.#seen.set(rowsSql, n);
    while (this.#seen.size > MAX_SEEN) this.#seen.delete(this.#seen.keys().next().value!);
    const first = rows !== undefined && rows <= this.#firstReadRows;
    if (n < 2 && !first) return;
    // Thrash guard: once the cache is over half full, a file must have been read from Parquet more
    // often than the least recently used table has answered, or a workload spread over more files
    // than fit would rebuild (a whole-file decode each) on every other lookup.
    const victim = this.#entries.values().next().value;
    if (victim !== undefined && this.#bytes * 2 > this.#maxBytes && n <= victim.hits) return;
    const untilHalf = n < 2;
    if (untilHalf && this.#bytes * 2 > this.#maxBytes) return;
    this.#enqueue(rowsSql, keyColumn, hold, owner, untilHalf, plain);
  }

  /**
   * Builds `rowsSql`'s table without waiting for a second Parquet read (a file that replaced a
   * cached one: a hot file's successor is hot), in the background, one build at a time, under the
   * same byte bound and LRU. Serving stays per lookup: a lookup still locates its file at the
   * snapshot it reads and only ever asks for that file's rows SQL.
   */
  prefetch(rowsSql: string, keyColumn: string, hold: HoldFiles, owner: FileOwner, plain = false): void {
    if (!this.enabled || this.#entries.has(rowsSql) || this.#refused.has(rowsSql)) return;
    this.#enqueue(rowsSql, keyColumn, hold, owner, false, plain);
  }

  /** `plain`: the table's columns are all plain-answer types with one integer key column — try holding the rows in JavaScript. */
  #enqueue(rowsSql: string, keyColumn: string, hold: HoldFiles, owner: FileOwner, untilHalf: boolean, plain: boolean): void {
    const queued = this.#queue.find((p) => p.rowsSql === rowsSql);
    if (queued !== undefined) {
      queued.untilHalf &&= untilHalf;
      return;
    }
    this.#queue.push({ rowsSql, keyColumn, hold, owner, untilHalf, plain });
    while (this.#queue.length > MAX_QUEUED) this.#queue.shift();
    this.#pump();
  }

  /** Starts the next queued prefetch when nothing else runs on the connection. */
  #pump(): void {
    while (this.enabled && !this.#busy && this.#building === undefined && this.#queue.length > 0) {
      const next = this.#queue.shift()!;
      if (this.#entries.has(next.rowsSql) || this.#refused.has(next.rowsSql)) continue;
      if (next.untilHalf && this.#bytes * 2 > this.#maxBytes) continue;
      this.#start(next.rowsSql, next.keyColumn, next.hold, next.owner, next.plain);
    }
  }

  #start(rowsSql: string, keyColumn: string, hold: HoldFiles, owner: FileOwner, plain: boolean): void {
    this.#busy = true;
    const building = this.#build(rowsSql, keyColumn, hold, owner, plain).finally(() => {
      this.#busy = false;
      this.#building = undefined;
      this.#current = undefined;
      this.#pump();
    });
    this.#building = building;
    this.#current = building;
  }

  /**
   * A lookup read `table` at a new snapshot whose live files are `live`: tables of its files that
   * left it (drained, optimized, vacuumed away) are dropped — they could only answer lookups of an
   * older snapshot, and their hit counts would hold the admission guard against the new files.
   * Dropping is always safe (a later lookup of such a file reads Parquet). Returns the files dropped.
   */
  retain(table: string, live: ReadonlySet<string>): string[] {
    const dropped: string[] = [];
    for (const [sql, entry] of this.#entries) {
      if (entry.owner.table !== table || live.has(entry.owner.file)) continue;
      this.#entries.delete(sql);
      this.#bytes -= entry.bytes;
      if (entry.table !== undefined) this.#garbage.push(entry.table);
      dropped.push(entry.owner.file);
    }
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const owner = this.#queue[i]!.owner;
      if (owner.table === table && !live.has(owner.file)) this.#queue.splice(i, 1);
    }
    this.#collecting = this.#collect();
    return dropped;
  }

  /** Drops the tables retain() let go, when the connection is free (one call). */
  async #collect(): Promise<void> {
    const conn = this.#conn;
    if (this.#garbage.length === 0 || conn === undefined || this.#busy) return;
    const names = this.#garbage.splice(0);
    this.#busy = true;
    try {
      const dropping = conn.run(dropTablesSql(names));
      this.#current = dropping;
      await dropping;
    } catch {
      this.#reset();
    } finally {
      this.#busy = false;
      this.#current = undefined;
      this.#pump();
    }
  }

  /**
   * Closes the connection (its tables go with it) — after whatever runs on it: a build in flight
   * is interrupted and awaited, queued builds are dropped. Closing a DuckDB connection under a
   * running query leaves that query's promise unsettled and the database's close waiting for it
   * (the engine's close hung so), hence the wait.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.length = 0;
    while (this.#current !== undefined || this.#building !== undefined || this.#collecting !== undefined) {
      try {
        this.#conn?.interrupt();
      } catch {
        // not running anything
      }
      await Promise.allSettled([this.#current, this.#building, this.#collecting]);
      if (this.#current === undefined && this.#building === undefined) this.#collecting = undefined;
    }
    this.#reset();
  }

  async #build(rowsSql: string, keyColumn: string, hold: HoldFiles, owner: FileOwner, plain: boolean): Promise<void> {
    const table = `__k3_lookup_${++this.#seq}`;
    let conn: DuckDBConnection | undefined;
    let created = false;
    try {
      if (this.#conn === undefined) {
        const opened = await this.#db.connect();
        if (this.#closed) {
          opened.closeSync();
          return;
        }
        this.#conn = opened;
      }
      conn = this.#conn;
      const step = (sql: string): Promise<unknown> => {
        if (this.#closed) throw new Error('closed');
        return conn!.run(sql);
      };
      const garbage = this.#garbage.splice(0);
      if (garbage.length > 0) await step(dropTablesSql(garbage));
      // wip/lookup12: plain columns are read into JavaScript (sorted by key) instead of a TEMP table.
      if (plain && (await this.#buildPlain(conn, rowsSql, keyColumn, hold, owner))) return;
      const before = await memory(conn);
      const held = await hold();
      try {
        await step(`CREATE TEMP TABLE ${q(table)} AS SELECT * FROM (${rowsSql}) AS src`);
        created = true;
      } finally {
        held.release();
      }
      await step(`CREATE INDEX ${q(`${table}_key`)} ON ${q(table)} (${q(keyColumn)})`);
      const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${q(table)}`)).getRows()[0]?.[0] ?? 0);
      const bytes = Math.max(rows * 8, (await memory(conn)) - before, 1);
      if (this.#closed || this.#conn !== conn) return;
      if (bytes > this.#maxBytes) {
        this.#refuse(rowsSql);
        await step(`DROP TABLE ${q(table)}`);
        return;
      }
      await this.#admit(rowsSql, { table, plain: undefined, bytes, owner, hits: 0 }, step);
    } catch {
      // A file gone (vacuumed, evicted from the file cache), a memory limit, a closed database:
      // this file is read the usual way from now on; the connection is dropped if it was the culprit.
      this.#refuse(rowsSql);
      if (conn !== undefined && this.#conn === conn) {
        if (created) this.#reset();
      }
    }
  }

  /**
   * The file's rows read into plain columns (plain-answer.ts) on the cache's connection; true when
   * they are held (or the cache closed meanwhile), false when a column turned out not plain (the
   * caller builds the TEMP table as before).
   */
  async #buildPlain(conn: DuckDBConnection, rowsSql: string, keyColumn: string, hold: HoldFiles, owner: FileOwner): Promise<boolean> {
    const step = (sql: string): Promise<unknown> => {
      if (this.#closed) throw new Error('closed');
      return conn.run(sql);
    };
    if (this.#closed) throw new Error('closed');
    const held = await hold();
    let read;
    try {
      read = await conn.run(`/* __k3_lookup build */ SELECT * FROM (${rowsSql}) AS src ORDER BY ${q(keyColumn)}`);
    } finally {
      held.release();
    }
    const rows = await PlainRows.read(read, keyColumn, () => this.#closed || this.#conn !== conn);
    if (this.#closed || this.#conn !== conn) return true;
    if (rows === undefined) return false;
    if (rows.bytes > this.#maxBytes) {
      this.#refuse(rowsSql);
      return true;
    }
    await this.#admit(rowsSql, { table: undefined, plain: rows, bytes: rows.bytes, owner, hits: 0 }, step);
    return true;
  }

  /** Holds a built entry and drops least recently used ones past the bound. */
  async #admit(rowsSql: string, entry: Entry, step: (sql: string) => Promise<unknown>): Promise<void> {
    this.#entries.set(rowsSql, entry);
    this.#bytes += entry.bytes;
    this.#seen.delete(rowsSql);
    while (this.#bytes > this.#maxBytes) {
      const [oldest, old] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      this.#bytes -= old.bytes;
      if (old.table !== undefined) await step(dropTablesSql([old.table]));
    }
  }

  #refuse(rowsSql: string): void {
    this.#seen.delete(rowsSql);
    this.#refused.add(rowsSql);
    if (this.#refused.size > MAX_REFUSED) this.#refused.delete(this.#refused.values().next().value!);
  }

  #reset(): void {
    const conn = this.#conn;
    this.#conn = undefined;
    this.#entries.clear();
    this.#garbage.length = 0;
    this.#bytes = 0;
    try {
      conn?.closeSync();
    } catch {
      // already closed with the database
    }
  }
}

async function memory(conn: DuckDBConnection): Promise<number> {
  return Number((await conn.runAndReadAll(MEMORY_SQL)).getRows()[0]?.[0] ?? 0);
}

/** One call that drops the cache's tables `names` (those already gone are skipped). */
function dropTablesSql(names: readonly string[]): string {
  return names.map((n) => `DROP TABLE IF EXISTS ${q(n)};`).join(' ');
}

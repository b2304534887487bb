/**
 * MaterializedStrong: per keyed table, ONE DuckDB connection holding the table's STRONG rows up to
 * its warm base (warm-state.ts) as a TEMP table, so a STRONG read over a large un-drained backlog
 * scans an in-memory table plus its small tail instead of re-merging Delta with the base file
 * (an anti join over the whole table) in every statement (docs/design/hot-path.md,
 * "Materialized STRONG base").
 *
 *   mat(version, base)  = (Delta@version ANTI JOIN base keys) UNION ALL base rows not deleted
 *   mat advanced to seq = mat with every tail key decided by a record in (mat seq, seq] replaced
 *   STRONG(statement)   = mat, once advanced to the statement's tail       (materialized-read.ts)
 *
 * which is the warm view's formula with the Delta+base part computed once and the tail applied
 * once per record instead of loaded by every statement.
 *
 * Freshness: a materialization is keyed by what the log says — table incarnation (Delta metadata
 * id) and snapshot version — plus the write-log seq it reflects, and used only by a statement
 * whose freshly acquired warm state (`WarmTables.acquire`, which asks the store) names exactly that
 * key; the statement first advances it to its own state. Anything else (a drain, ALTER, DROP +
 * CREATE) has another key: the statement reads the usual way while the new materialization is
 * built in the background. No timer.
 *
 * Concurrency: a connection runs one statement at a time, so a lease is exclusive; a statement
 * finding it busy (or not built yet) reads the usual way. A statement that fails on a leased
 * connection discards it (the next read builds a new one): nothing it left behind is ever reused.
 * Memory: tables above `maxRows` (Delta rows + base rows) are never materialized; at most
 * `maxTables` are held (least recently used closed).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Snapshot } from '../delta/snapshot.ts';
import { snapshotSelectSql } from '../exec/bind-snapshot.ts';
import type { K3DuckDB } from '../exec/duckdb-instance.ts';
import type { FileCache } from '../exec/file-cache.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { emptyOverlay } from './overlay.ts';
import type { WarmState } from './warm-state.ts';
import { bindWarmView } from './warm-view.ts';

/** The TEMP table holding the materialized STRONG rows on a leased connection. */
export const MATERIALIZED_TABLE = '__k3_strong_mat';

export interface MaterializedLease {
  readonly conn: DuckDBConnection;
  /** The last write-log seq the materialized table reflects (the base's, then advanced). */
  readonly seq: number;
  /** The table now reflects every record up to `seq` (the holder applied them). */
  advanced(seq: number): void;
  /** Give the connection back; `broken`: a statement failed on it, close it instead. */
  release(broken?: boolean): void;
}

export interface MaterializedStrongOptions {
  readonly db: K3DuckDB;
  readonly cache: FileCache;
  /** Largest table (Delta rows + base rows) materialized; 0 = never. */
  readonly maxRows: number;
  /** Materialized tables held at once (least recently used closed). */
  readonly maxTables?: number;
}

interface Slot {
  readonly key: string;
  /** Records reflected in the table: everything up to this seq. */
  seq: number;
  /** Set once the table is built. */
  conn: DuckDBConnection | undefined;
  busy: boolean;
  /** Replaced by a newer key, or broken: close once idle. */
  retired: boolean;
  failed: boolean;
}

export class MaterializedStrong {
  readonly #opts: MaterializedStrongOptions;
  readonly #slots = new Map<string, Slot>();
  /** Builds running now (tests wait for them). */
  readonly #building = new Set<Promise<void>>();

  constructor(opts: MaterializedStrongOptions) {
    this.#opts = opts;
  }

  /**
   * An exclusive lease on the connection holding `state`'s materialized STRONG base, or undefined
   * (not built yet, being built, busy, too large, no base). Asking for a key not built yet starts
   * building it in the background.
   */
  tryLease(store: ObjectStore, root: string, state: WarmState): MaterializedLease | undefined {
    const base = state.base;
    if (base === undefined || this.#opts.maxRows <= 0) return undefined;
    const rows = state.snapshot.files.reduce((n, f) => n + (f.stats?.numRecords ?? Number.POSITIVE_INFINITY), 0) + base.rows;
    if (rows > this.#opts.maxRows) return undefined;
    const id = `${store.url}\u0000${root}`;
    // Not the base: a new base holds nothing the table cannot be advanced to (materialized-read.ts).
    const key = `${state.snapshot.metadata.id}\u0000${state.snapshot.version}`;
    const slot = this.#slots.get(id);
    if (slot !== undefined && slot.key === key) {
      this.#slots.delete(id);
      this.#slots.set(id, slot); // most recently used
      if (slot.conn === undefined || slot.busy || slot.failed) return undefined;
      slot.busy = true;
      const conn = slot.conn;
      let released = false;
      return {
        conn,
        seq: slot.seq,
        advanced: (seq: number) => {
          slot.seq = Math.max(slot.seq, seq);
        },
        release: (broken = false) => {
          if (released) return;
          released = true;
          slot.busy = false;
          if (broken) slot.retired = true;
          if (slot.retired) this.#close(id, slot);
        },
      };
    }
    if (slot !== undefined) this.#retire(id, slot);
    this.#build(id, key, store, state);
    return undefined;
  }

  /** Resolves once every build started so far has finished (tests). */
  async settled(): Promise<void> {
    while (this.#building.size > 0) await Promise.all([...this.#building]);
  }

  /** Materialized tables held (tests, metrics). */
  get size(): number {
    return [...this.#slots.values()].filter((s) => s.conn !== undefined && !s.retired).length;
  }

  close(): void {
    for (const [id, slot] of [...this.#slots]) this.#retire(id, slot);
  }

  #build(id: string, key: string, store: ObjectStore, state: WarmState): void {
    const slot: Slot = { key, seq: state.base!.seqUpTo, conn: undefined, busy: false, retired: false, failed: false };
    this.#slots.set(id, slot);
    this.#evict();
    // The build reads the base file and the snapshot's files after the triggering statement has
    // released its state: a base deleted meanwhile (superseded) just fails this build.
    const snapshot: Snapshot = state.snapshot;
    const warm: WarmState = { ...state, tail: emptyOverlay(), release: () => undefined };
    const run = (async () => {
      let conn: DuckDBConnection | undefined;
      try {
        conn = await this.#opts.db.connect();
        const lease = await this.#opts.cache.acquire(store, snapshot.files.map((f) => ({ key: f.key, size: f.add.size })));
        try {
          const view = `${MATERIALIZED_TABLE}_src`;
          await bindWarmView(conn, view, 'strong', { sql: await snapshotSelectSql(conn, snapshot, lease.paths) }, warm);
          await conn.run(`CREATE TEMP TABLE ${q(MATERIALIZED_TABLE)} AS SELECT * FROM ${q(view)};\nDROP VIEW ${q(view)}`);
        } finally {
          lease.release();
        }
      } catch {
        slot.failed = true;
        closeQuietly(conn);
        return;
      }
      if (slot.retired) closeQuietly(conn);
      else slot.conn = conn;
    })();
    // Never rejects: a failed build only means no materialization for that key.
    const tracked: Promise<void> = run.catch(() => undefined).finally(() => this.#building.delete(tracked));
    this.#building.add(tracked);
  }

  #retire(id: string, slot: Slot): void {
    slot.retired = true;
    if (!slot.busy) this.#close(id, slot);
  }

  #close(id: string, slot: Slot): void {
    if (this.#slots.get(id) === slot) this.#slots.delete(id);
    const conn = slot.conn;
    slot.conn = undefined;
    closeQuietly(conn);
  }

  #evict(): void {
    const max = this.#opts.maxTables ?? 8;
    for (const [id, slot] of this.#slots) {
      if (this.#slots.size <= max) return;
      this.#retire(id, slot);
    }
  }
}

/** Closing may fail once the database is gone (engine closed): nothing is left to free then. */
function closeQuietly(conn: DuckDBConnection | undefined): void {
  try {
    conn?.closeSync();
  } catch {
    // already closed with its database
  }
}

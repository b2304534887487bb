/**
 * ScanViewPool: a worker's pooled DuckDB connections, each keeping the ONE scan view it bound
 * last, so a scan job over files a slot already bound skips the connection and the view bind
 * (docs/design/distributed-execution.md, "Per-job cost").
 *
 * A slot is keyed by what the view stands for: the view's name and its exact SELECT
 * (snapshotSelectSql — the job's local paths of immutable files under names never reused, with the
 * schema's typed projections and the log's partition values). Another file list, a re-downloaded
 * cache copy, another schema or another table all change the text, and the slot re-binds; nothing
 * is keyed by a timer and no result is kept — every job runs its partial SQL anew over files it
 * leased for the job. One view per slot (a different name drops the old one first), so a job never
 * sees another bucket's or table's view. A slot whose job failed or was interrupted is closed,
 * not pooled.
 *
 * Up to `maxIdle` slots stay open, each with its own view: a job takes the slot that holds its
 * exact view, else a fresh connection while there is room (so a query's other jobs, over other
 * files, find theirs when they land on this worker next), else the least recently used slot is
 * re-bound. A one-job-at-a-time worker of a 2-job query keeps both views (it re-bound on every
 * other job while one slot was reused for everything, hot-path.md "Round 20").
 *
 * A slot also keeps the prepared statement of the last SQL run over its view (`prepare`, the shared
 * exec/prepared-statement-lru.ts with room for one): a repeated query's partial skips DuckDB's parse,
 * bind and plan (≈ 1.2 ms for a GROUP BY over 8 Parquet files, hot-path.md "Round 19"). It lives
 * exactly as long as the view it was planned against: a re-bind, a different name or a closed slot
 * destroys it first.
 */
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import { mapDuckDBError, snapshotSelectSql, type BindableSnapshot, type K3DuckDB } from '../exec/index.ts';
import { quoteIdentifier } from '../exec/sql-quote.ts';
import { dropStatements, keepStatement, takeRecentStatement } from '../exec/prepared-statement-lru.ts';

const DEFAULT_MAX_IDLE = 8;
/** Statements a slot keeps for its view: a worker's repeated query runs one partial per view. */
const MAX_STATEMENTS_PER_VIEW = 1;

interface Slot {
  readonly conn: DuckDBConnection;
  bound: { readonly name: string; readonly viewSql: string } | undefined;
  /** Statements prepared over `bound`, by text (dropped whenever `bound` changes). */
  readonly statements: Map<string, DuckDBPreparedStatement>;
}

/** Prepares `sql` on the slot's connection, or hands back the slot's statement for that exact text. */
export type PrepareOnView = (sql: string) => Promise<DuckDBPreparedStatement>;

/** Counters for tests: how often a job found its view already bound, and its statement already prepared. */
export interface ScanViewStats {
  bound: number;
  reused: number;
  prepared: number;
  preparedReused: number;
}

export class ScanViewPool {
  readonly #db: K3DuckDB;
  readonly #maxIdle: number;
  readonly #idle: Slot[] = [];
  #closed = false;
  readonly stats: ScanViewStats = { bound: 0, reused: 0, prepared: 0, preparedReused: 0 };

  constructor(db: K3DuckDB, maxIdle = DEFAULT_MAX_IDLE) {
    this.#db = db;
    this.#maxIdle = maxIdle;
  }

  /**
   * Runs `fn` on a connection where `name` is a TEMP view of `snapshot` over `paths` (leased by the
   * caller); `prepare` gives the slot's prepared statement for a text run over that view before.
   */
  async withView<T>(name: string, snapshot: BindableSnapshot, paths: ReadonlyMap<string, string>, fn: (conn: DuckDBConnection, prepare: PrepareOnView) => Promise<T>): Promise<T> {
    let slot: Slot = this.#idle.pop() ?? await this.#open();
    let healthy = false;
    try {
      const viewSql = await snapshotSelectSql(slot.conn, snapshot, paths);
      if (!holds(slot, name, viewSql)) slot = await this.#slotFor(slot, name, viewSql);
      await this.#bind(slot, name, viewSql);
      const bound = slot;
      const out = await fn(bound.conn, (sql) => this.#prepare(bound, sql));
      healthy = true;
      return out;
    } finally {
      this.#checkin(slot, healthy);
    }
  }

  /**
   * The slot to bind `name` AS `viewSql` on, given `taken` (the most recent idle slot, holding another
   * view): an idle slot already holding it; else, while the pool has room, a fresh connection, so the
   * other views stay bound for their next jobs (a query's jobs over different files land on the same
   * worker one after the other); else the least recently used slot, re-bound. The slot not used goes
   * back idle.
   */
  async #slotFor(taken: Slot, name: string, viewSql: string): Promise<Slot> {
    const i = this.#idle.findIndex((s) => holds(s, name, viewSql));
    if (i >= 0) {
      const [hit] = this.#idle.splice(i, 1, taken);
      return hit!;
    }
    if (taken.bound === undefined) return taken;
    if (this.#idle.length + 1 < this.#maxIdle) {
      const fresh = await this.#open();
      this.#idle.push(taken);
      return fresh;
    }
    const oldest = this.#idle.shift();
    if (oldest === undefined) return taken;
    this.#idle.push(taken);
    return oldest;
  }

  async #open(): Promise<Slot> {
    return { conn: await this.#db.connect(), bound: undefined, statements: new Map() };
  }

  /** Closes every pooled connection (worker shutdown, tests). */
  close(): void {
    this.#closed = true;
    for (const slot of this.#idle.splice(0)) this.#close(slot);
  }

  async #prepare(slot: Slot, sql: string): Promise<DuckDBPreparedStatement> {
    const hit = takeRecentStatement(slot.statements, sql);
    if (hit !== undefined) {
      this.stats.preparedReused++;
      return hit;
    }
    const statement = await slot.conn.prepare(sql); // its error is the caller's to map (runPartialQuery)
    this.stats.prepared++;
    keepStatement(slot.statements, sql, statement, MAX_STATEMENTS_PER_VIEW);
    return statement;
  }

  #close(slot: Slot): void {
    dropStatements(slot.statements);
    slot.conn.closeSync();
  }

  async #bind(slot: Slot, name: string, viewSql: string): Promise<void> {
    if (holds(slot, name, viewSql)) {
      this.stats.reused++;
      return;
    }
    const previous = slot.bound;
    slot.bound = undefined;
    dropStatements(slot.statements);
    try {
      if (previous !== undefined && previous.name !== name) await slot.conn.run(`DROP VIEW IF EXISTS ${quoteIdentifier(previous.name)}`);
      await slot.conn.run(`CREATE OR REPLACE TEMP VIEW ${quoteIdentifier(name)} AS ${viewSql}`);
    } catch (err) {
      throw mapDuckDBError(err);
    }
    this.stats.bound++;
    slot.bound = { name, viewSql };
  }

  #checkin(slot: Slot, healthy: boolean): void {
    if (!healthy || this.#closed) {
      this.#close(slot);
      return;
    }
    // Most recent last; a full pool closes its least recently used slot.
    this.#idle.push(slot);
    while (this.#idle.length > this.#maxIdle) this.#close(this.#idle.shift()!);
  }
}

function holds(slot: Slot, name: string, viewSql: string): boolean {
  return slot.bound?.name === name && slot.bound.viewSql === viewSql;
}

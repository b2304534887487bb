/**
 * BoundReadPool: pooled DuckDB connections that keep their bound table views and prepared
 * statements across EVENTUAL reads of one table (docs/design/hot-path.md, "Aggregates and fan-out").
 *
 * A repeated EVENTUAL read (the same text over the same snapshot) used to open a connection, bind
 * the table's TEMP VIEW and prepare the statement — two DuckDB calls before the one that reads.
 * Here a slot keeps, per table name, the exact SELECT its view stands for (snapshotSelectSql: the
 * data files' local paths — immutable files under names never reused — with the schema's typed
 * projections) and, for that view, its prepared statements by text. The view is re-bound only when
 * that SELECT differs (a new Delta version, other pruned files, a re-downloaded cache copy, a new
 * table incarnation: all of them change the text), and re-binding drops the slot's statements.
 * So the cache is keyed by what the log says, never a timer, and no answer is cached: each read
 * streams its statement anew over files the caller leased for the read.
 *
 * Only single-statement reads of ONE bucket table without parameters come here (the federated
 * reader's single-node plans); a statement that fails to prepare here is answered by the caller's
 * usual path (so its error is that path's), a connection whose read failed or was interrupted is
 * closed, not pooled.
 */
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import { encodeBounded, mapDuckDBError, snapshotSelectSql, type BindableSnapshot, type EncodedResult, type K3DuckDB, type ResultLimits } from '../exec/index.ts';
import { quoteIdentifier } from '../exec/sql-quote.ts';
import { dropStatements, keepStatement, takeRecentStatement } from '../exec/prepared-statement-lru.ts';
import { assertParametersGiven, assertReadable } from './classify-statement.ts';

const MAX_IDLE_SLOTS = 4;
const MAX_STATEMENTS_PER_SLOT = 32;

interface Slot {
  readonly conn: DuckDBConnection;
  /**
   * The ONE view bound on this connection: its name and the SELECT it stands for. One view only,
   * so nothing a statement can see (duckdb_views() …) belongs to another table or bucket.
   */
  bound: { readonly name: string; readonly viewSql: string } | undefined;
  /** statement text → prepared statement (least recently used first); all dropped when the view changes. */
  readonly statements: Map<string, DuckDBPreparedStatement>;
}

export interface BoundReadRequest {
  /** The relation name the statement reads (the table's stored name). */
  readonly name: string;
  /** What to bind (schema, partition columns, the files to read). */
  readonly snapshot: BindableSnapshot;
  /** Local paths of `snapshot.files`, leased by the caller for the whole read. */
  readonly paths: ReadonlyMap<string, string>;
  readonly sql: string;
  readonly limits?: ResultLimits;
  /** The attempt's interruptible connections: the slot's is added for the read (timeouts, cancel). */
  readonly interrupts?: Set<DuckDBConnection>;
  /** Called once the statement is prepared (the read's plan/scan boundary). */
  readonly onPrepared?: () => void;
}

/** Counters for tests: how often a slot's view or statement was reused. */
export interface BoundReadStats {
  views: { bound: number; reused: number };
  statements: { prepared: number; reused: number };
}

export class BoundReadPool {
  readonly #db: K3DuckDB;
  readonly #idle: Slot[] = [];
  #closed = false;
  readonly stats: BoundReadStats = { views: { bound: 0, reused: 0 }, statements: { prepared: 0, reused: 0 } };

  constructor(db: K3DuckDB) {
    this.#db = db;
  }

  /** The encoded result, or undefined when the statement does not prepare here (the caller's path answers). */
  async read(req: BoundReadRequest): Promise<EncodedResult | undefined> {
    const slot = await this.#checkout(req.name);
    let healthy = false;
    req.interrupts?.add(slot.conn);
    try {
      const viewSql = await snapshotSelectSql(slot.conn, req.snapshot, req.paths);
      await this.#bindView(slot, req.name, viewSql);
      const stmt = await this.#prepared(slot, req.sql);
      if (stmt === undefined) {
        healthy = true;
        return undefined;
      }
      req.onPrepared?.();
      let encoded: EncodedResult;
      try {
        assertReadable(stmt.statementType);
        assertParametersGiven(stmt, []);
        encoded = await encodeBounded(await stmt.stream(), req.limits);
      } catch (err) {
        throw mapDuckDBError(err);
      }
      healthy = true;
      return encoded;
    } finally {
      req.interrupts?.delete(slot.conn);
      this.#checkin(slot, healthy);
    }
  }

  /** Closes every pooled connection (engine close, tests). */
  close(): void {
    this.#closed = true;
    for (const slot of this.#idle.splice(0)) closeSlot(slot);
  }

  async #bindView(slot: Slot, name: string, viewSql: string): Promise<void> {
    if (slot.bound?.name === name && slot.bound.viewSql === viewSql) {
      this.stats.views.reused++;
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
    this.stats.views.bound++;
    slot.bound = { name, viewSql };
  }

  async #prepared(slot: Slot, sql: string): Promise<DuckDBPreparedStatement | undefined> {
    const hit = takeRecentStatement(slot.statements, sql);
    if (hit !== undefined) {
      this.stats.statements.reused++;
      return hit;
    }
    let stmt: DuckDBPreparedStatement;
    try {
      stmt = await slot.conn.prepare(sql);
    } catch {
      return undefined;
    }
    this.stats.statements.prepared++;
    keepStatement(slot.statements, sql, stmt, MAX_STATEMENTS_PER_SLOT);
    return stmt;
  }

  /** An idle slot, preferably one that has `name` bound already. */
  async #checkout(name: string): Promise<Slot> {
    let at = -1;
    for (let i = this.#idle.length - 1; i >= 0; i--) {
      if (this.#idle[i]!.bound?.name === name) {
        at = i;
        break;
      }
    }
    if (at < 0) at = this.#idle.length - 1;
    if (at >= 0) return this.#idle.splice(at, 1)[0]!;
    return { conn: await this.#db.connect(), bound: undefined, statements: new Map() };
  }

  #checkin(slot: Slot, healthy: boolean): void {
    if (healthy && !this.#closed && this.#idle.length < MAX_IDLE_SLOTS) this.#idle.push(slot);
    else closeSlot(slot);
  }
}

function closeSlot(slot: Slot): void {
  dropStatements(slot.statements);
  slot.conn.closeSync();
}

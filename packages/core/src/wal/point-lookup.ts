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
 * Each answer is a prepared statement `SELECT <projection> FROM (<rows>) AS <name> [WHERE key = …]`
 * cached on a pooled connection per (table, file set, projection); a slot's statements of a table
 * are destroyed as soon as that table is looked up at another snapshot (id, version) — the log
 * says when, never a timer. Key values are bound as text and cast to the key types in SQL.
 */
import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBResult } from '@duckdb/node-api';
import { BOOLEAN, VARCHAR } from '@duckdb/node-api';
import type { Snapshot } from '../delta/snapshot.ts';
import { snapshotSelectSql } from '../exec/bind-snapshot.ts';
import type { K3DuckDB } from '../exec/duckdb-instance.ts';
import type { FileCache } from '../exec/file-cache.ts';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { KeyLocator } from './key-locator.ts';
import { keyString } from './overlay.ts';
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
}

/** Where a key was answered from (tests and metrics). */
export type LookupSource = 'overlay' | 'tombstone' | 'delta';

export interface LookupFacts {
  readonly source: LookupSource;
  /** Delta files read (0 from the overlay). */
  readonly files: number;
  readonly bytes: number;
}

interface Slot {
  readonly conn: DuckDBConnection;
  /** statement key → prepared statement, least recently used first. */
  readonly statements: Map<string, DuckDBPreparedStatement>;
  /** table root → the snapshot identity its statements were made for. */
  readonly snapshots: Map<string, string>;
}

const MAX_IDLE_SLOTS = 4;
const MAX_STATEMENTS_PER_SLOT = 64;

export class PointLookups {
  readonly #db: K3DuckDB;
  readonly #cache: FileCache;
  readonly #locator = new KeyLocator();
  readonly #idle: Slot[] = [];
  #closed = false;

  constructor(deps: { db: K3DuckDB; cache: FileCache }) {
    this.#db = deps.db;
    this.#cache = deps.cache;
  }

  /** One `read(result)` per key, in order; `facts` says where each came from. */
  async lookupKeys<T>(req: LookupRequest, read: (result: DuckDBResult, facts: LookupFacts) => Promise<T>): Promise<T[]> {
    const slot = await this.#checkout();
    let healthy = true;
    try {
      const out: T[] = [];
      for (const key of req.keys) out.push(await this.#lookupOne(slot, req, key, read));
      return out;
    } catch (err) {
      healthy = false;
      throw err;
    } finally {
      this.#checkin(slot, healthy);
    }
  }

  /** Closes every pooled connection (engine close, tests). */
  close(): void {
    this.#closed = true;
    for (const slot of this.#idle.splice(0)) closeSlot(slot);
  }

  async #lookupOne<T>(slot: Slot, req: LookupRequest, key: readonly string[], read: (result: DuckDBResult, facts: LookupFacts) => Promise<T>): Promise<T> {
    const { shape } = req;
    const snapshot = req.state?.snapshot ?? req.snapshot;
    const projection = req.projection ?? '*';
    const identity = `${snapshot.metadata.id}@${snapshot.version}`;
    if (slot.snapshots.get(req.root) !== identity) {
      for (const [k, stmt] of slot.statements) {
        if (k.startsWith(`${req.root}\u0000`)) {
          stmt.destroySync();
          slot.statements.delete(k);
        }
      }
      slot.snapshots.set(req.root, identity);
    }
    const overlay = req.state?.overlay;
    const k = overlay === undefined ? undefined : keyString(key);
    if (overlay !== undefined && k !== undefined && (overlay.upserts.has(k) || overlay.deletes.has(k))) {
      const row = overlay.upserts.get(k);
      const n = shape.columns.length;
      const stmt = await this.#prepared(slot, `${req.root}\u0000overlay\u0000${shape.fingerprint}\u0000${projection}`, () => {
        const typed = shape.columns.map((c, i) => `CAST(CAST($${i + 1} AS VARCHAR) AS ${c.type}) AS ${q(c.name)}`).join(', ');
        return `SELECT ${projection} FROM (SELECT ${typed} WHERE CAST($${n + 1} AS BOOLEAN)) AS ${q(req.name)}`;
      });
      try {
        shape.columns.forEach((_, i) => bindText(stmt, i + 1, row?.[i] ?? null));
        stmt.bindValue(n + 1, row !== undefined, BOOLEAN);
        return await read(await stmt.run(), { source: row === undefined ? 'tombstone' : 'overlay', files: 0, bytes: 0 });
      } catch (err) {
        throw mapDuckDBError(err);
      }
    }
    const files = this.#locator.locate(snapshot, shape.primaryKey, key);
    const lease = await this.#cache.acquire(req.store, files.map((f) => ({ key: f.key, size: f.add.size })));
    try {
      const fileIds = files.map((f) => f.key).sort().join('\u0001');
      const stmt = await this.#prepared(slot, `${req.root}\u0000delta\u0000${fileIds}\u0000${projection}`, async () => {
        const rows = await snapshotSelectSql(slot.conn, { schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, files }, lease.paths);
        const where = shape.primaryKey.map((name, i) => `${q(name)} = CAST(CAST($${i + 1} AS VARCHAR) AS ${shape.columns.find((c) => c.name === name)!.type})`).join(' AND ');
        return `SELECT ${projection} FROM (${rows}) AS ${q(req.name)} WHERE ${where}`;
      });
      try {
        key.forEach((v, i) => bindText(stmt, i + 1, v));
        return await read(await stmt.run(), { source: 'delta', files: files.length, bytes: files.reduce((s, f) => s + f.add.size, 0) });
      } catch (err) {
        throw mapDuckDBError(err);
      }
    } finally {
      lease.release();
    }
  }

  async #prepared(slot: Slot, key: string, sql: () => string | Promise<string>): Promise<DuckDBPreparedStatement> {
    const hit = slot.statements.get(key);
    if (hit !== undefined) {
      slot.statements.delete(key);
      slot.statements.set(key, hit);
      return hit;
    }
    let stmt: DuckDBPreparedStatement;
    try {
      stmt = await slot.conn.prepare(await sql());
    } catch (err) {
      throw mapDuckDBError(err);
    }
    slot.statements.set(key, stmt);
    while (slot.statements.size > MAX_STATEMENTS_PER_SLOT) {
      const [oldest, old] = slot.statements.entries().next().value!;
      old.destroySync();
      slot.statements.delete(oldest);
    }
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

function bindText(stmt: DuckDBPreparedStatement, index: number, value: WalValue): void {
  if (value === null) stmt.bindNull(index);
  else stmt.bindValue(index, value, VARCHAR);
}

function closeSlot(slot: Slot): void {
  for (const stmt of slot.statements.values()) stmt.destroySync();
  slot.statements.clear();
  slot.conn.closeSync();
}

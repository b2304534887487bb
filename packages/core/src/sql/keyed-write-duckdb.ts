/**
 * KeyedWriteDuckDB: which DuckDB database a DML attempt connects to (docs/design/hot-path.md,
 * "wip/scratch11"). A keyed write that goes to the write log does small per-statement scratch work
 * (TEMP tables of a few hundred rows, views over Parquet files read by path); DuckDB's intra-query
 * worker threads gain it nothing and cost CPU, and `threads` is a GLOBAL option. So, with
 * K3_KEYED_WRITE_DUCKDB=separate, those writes run on a second database in the process, created
 * like the main one (same sandbox: allowed directories, locked configuration, UTC, k3 macros) but
 * with `threads = 1`, its own memory limit (K3_KEYED_WRITE_DUCKDB_MEMORY_LIMIT) and its own spill
 * folder; everything else (reads, DDL, direct Delta writes, drains, lookups) stays on the main one.
 *
 * The choice is made BEFORE the attempt connects, from what the statement is:
 *   target table not pinnable / without merge keys ─▶ main (the attempt then reports its own errors)
 *   route (keyed-route.ts, the same functions dispatchKeyedWrite asks) 'wal' ─▶ separate
 *   route 'delta' (NON_KEYED_* on a keyed table: whole-table loads) ─▶ main
 * The route's DuckDB parse (a MERGE's ON, an UPDATE / DELETE WHERE) runs on a connection of the
 * separate database, which the attempt keeps when the route is 'wal'; the parse is cached per text,
 * so dispatchKeyedWrite's second ask costs no DuckDB call.
 *
 * Why this is safe: a write-log write touches only objects of its own connection — TEMP tables it
 * creates, views that FreshBinder / bindWarmStrongView bind on that connection over Parquet files by
 * path (the file cache, local table roots, warm bases under the engine's tmpDir: all inside the
 * same allowed directories) — never a catalog object of the main database (the decoded-file cache
 * and materialized STRONG bases are read by point lookups and STRONG reads only).
 */
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { primaryKeyOf } from '../catalog/index.ts';
import type { K3DuckDB } from '../exec/index.ts';
import { pointRoute } from './keyed-point-write.ts';
import { routeKeyedWrite } from './keyed-route.ts';
import type { PrePassed } from './pre-pass.ts';
import type { RequestTables } from './request-tables.ts';
import type { DmlShape } from './route-write.ts';

export type KeyedWriteDuckDBMode = 'separate' | 'shared';

export interface KeyedWriteDuckDBOptions {
  readonly mode: KeyedWriteDuckDBMode;
  /** DuckDB `memory_limit` of the separate database ('' = DuckDB's default). */
  readonly memoryLimit: string;
  /** Whether UPDATE / DELETE by the full key route from the tokens (K3_KEYED_ROW_FAST_PATH, as dispatchKeyedWrite does). */
  readonly pointRoutes: boolean;
}

export class KeyedWriteDuckDB {
  readonly #main: K3DuckDB;
  readonly #opts: KeyedWriteDuckDBOptions;
  #separate: Promise<K3DuckDB> | undefined;
  #created: K3DuckDB | undefined;
  #closed = false;
  /** Attempts that ran on the separate database (tests: proves the routing is live). */
  separateAttempts = 0;

  constructor(main: K3DuckDB, opts: KeyedWriteDuckDBOptions) {
    this.#main = main;
    this.#opts = opts;
  }

  /** Whether keyed writes get their own database (off when the main one was not made by createDuckDB). */
  get enabled(): boolean {
    return this.#opts.mode === 'separate' && this.#main.sibling !== undefined && !this.#closed;
  }

  /** The separate database once created (metrics sum its memory with the main one's). */
  get instance(): K3DuckDB | undefined {
    return this.#created;
  }

  /** A connection for one attempt of a DML statement: on the separate database when it is a write-log write. */
  async connect(tables: RequestTables, statement: PrePassed, shape: DmlShape): Promise<DuckDBConnection> {
    if (!this.enabled || shape.verb === 'TRUNCATE') return this.#main.connect();
    // A pin that fails (no such table, a store error) is the attempt's own to report, in its order.
    const pinned = await tables.tryPin(shape.table).catch(() => undefined);
    const keys = pinned === undefined ? [] : primaryKeyOf(pinned.snapshot.metadata);
    if (keys.length === 0) return this.#main.connect();
    const separate = await this.#database().catch(() => undefined);
    if (separate === undefined) return this.#main.connect();
    const conn = await separate.connect();
    try {
      const route = (this.#opts.pointRoutes ? pointRoute(statement, shape, keys) : undefined) ?? await routeKeyedWrite(conn, statement, shape, keys);
      if (route.path === 'wal') {
        this.separateAttempts++;
        return conn;
      }
    } catch {
      // routing is asked again by the attempt, which reports any failure as its own
    }
    conn.closeSync();
    return this.#main.connect();
  }

  /** Closes the separate database (with the engine); later attempts use the main one. */
  async close(): Promise<void> {
    this.#closed = true;
    const pending = this.#separate;
    this.#separate = undefined;
    this.#created = undefined;
    const db = await pending?.catch(() => undefined);
    db?.closeSync();
  }

  #database(): Promise<K3DuckDB> {
    if (this.#separate === undefined) {
      const separate = this.#main.sibling!((base) => ({
        ...base,
        threads: 1,
        ...(this.#opts.memoryLimit !== '' ? { memoryLimit: this.#opts.memoryLimit } : {}),
        // Its own spill folder: two databases must not share DuckDB's temporary files.
        ...(base.tempDir !== undefined ? { tempDir: path.join(base.tempDir, 'keyed-writes') } : {}),
      }));
      this.#separate = separate;
      separate.then((db) => {
        if (this.#separate === separate) this.#created = db;
      }, () => {
        if (this.#separate === separate) this.#separate = undefined;
      });
    }
    return this.#separate;
  }
}

/**
 * Loads a WalOverlay into DuckDB as two TEMP tables with the table's own column types:
 * `<name>_up` (the upserted rows, columns in table order) and `<name>_keys` (every overlay key,
 * key columns only). Values travel as VARCHAR through the appender and are cast in SQL, which is
 * exact because WAL values are DuckDB's own text of the typed value (record-codec.ts).
 * `tryCast: true` uses TRY_CAST so a bad value becomes NULL instead of failing (the drain's
 * validation compares NULLs with the text to find such rows).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import type { WalValue } from './record-codec.ts';
import type { WalOverlay } from './overlay.ts';
import type { WalTableShape } from './table-shape.ts';

export interface OverlayTables {
  /** Quoted name of the typed upserts table. */
  readonly upserts: string;
  /** Quoted name of the typed keys table (upserted and deleted keys). */
  readonly keys: string;
  /** Drops both tables. */
  drop(): Promise<void>;
}

export async function loadOverlayTables(conn: DuckDBConnection, name: string, overlay: WalOverlay, shape: WalTableShape, opts: { tryCast?: boolean } = {}): Promise<OverlayTables> {
  const upName = `${name}_up`;
  const keysName = `${name}_keys`;
  const cast = opts.tryCast === true ? 'TRY_CAST' : 'CAST';
  const keyColumns = shape.primaryKey.map((k) => shape.columns.find((c) => c.name === k)!);
  try {
    await loadTyped(conn, upName, shape.columns, [...overlay.upserts.values()], cast);
    await loadTyped(conn, keysName, keyColumns, [...overlay.keys.values()], cast);
  } catch (err) {
    await dropAll(conn, [upName, keysName]);
    throw mapDuckDBError(err);
  }
  return { upserts: q(upName), keys: q(keysName), drop: () => dropAll(conn, [upName, keysName]) };
}

async function loadTyped(conn: DuckDBConnection, name: string, columns: readonly { name: string; type: string }[], rows: readonly (readonly WalValue[])[], cast: string): Promise<void> {
  const raw = `${name}_raw`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(raw)} (${columns.map((_, i) => `c${i} VARCHAR`).join(', ')})`);
  try {
    const appender = await conn.createAppender(raw, null, 'temp');
    try {
      for (const row of rows) {
        for (let i = 0; i < columns.length; i++) {
          const v = row[i] ?? null;
          if (v === null) appender.appendNull();
          else appender.appendVarchar(v);
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    const select = columns.map((c, i) => `${cast}(c${i} AS ${c.type}) AS ${q(c.name)}`).join(', ');
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(name)} AS SELECT ${select} FROM ${q(raw)}`);
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${q(raw)}`);
  }
}

async function dropAll(conn: DuckDBConnection, names: readonly string[]): Promise<void> {
  for (const n of names) await conn.run(`DROP TABLE IF EXISTS ${q(n)}`).catch(() => undefined);
}

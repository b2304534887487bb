/**
 * STRONG and OLTP_ONLY relations over a bound Delta snapshot and a WAL overlay:
 *
 *   STRONG    = (delta ANTI JOIN overlay_keys ON every key column) UNION ALL overlay_upserts
 *   OLTP_ONLY = overlay_upserts
 *
 * Newest wins because the overlay already folded newest-wins and every overlay key (upserted or
 * deleted) hides the Delta row; a tombstone is a key without an upsert. Columns and types equal
 * the bound snapshot's (both use fieldToDuckDBType), so every SQL shape that runs on the
 * EVENTUAL view runs on the STRONG view. Key columns are NOT NULL, so `=` is the right join.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import { loadOverlayTables, type OverlayTables } from './overlay-tables.ts';
import type { WalOverlay } from './overlay.ts';
import type { WalTableShape } from './table-shape.ts';

/** Where the Delta rows come from: a relation name (e.g. a view made by bindSnapshot) or a SELECT. */
export type DeltaSource = { readonly view: string } | { readonly sql: string };

export function sourceSql(source: DeltaSource): string {
  return 'view' in source ? q(source.view) : `(${source.sql})`;
}

/** Creates TEMP VIEW `name` = Delta ∪ overlay (newest wins). Returns the overlay tables; drop them after the view. */
export async function bindStrongView(conn: DuckDBConnection, name: string, source: DeltaSource, overlay: WalOverlay, shape: WalTableShape): Promise<OverlayTables> {
  const wal = `${name}__wal`;
  const on = shape.primaryKey.map((k) => `d.${q(k)} = k.${q(k)}`).join(' AND ');
  const columns = shape.columns.map((c) => q(c.name)).join(', ');
  try {
    // The view is created in the same DuckDB call as the log's tables (overlay-tables.ts).
    return await loadOverlayTables(conn, wal, overlay, shape, { then: `CREATE OR REPLACE TEMP VIEW ${q(name)} AS
      SELECT d.* FROM ${sourceSql(source)} AS d ANTI JOIN ${q(`${wal}_keys`)} AS k ON ${on}
      UNION ALL SELECT ${columns} FROM ${q(`${wal}_up`)}` });
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

/** Creates TEMP VIEW `name` = the overlay's upserted rows only (FRESHNESS_OLTP_ONLY). */
export async function bindOltpView(conn: DuckDBConnection, name: string, overlay: WalOverlay, shape: WalTableShape): Promise<OverlayTables> {
  const wal = `${name}__wal`;
  try {
    return await loadOverlayTables(conn, wal, overlay, shape, { then: `CREATE OR REPLACE TEMP VIEW ${q(name)} AS SELECT ${shape.columns.map((c) => q(c.name)).join(', ')} FROM ${q(`${wal}_up`)}` });
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

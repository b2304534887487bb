/**
 * STRONG and OLTP_ONLY views over a warm state (warm-state.ts): the base file (every overlay key
 * up to its seq, as text, cast back to the table's types here) and the statement's tail (TEMP
 * tables, overlay-tables.ts). Newest wins: a tail key hides the base row, any overlay key hides
 * the Delta row, a tombstone is a key without an upsert.
 *
 *   base_up   = base rows not deleted, ANTI JOIN tail keys
 *   keys      = base keys UNION ALL tail keys
 *   STRONG    = (delta ANTI JOIN keys) UNION ALL base_up UNION ALL tail_up
 *   OLTP_ONLY = base_up UNION ALL tail_up
 *
 * Parts with nothing in them are left out (no base, an empty tail): with no un-drained keys the
 * STRONG view is the Delta view itself, so STRONG costs what EVENTUAL costs.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import { loadOverlayTables, type OverlayTables } from './overlay-tables.ts';
import { sourceSql, type DeltaSource } from './strong-view.ts';
import type { WarmState } from './warm-state.ts';

export async function bindWarmView(conn: DuckDBConnection, name: string, freshness: 'strong' | 'oltp', delta: DeltaSource | undefined, state: WarmState): Promise<Pick<OverlayTables, 'drop' | 'dropSql'>> {
  const { shape, base } = state;
  const hasTail = state.tail.byKey.size > 0;
  const wal = `${name}__wal`;
  const tail = hasTail ? { keys: q(`${wal}_keys`), upserts: q(`${wal}_up`) } : undefined;
  let view: string;
  {
    const columns = shape.columns.map((c) => q(c.name)).join(', ');
    const keyList = shape.primaryKey.map(q).join(', ');
    const on = (l: string, r: string): string => shape.primaryKey.map((k) => `${l}.${q(k)} = ${r}.${q(k)}`).join(' AND ');
    const parts: string[] = [];
    const keys: string[] = [];
    if (base !== undefined) {
      const typed = shape.columns.map((c, i) => `CAST(c${i} AS ${c.type}) AS ${q(c.name)}`).join(', ');
      const baseRows = `(SELECT ${typed}, __k3_del FROM read_parquet(${quoteLiteral(base.file)}))`;
      keys.push(`SELECT ${keyList} FROM ${baseRows}`);
      const hidden = tail === undefined ? '' : ` ANTI JOIN ${tail.keys} AS t ON ${on('b', 't')}`;
      parts.push(`SELECT ${shape.columns.map((c) => `b.${q(c.name)}`).join(', ')} FROM ${baseRows} AS b${hidden} WHERE NOT b.__k3_del`);
    }
    if (tail !== undefined) {
      keys.push(`SELECT ${keyList} FROM ${tail.keys}`);
      parts.push(`SELECT ${columns} FROM ${tail.upserts}`);
    }
    if (freshness === 'strong' && delta !== undefined) {
      parts.unshift(keys.length === 0 ? `SELECT * FROM ${sourceSql(delta)}` : `SELECT d.* FROM ${sourceSql(delta)} AS d ANTI JOIN (${keys.join(' UNION ALL ')}) AS k ON ${on('d', 'k')}`);
    }
    if (parts.length === 0) parts.push(`SELECT ${shape.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${q(c.name)}`).join(', ')} WHERE false`);
    view = `CREATE OR REPLACE TEMP VIEW ${q(name)} AS ${parts.join('\n      UNION ALL ')}`;
  }
  // The tail's tables and the view: one DuckDB call for a small tail (overlay-tables.ts).
  if (hasTail) return loadOverlayTables(conn, wal, state.tail, shape, { then: view });
  try {
    await conn.run(view);
  } catch (err) {
    throw mapDuckDBError(err);
  }
  return { drop: async () => undefined, dropSql: '' };
}

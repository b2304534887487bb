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
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import { loadOverlayTables, type OverlayTables } from './overlay-tables.ts';
import type { WarmState } from './warm-state.ts';

export async function bindWarmView(conn: DuckDBConnection, name: string, freshness: 'strong' | 'oltp', deltaView: string | undefined, state: WarmState): Promise<OverlayTables> {
  const { shape, base } = state;
  const tail = await loadOverlayTables(conn, `${name}__wal`, state.tail, shape);
  try {
    const columns = shape.columns.map((c) => q(c.name)).join(', ');
    const on = (l: string, r: string): string => shape.primaryKey.map((k) => `${l}.${q(k)} = ${r}.${q(k)}`).join(' AND ');
    const parts: string[] = [];
    let keys = `SELECT * FROM ${tail.keys}`;
    if (base !== undefined) {
      const typed = shape.columns.map((c, i) => `CAST(c${i} AS ${c.type}) AS ${q(c.name)}`).join(', ');
      const baseRows = `(SELECT ${typed}, __k3_del FROM read_parquet(${quoteLiteral(base.file)}))`;
      keys = `SELECT ${shape.primaryKey.map(q).join(', ')} FROM ${baseRows} UNION ALL ${keys}`;
      parts.push(`SELECT ${shape.columns.map((c) => `b.${q(c.name)}`).join(', ')} FROM ${baseRows} AS b ANTI JOIN ${tail.keys} AS t ON ${on('b', 't')} WHERE NOT b.__k3_del`);
    }
    if (freshness === 'strong' && deltaView !== undefined) parts.unshift(`SELECT d.* FROM ${q(deltaView)} AS d ANTI JOIN (${keys}) AS k ON ${on('d', 'k')}`);
    parts.push(`SELECT ${columns} FROM ${tail.upserts}`);
    await conn.run(`CREATE OR REPLACE TEMP VIEW ${q(name)} AS ${parts.join('\n      UNION ALL ')}`);
  } catch (err) {
    await tail.drop();
    throw mapDuckDBError(err);
  }
  return tail;
}

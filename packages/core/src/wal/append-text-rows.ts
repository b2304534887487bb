/**
 * Appends rows of WAL text values (string or null) to a table of VARCHAR columns through one
 * DuckDB appender: the one per-value loop both overlay loads use (wal/overlay-tables.ts, the
 * drain's DuckDB fold in compaction/drain-fold.ts).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { WalValue } from './record-codec.ts';

export async function appendTextRows(conn: DuckDBConnection, table: string, batches: readonly (readonly (readonly WalValue[])[])[], width: number): Promise<void> {
  const appender = await conn.createAppender(table, null, 'temp');
  try {
    for (const rows of batches) {
      for (const row of rows) {
        for (let i = 0; i < width; i++) {
          const v = row[i] ?? null;
          if (v === null) appender.appendNull();
          else appender.appendVarchar(v);
        }
        appender.endRow();
      }
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * appendKeyedWrite: one keyed write statement into the log, given DuckDB queries that produce its
 * full row images (after defaults) and its tombstone keys. The statement is acknowledged when this
 * resolves (the record is durable at `seq`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Snapshot } from '../delta/snapshot.ts';
import { captureKeys, captureRows } from './capture-rows.ts';
import { walTableShape } from './table-shape.ts';
import type { WalAppendResult, WalWriter } from './wal-writer.ts';

export interface KeyedWriteSql {
  /** SELECT producing every table column by name, one row per upserted row. */
  readonly upsertSql?: string;
  /** SELECT producing the primary-key columns by name, one row per deleted key. */
  readonly deleteSql?: string;
}

export async function appendKeyedWrite(conn: DuckDBConnection, writer: WalWriter, snapshot: Snapshot, sql: KeyedWriteSql): Promise<WalAppendResult & { upserts: number; deletes: number }> {
  const shape = walTableShape(snapshot);
  const upserts = sql.upsertSql === undefined ? [] : await captureRows(conn, sql.upsertSql, shape);
  const deletes = sql.deleteSql === undefined ? [] : await captureKeys(conn, sql.deleteSql, shape);
  const result = await writer.append(snapshot.root, { tableId: shape.tableId, schemaFingerprint: shape.fingerprint, columns: shape.columns, primaryKey: shape.primaryKey, upserts, deletes });
  return { ...result, upserts: upserts.length, deletes: deletes.length };
}

/**
 * Wire shapes of the HTTP API (pbjson: camelCase, int64 as decimal strings, enums as wire names).
 * Field names follow the product documents in shared/seeds.
 */
import type { ColumnType, Freshness, QueryStrategy, ServedBy, TableSource, TableStatus, WriteStrategy } from './enums.ts';

/** int64 on the wire. */
export type Int64 = string;

export interface Column {
  name: string;
  type: ColumnType;
  nullable: boolean;
  /** Empty string = no default. */
  defaultExpression: string;
}

/** DescribeTable / the `ddl.table` of Execute. */
export interface Table {
  tableId: string;
  bucket: string;
  /** The bucket's Engine (seeds 003); filled in by the engine's catalog calls. */
  engineId?: string;
  name: string;
  description: string;
  columns: Column[];
  partitionColumns: string[];
  mergeKeys: string[];
  source: TableSource;
  deltaVersion: Int64;
  rowCount: Int64;
  sizeBytes: Int64;
  status: TableStatus;
  createdAt: Int64;
  updatedAt: Int64;
  /** Write log (HTAP) figures; only on tables with merge keys are they ever non-zero (docs/api.md). */
  walBacklogEntries?: Int64;
  walBacklogBytes?: Int64;
  walOldestEntryAgeMs?: Int64;
  /** Highest write-log seq already in Delta (the txn k3-wal watermark). */
  walDrainedThrough?: Int64;
  /** Epoch ms of the last drain commit ('0' = never drained). */
  lastDrainAt?: Int64;
  lastDrainTargetVersion?: Int64;
  lastDrainRowsMerged?: Int64;
  lastDrainRowsInserted?: Int64;
  lastDrainRowsUpdated?: Int64;
  lastDrainRowsDeleted?: Int64;
  /** Rows the last drain rejected (constraint violations; kept under `_k3_wal/rejected/`). */
  lastDrainRowsRejected?: Int64;
}

export interface ExecuteRequest {
  bucket?: string;
  sql: string;
  freshness?: Freshness;
}

export interface ResultColumn {
  name: string;
  /** DuckDB type text, e.g. `BIGINT`, `DECIMAL(18,3)`, `STRUCT(a INTEGER)`. */
  type: string;
}

export interface QueryTimings {
  planMs: number;
  queueMs: number;
  scanMs: number;
  mergeMs: number;
  totalMs: number;
}

export interface ExecuteQueryResult {
  columns: ResultColumn[];
  rows: unknown[][];
  rowCount: Int64;
  strategy: QueryStrategy;
  servedBy: ServedBy;
  strategyReason: string;
  /** Delta version read, per table name (a query may read several tables). */
  versions: Record<string, Int64>;
  /** The version read when the query touches exactly one table, else "". */
  version: Int64;
  partitionsScanned: Int64;
  partitionsPruned: Int64;
  filesScanned: Int64;
  rowsScanned: Int64;
  bytesScanned: Int64;
  timings: QueryTimings;
}

export interface ExecuteWriteResult {
  tableName: string;
  strategy: WriteStrategy;
  rowsAffected: Int64;
  /** Delta version after the commit ("" when the write went to the write log only). */
  version: Int64;
  /** Present when the statement has a RETURNING clause: the rows DuckDB returned, encoded like query rows. */
  returning?: { columns: ResultColumn[]; rows: unknown[][] };
}

export interface ExecuteDdlResult {
  /** `CREATE_TABLE` | `CREATE_TABLE_AS` | `ALTER_TABLE` | `DROP_TABLE` | `RESTORE_TABLE` | `NOOP` (IF [NOT] EXISTS that did nothing). */
  action: string;
  tableName: string;
  /** The table as DescribeTable returns it; absent after DROP. */
  table?: Table;
  version: Int64;
  /** RESTORE_TABLE only: the version that was current before the restore and the restore's own commit (= version). */
  versionBefore?: Int64;
  versionAfter?: Int64;
}

export type ExecuteResponse =
  | { query: ExecuteQueryResult }
  | { write: ExecuteWriteResult }
  | { ddl: ExecuteDdlResult };

export interface CreateTableRequest {
  bucket?: string;
  name: string;
  description?: string;
  columns: Column[];
  partitionColumns?: string[];
  mergeKeys?: string[];
}

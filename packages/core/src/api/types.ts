/**
 * What core returns to the wire adapters: the contract's shapes (field names of the proto in
 * camelCase, enums by their wire names) holding DOMAIN values — int64 counts, versions and epoch-ms
 * instants as JS numbers, row values as core encodes them (exec/result-encoding.ts; streamed rows:
 * exec/domain-values.ts), absent optional versions as `undefined`. No wire format lives here: each
 * adapter encodes (services/coordinator/src/handlers/to-proto.ts → pbjson / protobuf binary;
 * packages/pgwire → the Postgres wire). docs/design/contract.md ("Domain values").
 */
import type { ColumnType, Freshness, QueryStrategy, ServedBy, TableSource, TableStatus, WriteStrategy } from './enums.ts';

/**
 * An int64 of the contract as a domain value: a JS number (counts, sizes, Delta versions and epoch
 * milliseconds stay far below 2^53). Adapters encode it (pbjson: a decimal string). Values that may
 * pass 2^53 (BIGINT row values) are bigints, in rows only.
 */
export type Int64 = number;

export interface Column {
  name: string;
  /** One of the eleven API types, or COLUMN_TYPE_UNSPECIFIED for any other DuckDB type (see duckdbType). */
  type: ColumnType;
  /**
   * The exact DuckDB type text of the column (`DECIMAL(18,2)`, `STRUCT(a INTEGER)[]`, `UUID`, …).
   * Always set in responses; in CreateTable it may be given instead of (and wins over) `type`.
   */
  duckdbType?: string;
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
  /** TABLE_SOURCE_PIPELINE_GENERATED tables: the ingest rule's pipeline (wip/pipeline). */
  pipelineId?: string;
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
  /** DuckDB type text, e.g. `BIGINT`, `DECIMAL(18,3)`, `STRUCT(a INTEGER)` (kept for existing clients; = duckdbType). */
  type: string;
  /** The exact DuckDB type text of the column (the same field name as on table columns). */
  duckdbType: string;
  /** The API enum of the column: one of the eleven, else COLUMN_TYPE_UNSPECIFIED. */
  columnType: ColumnType;
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
  /** The version read when the query touches exactly one table, else absent. */
  version?: Int64;
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
  /** Delta version after the commit (absent when the write went to the write log only). */
  version?: Int64;
  /** Present when the statement has a RETURNING clause: the rows DuckDB returned, encoded like query rows. */
  returning?: { columns: ResultColumn[]; rows: unknown[][] };
}

export interface ExecuteDdlResult {
  /** `CREATE_TABLE` | `CREATE_TABLE_AS` | `ALTER_TABLE` | `DROP_TABLE` | `RESTORE_TABLE` | `NOOP` (IF [NOT] EXISTS that did nothing). */
  action: string;
  tableName: string;
  /** The table as DescribeTable returns it; absent after DROP. */
  table?: Table;
  /** Absent when nothing was committed (NOOP). */
  version?: Int64;
  /** RESTORE_TABLE only: the version that was current before the restore and the restore's own commit (= version). */
  versionBefore?: Int64;
  versionAfter?: Int64;
}

/**
 * What one Execute / Query call cost (usage/usage-meter.ts): CPU ms on the coordinator and every
 * worker that ran one of its scan jobs, memory in GB-seconds (RSS in GiB × wall seconds, per
 * process), bytes and files scanned, rows returned (domain numbers; the adapters encode them).
 */
export interface ExecuteUsage {
  cpuMs: Int64;
  memoryGbSeconds: number;
  bytesScanned: Int64;
  filesScanned: Int64;
  rowsReturned: Int64;
}

export type ExecuteResponse = (
  | { query: ExecuteQueryResult }
  | { write: ExecuteWriteResult }
  | { ddl: ExecuteDdlResult }
) & { usage?: ExecuteUsage };

export interface CreateTableRequest {
  bucket?: string;
  name: string;
  description?: string;
  columns: Column[];
  partitionColumns?: string[];
  mergeKeys?: string[];
  /** Record the Change Data Feed (table property delta.enableChangeDataFeed=true). Default false. */
  enableChangeDataFeed?: boolean;
}

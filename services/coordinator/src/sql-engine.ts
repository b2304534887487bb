/**
 * The port the HTTP layer serves: everything the coordinator needs from the SQL engine.
 * `Engine` in @k3/core/sql implements it; unit tests of the HTTP layer use a small fake.
 *
 * Invariants: every deliberate failure is an AppError (the server maps its code to a status);
 * `execute` stops work and rejects when `signal` aborts (the client went away).
 */
import type { CreateTableRequest, ExecuteResponse, Freshness, ResultColumn, Table } from '@k3/core/api';
import type { CompactResponse } from '@k3/core/compaction';
import type { HistoryRequest, HistoryResponse, OptimizeRequest, OptimizeResponse, RestoreRequest, RestoreResponse, VacuumRequest, VacuumResponse } from '@k3/core/maintenance';

export interface SqlExecuteOptions {
  bucket: string;
  sql: string;
  freshness?: Freshness;
  /** Positional parameters ($1..$n / ?), bound by DuckDB (shared decision 2; wip/typed). */
  params?: unknown[];
  signal?: AbortSignal;
}

/**
 * A typed data request as the port receives it: the request's pbjson (camelCase JSON) form,
 * e.g. Insert `{bucket, tableName, rows}`, Update `{bucket, tableName, set, where}` with the
 * structured predicate of shared decision 1. `signal` aborts the work.
 */
export type TypedRequest = Record<string, unknown> & { bucket: string; tableName: string };
export type EngineRequest = { bucket: string };
/** A result read as row batches (handlers/result-stream.ts builds the wire streams from it). */
export interface RowBatchStream {
  /** Result columns; empty for results without rows (writes, DDL). */
  readonly columns: readonly ResultColumn[];
  readonly batches: AsyncIterable<unknown[][]>;
  /** The response without rows, once every batch was read. */
  summary(): Promise<ExecuteResponse>;
}

/** The Engine of a bucket in pbjson form (seeds 003). */
export type EngineInfo = Record<string, unknown>;

export interface SqlEngine {
  execute(opts: SqlExecuteOptions): Promise<ExecuteResponse>;
  listTables(bucket: string): Promise<Table[]>;
  describeTable(bucket: string, name: string): Promise<Table>;
  createTable(bucket: string, req: CreateTableRequest): Promise<Table>;
  /** The Compact RPC: drain up to `batchSize` write-log records of a keyed table into Delta (optional: test fakes omit it). */
  compact?(bucket: string, table: string, batchSize?: number): Promise<CompactResponse>;
  /** Table maintenance (seeds 002; routes/maintenance-routes.ts; optional: test fakes omit them). */
  optimizeTable?(bucket: string, table: string, req: OptimizeRequest): Promise<OptimizeResponse>;
  vacuumTable?(bucket: string, table: string, req: Omit<VacuumRequest, 'now'>): Promise<VacuumResponse>;
  restoreTable?(bucket: string, table: string, req: RestoreRequest): Promise<RestoreResponse>;
  tableHistory?(bucket: string, table: string, req: HistoryRequest): Promise<HistoryResponse>;
  /** Execute with the result read in batches, memory bounded end to end (wip/typed). */
  executeStream?(opts: SqlExecuteOptions): Promise<RowBatchStream>;
  /** Typed data RPCs and DropTable (wip/typed); absent ones answer ERR_UNIMPLEMENTED. */
  insert?(req: TypedRequest, signal?: AbortSignal): Promise<ExecuteResponse>;
  merge?(req: TypedRequest, signal?: AbortSignal): Promise<ExecuteResponse>;
  update?(req: TypedRequest, signal?: AbortSignal): Promise<ExecuteResponse>;
  deleteRows?(req: TypedRequest, signal?: AbortSignal): Promise<ExecuteResponse>;
  query?(req: TypedRequest, signal?: AbortSignal): Promise<ExecuteResponse>;
  /** Per-bucket Engine state (wip/typed). */
  getEngine?(bucket: string): Promise<EngineInfo>;
  setEngineStatus?(bucket: string, status: 'ENGINE_STATUS_ACTIVE' | 'ENGINE_STATUS_DISABLED'): Promise<EngineInfo>;
  close(): Promise<void>;
}

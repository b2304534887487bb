/**
 * The port the HTTP layer serves: everything the coordinator needs from the SQL engine.
 * `Engine` in @k3/core/sql implements it; unit tests of the HTTP layer use a small fake.
 *
 * Invariants: every deliberate failure is an AppError (the server maps its code to a status);
 * `execute` stops work and rejects when `signal` aborts (the client went away).
 */
import type { CreateTableRequest, ExecuteDdlResult, ExecuteQueryResult, ExecuteResponse, ExecuteWriteResult, Freshness, ResultColumn, Table } from '@k3/core/api';
import type { EngineDescription } from '@k3/core/bucket-engine';
import type { Action } from '@k3/core/auth';
import type { CompactResponse } from '@k3/core/compaction';
import type { Pipelines } from '@k3/core/pipeline';
import type { AnalysedStatement, RowStream, StatementDescription } from '@k3/core/sql';
import type { DeleteRowsRequest, InsertRowsRequest, MergeRowsRequest, QueryRowsRequest, UpdateRowsRequest } from '@k3/core/typed';
import type { ChangesRequest, ChangesResponse, DiffRequest, DiffResponse } from '@k3/core/sql';
import type { HistoryRequest, HistoryResponse, OptimizeRequest, OptimizeResponse, RestoreRequest, RestoreResponse, VacuumRequest, VacuumResponse } from '@k3/core/maintenance';

export interface SqlExecuteOptions {
  bucket: string;
  sql: string;
  freshness?: Freshness;
  signal?: AbortSignal;
  /** commitInfo.userName of the commits the statement makes. */
  principal?: string;
  /** Called with the statement's action once classified (auth: throws ERR_FORBIDDEN). */
  authorize?: (action: Action) => void;
  /** Positional values of `$1 … $n` / `?`, bound through DuckDB prepared statements (never spliced into the SQL). */
  params?: unknown[];
  /** Makes a write safe to retry (REST `Idempotency-Key` header, Connect/gRPC `idempotency-key` metadata; docs/design/faults.md). */
  idempotencyKey?: string;
  /** The statement as the engine analysed it before (a Postgres prepared statement's; SqlEngine.analyse). */
  analysed?: AnalysedStatement;
}

/** A result read as row batches (handlers/result-stream.ts builds the wire streams from it). */
export interface RowBatchStream {
  /** Result columns; empty for results without rows (writes, DDL). */
  readonly columns: readonly ResultColumn[];
  readonly batches: AsyncIterable<unknown[][]>;
  /** The response without rows, once every batch was read. */
  summary(): Promise<ExecuteResponse>;
  /** Releases what the stream holds when it is abandoned before its end (RowStream does). */
  close?(): Promise<void>;
}

export interface SqlEngine {
  execute(opts: SqlExecuteOptions): Promise<ExecuteResponse>;
  /** Placeholder types and result columns (DuckDB type text) of one statement, without executing it (optional: test fakes omit it). */
  describeStatement?(opts: { bucket: string; sql: string }): Promise<StatementDescription>;
  /** The engine's one analysis of a statement text (optional: test fakes omit it). */
  analyse?(sql: string, paramCount?: number): AnalysedStatement;
  listTables(bucket: string): Promise<Table[]>;
  describeTable(bucket: string, name: string): Promise<Table>;
  createTable(bucket: string, req: CreateTableRequest, opts?: { principal?: string; idempotencyKey?: string }): Promise<Table>;
  /** The Compact RPC: drain up to `batchSize` write-log records of a keyed table into Delta (optional: test fakes omit it). */
  compact?(bucket: string, table: string, batchSize?: number): Promise<CompactResponse>;
  /** Table maintenance (seeds 002; routes/maintenance-routes.ts; optional: test fakes omit them). */
  optimizeTable?(bucket: string, table: string, req: OptimizeRequest): Promise<OptimizeResponse>;
  vacuumTable?(bucket: string, table: string, req: Omit<VacuumRequest, 'now'>): Promise<VacuumResponse>;
  restoreTable?(bucket: string, table: string, req: RestoreRequest): Promise<RestoreResponse>;
  tableHistory?(bucket: string, table: string, req: HistoryRequest): Promise<HistoryResponse>;
  /**
   * Typed data operations (issue 9; @k3/core/typed, docs/design/typed-operations.md): each runs the
   * equivalent bound DuckDB statement through `execute`, so it answers the same write / query
   * result and strategy as that SQL. Optional: test fakes omit them.
   */
  insertRows?(req: InsertRowsRequest): Promise<ExecuteWriteResult>;
  mergeRows?(req: MergeRowsRequest): Promise<ExecuteWriteResult>;
  updateRows?(req: UpdateRowsRequest): Promise<ExecuteWriteResult>;
  deleteRows?(req: DeleteRowsRequest): Promise<ExecuteWriteResult>;
  queryRows?(req: QueryRowsRequest): Promise<ExecuteQueryResult>;
  /**
   * Execute / Query as a RowStream (@k3/core/sql): `columns`, `batches` (Execute's row encoding)
   * or async iteration (domain values), `summary()` = the response without rows. Reads stream from
   * DuckDB with bounded memory; iterate to the end or call close(). Non-reads: execute's response.
   * Optional: test fakes omit them.
   */
  executeStream?(opts: SqlExecuteOptions): Promise<RowStream>;
  queryRowsStream?(req: QueryRowsRequest): Promise<RowStream>;
  /** Pipeline-generated tables (@k3/core/pipeline; docs/design/pipeline-tables.md). Optional: test fakes omit it. */
  readonly pipelines?: Pipelines;
  /** DropTable RPC: the DDL result of DROP TABLE (optional: test fakes omit it). */
  dropTable?(bucket: string, table: string): Promise<ExecuteDdlResult>;
  /**
   * The bucket's Engine (seeds 003): ACTIVE from first use, persisted in the bucket. While DISABLED
   * every table operation above fails with ERR_ENGINE_DISABLED and writes nothing. Domain values
   * (Dates, numbers): the wire adapters encode them. Optional: test fakes omit them.
   */
  getEngine?(bucket: string): Promise<EngineDescription>;
  enableEngine?(bucket: string): Promise<EngineDescription>;
  disableEngine?(bucket: string): Promise<EngineDescription>;
  /** Change Data Feed: the Changes and Diff RPCs (handlers/table-handlers.ts; optional: test fakes omit them). */
  tableChanges?(bucket: string, table: string, req: ChangesRequest): Promise<ChangesResponse>;
  tableDiff?(bucket: string, table: string, req: DiffRequest): Promise<DiffResponse>;
  close(): Promise<void>;
}

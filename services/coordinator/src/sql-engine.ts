/**
 * The port the HTTP layer serves: everything the coordinator needs from the SQL engine.
 * `Engine` in @k3/core/sql implements it; unit tests of the HTTP layer use a small fake.
 *
 * Invariants: every deliberate failure is an AppError (the server maps its code to a status);
 * `execute` stops work and rejects when `signal` aborts (the client went away).
 */
import type { CreateTableRequest, ExecuteResponse, Freshness, Table } from '@k3/core/api';
import type { CompactResponse } from '@k3/core/compaction';

export interface SqlExecuteOptions {
  bucket: string;
  sql: string;
  freshness?: Freshness;
  signal?: AbortSignal;
}

export interface SqlEngine {
  execute(opts: SqlExecuteOptions): Promise<ExecuteResponse>;
  listTables(bucket: string): Promise<Table[]>;
  describeTable(bucket: string, name: string): Promise<Table>;
  createTable(bucket: string, req: CreateTableRequest): Promise<Table>;
  /** The Compact RPC: drain up to `batchSize` write-log records of a keyed table into Delta (optional: test fakes omit it). */
  compact?(bucket: string, table: string, batchSize?: number): Promise<CompactResponse>;
  close(): Promise<void>;
}

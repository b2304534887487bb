/**
 * An in-memory SqlEngine for HTTP-layer unit tests: it records calls and answers from a script.
 * End-to-end tests use the real engine (test/e2e).
 */
import { AppError } from '@k3/core';
import type { CreateTableRequest, ExecuteResponse, Table } from '@k3/core/api';
import type { SqlEngine, SqlExecuteOptions } from '../src/sql-engine.ts';

export function tableOf(bucket: string, req: CreateTableRequest): Table {
  return {
    tableId: `tbl_${req.name}`,
    bucket,
    name: req.name,
    description: req.description ?? '',
    columns: req.columns,
    partitionColumns: req.partitionColumns ?? [],
    mergeKeys: req.mergeKeys ?? [],
    source: 'TABLE_SOURCE_MANUAL',
    deltaVersion: 0,
    rowCount: 0,
    sizeBytes: 0,
    status: 'TABLE_STATUS_ACTIVE',
    createdAt: 1716840000000,
    updatedAt: 1716840000000,
  };
}

export const QUERY_RESPONSE: ExecuteResponse = {
  query: {
    columns: [{ name: 'n', type: 'BIGINT', duckdbType: 'BIGINT', columnType: 'COLUMN_TYPE_LONG' }],
    rows: [['9007199254740993']],
    rowCount: 1,
    strategy: 'QUERY_STRATEGY_UNARY_WAREHOUSE',
    servedBy: 'SERVED_BY_WAREHOUSE',
    strategyReason: '',
    versions: { t: 3 },
    version: 3,
    partitionsScanned: 1,
    partitionsPruned: 0,
    filesScanned: 1,
    rowsScanned: 1,
    bytesScanned: 100,
    timings: { planMs: 1, queueMs: 0, scanMs: 1, mergeMs: 0, totalMs: 2 },
  },
};

export class FakeEngine implements SqlEngine {
  readonly calls: SqlExecuteOptions[] = [];
  readonly tables = new Map<string, Table>();
  /** What execute does next; default answers QUERY_RESPONSE. */
  onExecute: (opts: SqlExecuteOptions) => Promise<ExecuteResponse> = async () => QUERY_RESPONSE;
  closed = false;

  async execute(opts: SqlExecuteOptions): Promise<ExecuteResponse> {
    this.calls.push(opts);
    return this.onExecute(opts);
  }

  async listTables(bucket: string): Promise<Table[]> {
    return [...this.tables.values()].filter((t) => t.bucket === bucket);
  }

  async describeTable(bucket: string, name: string): Promise<Table> {
    const t = this.tables.get(`${bucket}/${name}`);
    if (!t) throw new AppError('ERR_TABLE_NOT_FOUND', `Table "${name}" does not exist in bucket "${bucket}".`, { bucket, table: name });
    return t;
  }

  async createTable(bucket: string, req: CreateTableRequest): Promise<Table> {
    const key = `${bucket}/${req.name}`;
    if (this.tables.has(key)) throw new AppError('ERR_TABLE_EXISTS', `Table "${req.name}" already exists.`);
    const t = tableOf(bucket, req);
    this.tables.set(key, t);
    return t;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

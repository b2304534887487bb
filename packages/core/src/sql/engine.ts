/**
 * Engine: runs one DuckDB-dialect SQL statement against the Delta tables of a bucket
 * (design note: docs/design/sql-engine.md).
 *
 * Invariants: one statement per call; every table a statement touches is read at exactly one
 * snapshot per request; a failing statement commits nothing.
 */
import type { CreateTableRequest, ExecuteResponse, Freshness, Table } from '../api/index.ts';
import { AppError } from '../errors/index.ts';
import type { EngineDeps } from './engine-deps.ts';

export type { BucketStores, EngineDeps, FileCache, K3DuckDB } from './engine-deps.ts';

export interface ExecuteOptions {
  bucket: string;
  sql: string;
  freshness?: Freshness;
  signal?: AbortSignal;
}

export class Engine {
  readonly #deps: EngineDeps;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
  }

  execute(opts: ExecuteOptions): Promise<ExecuteResponse> {
    return Promise.reject(new AppError('ERR_SQL_UNSUPPORTED', `Execute is not implemented yet (bucket ${opts.bucket}).`));
  }

  listTables(bucket: string): Promise<Table[]> {
    return Promise.reject(new AppError('ERR_SQL_UNSUPPORTED', `listTables is not implemented yet (bucket ${bucket}).`));
  }

  describeTable(bucket: string, name: string): Promise<Table> {
    return Promise.reject(new AppError('ERR_SQL_UNSUPPORTED', `describeTable is not implemented yet (${bucket}/${name}).`));
  }

  createTable(bucket: string, req: CreateTableRequest): Promise<Table> {
    return Promise.reject(new AppError('ERR_SQL_UNSUPPORTED', `createTable is not implemented yet (${bucket}/${req.name}).`));
  }

  close(): Promise<void> {
    void this.#deps;
    return Promise.resolve();
  }
}

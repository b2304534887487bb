/**
 * The typed data operations — Insert, Merge, Update, DeleteRows, Query — over any engine that runs
 * bound statements (docs/design/typed-operations.md). Each builds its DuckDB statement
 * (typed-statements.ts) against the table's current columns and runs it through the same
 * `execute` as SQL: one planner, one router, the same strategies, results and errors.
 */
import type { ExecuteQueryResult, ExecuteResponse, ExecuteWriteResult, Freshness } from '../api/index.ts';
import { AppError } from '../errors/index.ts';
import type { Predicate } from './predicate.ts';
import type { TypedTable } from './sql-builder.ts';
import { deleteStatement, insertStatement, mergeStatement, queryStatement, updateStatement, type QuerySpec, type Row, type TypedStatement } from './typed-statements.ts';

/** What the operations need from the engine. */
export interface TypedEngine {
  execute(opts: { bucket: string; sql: string; params?: readonly unknown[]; freshness?: Freshness; signal?: AbortSignal; principal?: string }): Promise<ExecuteResponse>;
  /** The table's stored name, columns and merge keys (ERR_TABLE_NOT_FOUND when absent). */
  typedTable(bucket: string, tableName: string): Promise<TypedTable>;
}

interface TableRequest {
  readonly bucket: string;
  readonly tableName: string;
  readonly signal?: AbortSignal;
  /** Who writes: commitInfo.userName of the commits (wip/auth). */
  readonly principal?: string;
}

export interface InsertRowsRequest extends TableRequest { readonly rows: readonly Row[] }
export interface MergeRowsRequest extends TableRequest { readonly rows: readonly Row[]; readonly matchColumns?: readonly string[] }
export interface UpdateRowsRequest extends TableRequest { readonly set: Row; readonly where: Predicate }
export interface DeleteRowsRequest extends TableRequest { readonly where: Predicate }
export interface QueryRowsRequest extends TableRequest, QuerySpec { readonly freshness?: Freshness }

/** Builds the statement a request stands for (tests compare it with hand-written SQL). */
export async function typedStatementOf(engine: TypedEngine, kind: 'insert' | 'merge' | 'update' | 'delete' | 'query', req: TableRequest & Record<string, unknown>): Promise<TypedStatement> {
  const table = await engine.typedTable(req.bucket, req.tableName);
  switch (kind) {
    case 'insert': return insertStatement(table, req['rows']);
    case 'merge': return mergeStatement(table, req['rows'], req['matchColumns'] as readonly string[] | undefined);
    case 'update': return updateStatement(table, req['set'], req['where']);
    case 'delete': return deleteStatement(table, req['where']);
    case 'query': return queryStatement(table, req as QuerySpec);
  }
}

async function write(engine: TypedEngine, kind: 'insert' | 'merge' | 'update' | 'delete', req: TableRequest & object): Promise<ExecuteWriteResult> {
  const statement = await typedStatementOf(engine, kind, req as TableRequest & Record<string, unknown>);
  const r = await engine.execute({ bucket: req.bucket, sql: statement.sql, params: statement.params, ...(req.signal !== undefined ? { signal: req.signal } : {}), ...(req.principal !== undefined ? { principal: req.principal } : {}) });
  if (!('write' in r)) throw new AppError('ERR_INTERNAL', `The ${kind} statement did not answer a write result.`);
  return r.write;
}

export function insertRows(engine: TypedEngine, req: InsertRowsRequest): Promise<ExecuteWriteResult> {
  return write(engine, 'insert', req);
}

export function mergeRows(engine: TypedEngine, req: MergeRowsRequest): Promise<ExecuteWriteResult> {
  return write(engine, 'merge', req);
}

export function updateRows(engine: TypedEngine, req: UpdateRowsRequest): Promise<ExecuteWriteResult> {
  return write(engine, 'update', req);
}

export function deleteRows(engine: TypedEngine, req: DeleteRowsRequest): Promise<ExecuteWriteResult> {
  return write(engine, 'delete', req);
}

export async function queryRows(engine: TypedEngine, req: QueryRowsRequest): Promise<ExecuteQueryResult> {
  const statement = await typedStatementOf(engine, 'query', req as unknown as TableRequest & Record<string, unknown>);
  const r = await engine.execute({
    bucket: req.bucket, sql: statement.sql, params: statement.params,
    ...(req.freshness !== undefined ? { freshness: req.freshness } : {}),
    ...(req.signal !== undefined ? { signal: req.signal } : {}),
    ...(req.principal !== undefined ? { principal: req.principal } : {}),
  });
  if (!('query' in r)) throw new AppError('ERR_INTERNAL', 'The query statement did not answer a query result.');
  return r.query;
}

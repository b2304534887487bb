/**
 * TableService: ONE set of handlers over the SqlEngine port, called by every wire (REST routes,
 * Connect / gRPC-Web on the HTTP port, native gRPC). A handler takes the decoded request message
 * and the request context and returns the response message; it translates between the proto and
 * the engine and checks what the proto cannot say (required fields, ranges). Logging, metrics,
 * auth and error mapping are the interceptor layer's (rpc/interceptors.ts), not code in here.
 * Design note: docs/design/contract.md.
 */
import { toJson, type DescMethodServerStreaming, type DescMethodUnary, type MessageShape } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import type {
  ExecuteResponseSchema,
  TableService} from '@k3/client';
import {
  ColumnTypeSchema,
  CompactResponseSchema,
  DeleteRowsRequestSchema,
  EngineSchema,
  FreshnessSchema,
  HistoryResponseSchema,
  InsertRequestSchema,
  MergeRequestSchema,
  OptimizeResponseSchema,
  QueryRequestSchema,
  RestoreResponseSchema,
  TableSchema,
  UpdateRequestSchema,
  VacuumResponseSchema,
} from '@k3/client';
import { AppError } from '@k3/core';
import type { CreateTableRequest as EngineCreateTableRequest, ExecuteResponse as EngineExecuteResponse, Freshness } from '@k3/core/api';
import type { RequestContext } from '../rpc/request-context.ts';
import type { SqlEngine, SqlExecuteOptions, TypedRequest } from '../sql-engine.ts';
import { checkBucket, checkRange, enumName, required, unimplemented } from './request-checks.ts';
import { toExecuteResponse, toProto } from './to-proto.ts';
import { batchesOf, openResultStream, streamOf } from './result-stream.ts';

type Methods = typeof TableService.method;
type Handler<M> =
  M extends DescMethodUnary<infer I, infer O>
    ? (req: MessageShape<I>, rc: RequestContext) => Promise<MessageShape<O>>
    : M extends DescMethodServerStreaming<infer I, infer O>
      ? (req: MessageShape<I>, rc: RequestContext) => Promise<AsyncIterable<MessageShape<O>>>
      : never;
export type TableHandlers = { [K in keyof Methods]: Handler<Methods[K]> };

const table = (req: { tableName: string }): string => required(req.tableName, 'tableName');

function freshnessOf(value: number): Freshness | undefined {
  return value === 0 ? undefined : (enumName(FreshnessSchema, value, 'freshness') as Freshness);
}

/** A typed request in the pbjson form the engine port takes (shared decision 1). */
function typedJson(schema: Parameters<typeof toJson>[0], req: Parameters<typeof toJson>[1]): TypedRequest {
  return toJson(schema, req) as TypedRequest;
}

export function createTableHandlers(engine: SqlEngine): TableHandlers {
  const executeOptions = (req: MessageShape<typeof TableService.method.execute.input>, rc: RequestContext): SqlExecuteOptions => {
    const opts: SqlExecuteOptions = { bucket: checkBucket(req.bucket), sql: required(req.sql, 'sql'), signal: rc.signal };
    const freshness = freshnessOf(req.freshness);
    if (freshness !== undefined) opts.freshness = freshness;
    if (req.params.length > 0) opts.params = req.params.map((p) => toJson(ValueSchema, p));
    return opts;
  };
  const typed = async (method: string, fn: ((r: TypedRequest, s?: AbortSignal) => Promise<EngineExecuteResponse>) | undefined, json: TypedRequest, rc: RequestContext) => {
    checkBucket(json.bucket);
    required(json.tableName ?? '', 'tableName');
    if (fn === undefined) unimplemented(method);
    return toExecuteResponse(await fn.call(engine, json, rc.signal));
  };

  return {
    async execute(req, rc) {
      return toExecuteResponse(await engine.execute(executeOptions(req, rc)));
    },
    async executeStream(req, rc) {
      return openResultStream(await streamOf(engine, executeOptions(req, rc)));
    },

    async createTable(req) {
      const bucket = checkBucket(req.bucket);
      required(req.name, 'name');
      if (req.columns.length === 0) throw new AppError('ERR_BAD_REQUEST', 'Invalid request: columns must list at least one column; fix the request and retry.', { field: 'columns' });
      const columns = req.columns.map((c, i) => ({
        name: required(c.name, `columns.${i}.name`),
        type: (c.type === 0 ? required('', `columns.${i}.type`) : enumName(ColumnTypeSchema, c.type, `columns.${i}.type`)) as EngineCreateTableRequest['columns'][number]['type'],
        nullable: c.nullable,
        defaultExpression: c.defaultExpression,
      }));
      const engineReq: EngineCreateTableRequest = { bucket, name: req.name, description: req.description, columns, partitionColumns: req.partitionColumns, mergeKeys: req.mergeKeys };
      if (req.enableChangeDataFeed) Object.assign(engineReq, { enableChangeDataFeed: true });
      return toProto(TableSchema, await engine.createTable(bucket, engineReq));
    },
    async describeTable(req) {
      return toProto(TableSchema, await engine.describeTable(checkBucket(req.bucket), table(req)));
    },
    async listTables(req) {
      const tables = await engine.listTables(checkBucket(req.bucket));
      return { $typeName: 'dodil.k3.tables.v1.ListTablesResponse', tables: tables.map((t) => toProto(TableSchema, t)) };
    },
    async dropTable(req, rc) {
      const bucket = checkBucket(req.bucket);
      const name = table(req);
      // An identifier, quoted as DuckDB quotes identifiers: no value is ever spliced into SQL.
      const sql = `DROP TABLE ${req.ifExists ? 'IF EXISTS ' : ''}"${name.replaceAll('"', '""')}"`;
      const res = toExecuteResponse(await engine.execute({ bucket, sql, signal: rc.signal }));
      const ddl = res.result.case === 'ddl' ? res.result.value : undefined;
      return {
        $typeName: 'dodil.k3.tables.v1.DropTableResponse',
        tableName: name,
        dropped: ddl?.action === 'DROP_TABLE',
        ...(ddl?.version !== undefined ? { version: ddl.version } : {}),
      };
    },

    async insert(req, rc) {
      const res = await typed('Insert', engine.insert, typedJson(InsertRequestSchema, req), rc);
      return { $typeName: 'dodil.k3.tables.v1.InsertResponse', write: writeOf(res) };
    },
    async merge(req, rc) {
      const res = await typed('Merge', engine.merge, typedJson(MergeRequestSchema, req), rc);
      return { $typeName: 'dodil.k3.tables.v1.MergeResponse', write: writeOf(res) };
    },
    async update(req, rc) {
      const res = await typed('Update', engine.update, typedJson(UpdateRequestSchema, req), rc);
      return { $typeName: 'dodil.k3.tables.v1.UpdateResponse', write: writeOf(res) };
    },
    async deleteRows(req, rc) {
      const res = await typed('DeleteRows', engine.deleteRows, typedJson(DeleteRowsRequestSchema, req), rc);
      return { $typeName: 'dodil.k3.tables.v1.DeleteRowsResponse', write: writeOf(res) };
    },
    async query(req, rc) {
      const res = await typed('Query', engine.query, typedJson(QueryRequestSchema, req), rc);
      if (res.result.case !== 'query') throw new Error('engine answered Query without a query result');
      return { $typeName: 'dodil.k3.tables.v1.QueryResponse', query: res.result.value, ...(res.usage ? { usage: res.usage } : {}) };
    },
    async queryStream(req, rc) {
      const json = typedJson(QueryRequestSchema, req);
      checkBucket(json.bucket);
      required(json.tableName, 'tableName');
      if (engine.query === undefined) unimplemented('QueryStream');
      return openResultStream(batchesOf(await engine.query(json, rc.signal)));
    },

    async optimize(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.optimizeTable === undefined) unimplemented('Optimize');
      return toProto(OptimizeResponseSchema, await engine.optimizeTable(bucket, table(req), {
        ...(req.targetFileSizeMb !== undefined ? { targetFileSizeMb: req.targetFileSizeMb } : {}),
        ...(req.zOrderColumns.length > 0 ? { zOrderColumns: req.zOrderColumns } : {}),
      }));
    },
    async vacuum(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.vacuumTable === undefined) unimplemented('Vacuum');
      return toProto(VacuumResponseSchema, await engine.vacuumTable(bucket, table(req), {
        ...(req.retentionHours !== undefined ? { retentionHours: req.retentionHours } : {}),
        dryRun: req.dryRun,
        disableRetentionCheck: req.disableRetentionCheck,
      }));
    },
    async compact(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.compact === undefined) unimplemented('Compact');
      const batchSize = req.batchSize === undefined ? undefined : checkRange(req.batchSize, 'batchSize', 1, 1_000_000);
      return toProto(CompactResponseSchema, await engine.compact(bucket, table(req), batchSize));
    },
    async restore(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.restoreTable === undefined) unimplemented('Restore');
      const res = await engine.restoreTable(bucket, table(req), {
        ...(req.version !== undefined ? { version: String(req.version) } : {}),
        ...(req.restoreTimestamp !== '' ? { timestamp: req.restoreTimestamp } : {}),
      });
      return toProto(RestoreResponseSchema, { versionBefore: res.versionBefore, versionAfter: res.versionAfter });
    },
    async history(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.tableHistory === undefined) unimplemented('History');
      return toProto(HistoryResponseSchema, await engine.tableHistory(bucket, table(req), {
        ...(req.limit !== 0 ? { limit: req.limit } : {}),
        ...(req.beforeVersion !== undefined ? { beforeVersion: String(req.beforeVersion) } : {}),
      }));
    },

    async getEngine(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.getEngine === undefined) unimplemented('GetEngine');
      return toProto(EngineSchema, await engine.getEngine(bucket));
    },
    async enableEngine(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.setEngineStatus === undefined) unimplemented('EnableEngine');
      return toProto(EngineSchema, await engine.setEngineStatus(bucket, 'ENGINE_STATUS_ACTIVE'));
    },
    async disableEngine(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.setEngineStatus === undefined) unimplemented('DisableEngine');
      return toProto(EngineSchema, await engine.setEngineStatus(bucket, 'ENGINE_STATUS_DISABLED'));
    },
  };
}

function writeOf(res: MessageShape<typeof ExecuteResponseSchema>) {
  if (res.result.case !== 'write') throw new Error('engine answered a typed write without a write result');
  return res.result.value;
}

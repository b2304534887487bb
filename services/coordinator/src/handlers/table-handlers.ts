/**
 * TableService: ONE set of handlers over the SqlEngine port, called by every wire (REST routes,
 * Connect / gRPC-Web on the HTTP port, native gRPC). A handler takes the decoded request message
 * and the request context and returns the response message; it translates between the proto and
 * the engine and checks what the proto cannot say (required fields, ranges). Logging, metrics,
 * auth and error mapping are the interceptor layer's (rpc/interceptors.ts), not code in here.
 * Design note: docs/design/contract.md.
 */
import { create, toJson, type DescMethodServerStreaming, type DescMethodUnary, type MessageShape } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import type { ExecuteQueryResultSchema, ExecuteWriteResultSchema, TableService } from '@k3/client';
import {
  ChangesResponseSchema,
  ColumnTypeSchema,
  CompactResponseSchema,
  DeleteRowsRequestSchema,
  DeleteRowsResponseSchema,
  DropTableResponseSchema,
  EngineSchema,
  FreshnessSchema,
  UsageTotalsSchema,
  HistoryResponseSchema,
  InsertRequestSchema,
  InsertResponseSchema,
  MergeRequestSchema,
  MergeResponseSchema,
  OptimizeResponseSchema,
  QueryRequestSchema,
  QueryResponseSchema,
  RestoreResponseSchema,
  TableSchema,
  UpdateRequestSchema,
  UpdateResponseSchema,
  VacuumResponseSchema,
} from '@k3/client';
import { authorize, type TokenStore } from '@k3/core/auth';
import { AppError, isAppError } from '@k3/core';
import type { UsageTotals } from '@k3/core/usage';
import type { CreateTableRequest as EngineCreateTableRequest, ExecuteDdlResult as EngineExecuteDdlResult, ExecuteResponse as EngineExecuteResponse, ExecuteWriteResult, Freshness } from '@k3/core/api';
import type { RequestContext } from '../rpc/request-context.ts';
import type { SqlEngine, SqlExecuteOptions } from '../sql-engine.ts';
import { checkBucket, checkRange, enumName, instantOf, required, unimplemented } from './request-checks.ts';
import { toDiffResponse, toExecuteResponse, toProto } from './to-proto.ts';
import { batchesOf, openResultStream, streamOf } from './result-stream.ts';
import { createTokenHandlers } from './token-handlers.ts';
import { createPipelineHandlers } from './pipeline-handlers.ts';

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

/**
 * A typed request in its pbjson form — exactly the JSON of shared decision 1 (rows as objects,
 * predicates as {column, op, value} / {and|or|not}) — with the path checks done and the signal
 * attached: what @k3/core/typed takes.
 */
type Typed = { bucket: string; tableName: string; signal: AbortSignal } & Record<string, unknown>;
function typedJson(schema: Parameters<typeof toJson>[0], req: Parameters<typeof toJson>[1], rc: RequestContext): Typed {
  const json = toJson(schema, req) as Record<string, unknown>;
  return {
    ...json, bucket: checkBucket(String(json.bucket ?? '')), tableName: required(String(json.tableName ?? ''), 'tableName'), signal: rc.signal,
    ...(rc.principal !== undefined ? { principal: rc.principal } : {}),
  };
}

/** The engine's Engine description (domain values) → the proto Engine. */
function engineOf(e: { engineId: string; bucket: string; status: string; settings: string; tableCount: number; createdAt: Date; updatedAt: Date }) {
  return toProto(EngineSchema, e);
}

/** Request columns → the engine's: typed by `type` (one of the eleven) or by `duckdbType` (any DuckDB type text; it wins). */
export function engineColumns(columns: MessageShape<typeof TableService.method.createTable.input>['columns']): EngineCreateTableRequest['columns'] {
  return columns.map((c, i) => ({
    name: required(c.name, `columns.${i}.name`),
    type: (c.type === 0 ? (c.duckdbType !== '' ? 'COLUMN_TYPE_UNSPECIFIED' : required('', `columns.${i}.type`)) : enumName(ColumnTypeSchema, c.type, `columns.${i}.type`)) as EngineCreateTableRequest['columns'][number]['type'],
    nullable: c.nullable,
    defaultExpression: c.defaultExpression,
    ...(c.duckdbType !== '' ? { duckdbType: c.duckdbType } : {}),
  }));
}


/** Where GetUsage reads a bucket's metered totals (@k3/core/usage's UsageLedger). */
export interface UsageSource {
  totals(bucket: string, since?: number, until?: number): UsageTotals;
}


/** `tokens`: the process's token store for the token RPCs (undefined = auth off: they refuse). */
export function createTableHandlers(engine: SqlEngine, opts: { tokens?: TokenStore | undefined; usage?: UsageSource | undefined } = {}): TableHandlers {
  const executeOptions = (req: MessageShape<typeof TableService.method.execute.input>, rc: RequestContext): SqlExecuteOptions => {
    const opts: SqlExecuteOptions = { bucket: checkBucket(req.bucket), sql: required(req.sql, 'sql'), signal: rc.signal };
    const freshness = freshnessOf(req.freshness);
    if (freshness !== undefined) opts.freshness = freshness;
    if (req.params.length > 0) opts.params = req.params.map((p) => toJson(ValueSchema, p));
    if (rc.idempotencyKey !== undefined) opts.idempotencyKey = rc.idempotencyKey;
    // Auth: commits carry the caller's name; the engine checks the statement's own action.
    const grant = rc.grant;
    if (grant !== undefined) {
      opts.principal = grant.name;
      opts.authorize = (action) => authorize(grant, opts.bucket, action);
    }
    return opts;
  };
  const write = async (method: string, fn: ((r: never) => Promise<ExecuteWriteResult>) | undefined, req: Typed) => {
    if (fn === undefined) unimplemented(method);
    const res = toExecuteResponse({ write: await fn.call(engine, req as never) });
    return res.result.value as MessageShape<typeof ExecuteWriteResultSchema>;
  };
  const query = async (method: string, req: Typed): Promise<EngineExecuteResponse> => {
    if (engine.queryRows === undefined) unimplemented(method);
    return { query: await engine.queryRows(req as never) };
  };

  return {
    async execute(req, rc) {
      return toExecuteResponse(await engine.execute(executeOptions(req, rc)));
    },
    async executeStream(req, rc) {
      return openResultStream(await streamOf(engine, executeOptions(req, rc)));
    },

    async createTable(req, rc) {
      const bucket = checkBucket(req.bucket);
      required(req.name, 'name');
      if (req.columns.length === 0) throw new AppError('ERR_BAD_REQUEST', 'Invalid request: columns must list at least one column; fix the request and retry.', { field: 'columns' });
      const columns = engineColumns(req.columns);
      const engineReq: EngineCreateTableRequest = { bucket, name: req.name, description: req.description, columns, partitionColumns: req.partitionColumns, mergeKeys: req.mergeKeys };
      if (req.enableChangeDataFeed) Object.assign(engineReq, { enableChangeDataFeed: true });
      return toProto(TableSchema, await engine.createTable(bucket, engineReq, { ...(rc.principal !== undefined ? { principal: rc.principal } : {}), ...(rc.idempotencyKey !== undefined ? { idempotencyKey: rc.idempotencyKey } : {}) }));
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
      let ddl: EngineExecuteDdlResult | undefined;
      if (engine.dropTable) {
        try {
          ddl = await engine.dropTable(bucket, name);
        } catch (err) {
          if (!(req.ifExists && isAppError(err, 'ERR_TABLE_NOT_FOUND'))) throw err;
        }
      } else {
        // An identifier, quoted as DuckDB quotes identifiers: no value is ever spliced into SQL.
        const sql = `DROP TABLE ${req.ifExists ? 'IF EXISTS ' : ''}"${name.replaceAll('"', '""')}"`;
        const res = await engine.execute({ bucket, sql, signal: rc.signal, ...(rc.principal !== undefined ? { principal: rc.principal } : {}) });
        ddl = 'ddl' in res ? res.ddl : undefined;
      }
      return toProto(DropTableResponseSchema, { tableName: name, dropped: ddl?.action === 'DROP_TABLE', ...(ddl?.version !== undefined ? { version: ddl.version } : {}) });
    },

    async insert(req, rc) {
      return create(InsertResponseSchema, { write: await write('Insert', engine.insertRows, typedJson(InsertRequestSchema, req, rc)) });
    },
    async merge(req, rc) {
      return create(MergeResponseSchema, { write: await write('Merge', engine.mergeRows, typedJson(MergeRequestSchema, req, rc)) });
    },
    async update(req, rc) {
      return create(UpdateResponseSchema, { write: await write('Update', engine.updateRows, typedJson(UpdateRequestSchema, req, rc)) });
    },
    async deleteRows(req, rc) {
      return create(DeleteRowsResponseSchema, { write: await write('DeleteRows', engine.deleteRows, typedJson(DeleteRowsRequestSchema, req, rc)) });
    },
    async query(req, rc) {
      const res = toExecuteResponse(await query('Query', typedJson(QueryRequestSchema, req, rc)));
      return create(QueryResponseSchema, { query: res.result.value as MessageShape<typeof ExecuteQueryResultSchema>, ...(res.usage ? { usage: res.usage } : {}) });
    },
    async queryStream(req, rc) {
      const typedReq = typedJson(QueryRequestSchema, req, rc);
      if (engine.queryRowsStream) return openResultStream(await engine.queryRowsStream(typedReq as never));
      return openResultStream(batchesOf(await query('QueryStream', typedReq)));
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
        ...(req.version !== undefined ? { version: Number(req.version) } : {}),
        ...(req.restoreTimestamp !== '' ? { timestamp: req.restoreTimestamp } : {}),
      });
      return toProto(RestoreResponseSchema, { versionBefore: res.versionBefore, versionAfter: res.versionAfter });
    },
    async history(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.tableHistory === undefined) unimplemented('History');
      return toProto(HistoryResponseSchema, await engine.tableHistory(bucket, table(req), {
        ...(req.limit !== undefined ? { limit: req.limit } : {}),
        ...(req.beforeVersion !== undefined ? { beforeVersion: Number(req.beforeVersion) } : {}),
      }));
    },

    async getEngine(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.getEngine === undefined) unimplemented('GetEngine');
      return engineOf(await engine.getEngine(bucket));
    },
    async enableEngine(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.enableEngine === undefined) unimplemented('EnableEngine');
      return engineOf(await engine.enableEngine(bucket));
    },
    async disableEngine(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.disableEngine === undefined) unimplemented('DisableEngine');
      return engineOf(await engine.disableEngine(bucket));
    },

    ...createTokenHandlers(opts.tokens),
    // Change Data Feed (docs/design/change-data-feed.md): a page of table_changes, and "what changed since".
    async changes(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.tableChanges === undefined) unimplemented('Changes');
      return toProto(ChangesResponseSchema, await engine.tableChanges(bucket, table(req), {
        ...(req.fromVersion !== undefined ? { fromVersion: Number(req.fromVersion) } : {}),
        ...(req.toVersion !== undefined ? { toVersion: Number(req.toVersion) } : {}),
        ...(req.fromTimestamp !== '' ? { fromTimestamp: req.fromTimestamp } : {}),
        ...(req.toTimestamp !== '' ? { toTimestamp: req.toTimestamp } : {}),
        ...(req.pageToken !== '' ? { pageToken: req.pageToken } : {}),
        ...(req.pageSize !== undefined ? { pageSize: req.pageSize } : {}),
      }));
    },
    async diff(req) {
      const bucket = checkBucket(req.bucket);
      if (engine.tableDiff === undefined) unimplemented('Diff');
      if (req.version === undefined) throw new AppError('ERR_BAD_REQUEST', 'Invalid request: version is required (the older version to compare with HEAD or toVersion); fix the request and retry.', { field: 'version' });
      return toDiffResponse(await engine.tableDiff(bucket, table(req), {
        version: Number(req.version),
        ...(req.toVersion !== undefined ? { toVersion: Number(req.toVersion) } : {}),
        ...(req.limit !== undefined ? { limit: req.limit } : {}),
      }));
    },
    ...createPipelineHandlers(engine),
    async getUsage(req) {
      const bucket = checkBucket(req.bucket);
      if (opts.usage === undefined) unimplemented('GetUsage');
      const since = instantOf(req.since, 'since', 0);
      const until = instantOf(req.until, 'until', Number.MAX_SAFE_INTEGER);
      if (until < since) throw new AppError('ERR_BAD_REQUEST', 'Invalid request: until must not be before since; fix the window and retry.', { field: 'until', since, until });
      return toProto(UsageTotalsSchema, opts.usage.totals(bucket, since, until));
    },
  };
}

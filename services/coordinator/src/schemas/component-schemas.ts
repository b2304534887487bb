/**
 * JSON Schemas of the wire shapes (pbjson: camelCase, int64 as decimal strings, enums as wire
 * names), registered once with `addSchema` and referenced by `$id` from the route schemas. One
 * source feeds both request validation and the OpenAPI document (components/schemas).
 *
 * Invariants: request shapes are closed (`additionalProperties: false`) so a misspelt field is a
 * 400, not silently ignored; response shapes are open so the engine may add fields without
 * breaking clients. Keep in sync with packages/core/src/api/types.ts (e2e tests validate real
 * responses against these schemas).
 */
import { ColumnType, Freshness, QueryStrategy, ServedBy, TableSource, TableStatus, WriteStrategy } from '@k3/core/api';
import { ERROR_CODES } from '@k3/core';
import { COMPACT_SCHEMAS, TABLE_HTAP_PROPERTIES } from './compact-schemas.ts';
import { MAINTENANCE_SCHEMAS } from './maintenance-schemas.ts';

const int64 = { type: 'string', pattern: '^-?[0-9]+$', description: 'int64 as a decimal string' } as const;
/** Versions are "" when the statement did not produce or read a Delta version. */
const version = { type: 'string', pattern: '^(-?[0-9]+)?$', description: 'Delta version (int64 string) or ""' } as const;
const wireEnum = (values: object, description: string) => ({ type: 'string', enum: Object.values(values), description });

export const COMPONENT_SCHEMAS = [
  {
    $id: 'ErrorBody',
    type: 'object',
    description: 'The body of every error response.',
    required: ['code', 'message', 'retryable'],
    properties: {
      code: { type: 'string', enum: Object.keys(ERROR_CODES), description: 'Stable error code (docs/errors.md).' },
      message: { type: 'string', description: 'What happened and what to do.' },
      retryable: { type: 'boolean', description: 'Whether the same request may succeed later unchanged.' },
      requestId: { type: 'string', description: 'The request id (also in the x-request-id header).' },
      details: { type: 'object', additionalProperties: true, description: 'Structured context, never row data.' },
    },
  },
  {
    $id: 'Column',
    type: 'object',
    required: ['name', 'type', 'nullable', 'defaultExpression'],
    properties: {
      name: { type: 'string' },
      type: wireEnum(ColumnType, 'ColumnType wire name'),
      nullable: { type: 'boolean' },
      defaultExpression: { type: 'string', description: 'Empty = no default.' },
    },
  },
  {
    $id: 'ColumnInput',
    type: 'object',
    description: 'A column of CreateTableRequest; omitted fields take their proto defaults (false, "").',
    required: ['name', 'type'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1 },
      type: wireEnum(ColumnType, 'ColumnType wire name'),
      nullable: { type: 'boolean' },
      defaultExpression: { type: 'string' },
    },
  },
  {
    $id: 'Table',
    type: 'object',
    required: ['tableId', 'bucket', 'name', 'columns', 'partitionColumns', 'mergeKeys', 'deltaVersion', 'status'],
    properties: {
      tableId: { type: 'string' },
      bucket: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      columns: { type: 'array', items: { $ref: 'Column#' } },
      partitionColumns: { type: 'array', items: { type: 'string' } },
      mergeKeys: { type: 'array', items: { type: 'string' } },
      source: wireEnum(TableSource, 'TableSource wire name'),
      deltaVersion: int64,
      rowCount: int64,
      sizeBytes: int64,
      status: wireEnum(TableStatus, 'TableStatus wire name'),
      createdAt: { ...int64, description: 'epoch milliseconds (int64 string)' },
      updatedAt: { ...int64, description: 'epoch milliseconds (int64 string)' },
      ...TABLE_HTAP_PROPERTIES,
    },
  },
  {
    $id: 'ExecuteQueryResult',
    type: 'object',
    required: ['columns', 'rows', 'rowCount', 'strategy', 'servedBy'],
    properties: {
      columns: {
        type: 'array',
        items: { type: 'object', required: ['name', 'type'], properties: { name: { type: 'string' }, type: { type: 'string', description: 'DuckDB type text' } } },
      },
      rows: { type: 'array', items: { type: 'array', items: {} }, description: 'Rows as arrays in column order, lossless JSON (docs/api.md "Values").' },
      rowCount: int64,
      strategy: wireEnum(QueryStrategy, 'QueryStrategy wire name'),
      servedBy: wireEnum(ServedBy, 'ServedBy wire name'),
      strategyReason: { type: 'string' },
      versions: { type: 'object', additionalProperties: version, description: 'Delta version read per table.' },
      version,
      partitionsScanned: int64,
      partitionsPruned: int64,
      filesScanned: int64,
      rowsScanned: int64,
      bytesScanned: int64,
      timings: {
        type: 'object',
        properties: { planMs: { type: 'number' }, queueMs: { type: 'number' }, scanMs: { type: 'number' }, mergeMs: { type: 'number' }, totalMs: { type: 'number' } },
      },
    },
  },
  {
    $id: 'ExecuteWriteResult',
    type: 'object',
    required: ['tableName', 'strategy', 'rowsAffected', 'version'],
    properties: {
      tableName: { type: 'string' },
      strategy: wireEnum(WriteStrategy, 'WriteStrategy wire name'),
      rowsAffected: int64,
      version,
      returning: {
        type: 'object',
        description: 'Present when the statement has a RETURNING clause: the returned rows, encoded like query rows.',
        required: ['columns', 'rows'],
        properties: {
          columns: { type: 'array', items: { type: 'object', required: ['name', 'type'], properties: { name: { type: 'string' }, type: { type: 'string' } } } },
          rows: { type: 'array', items: { type: 'array', items: {} } },
        },
      },
    },
  },
  {
    $id: 'ExecuteDdlResult',
    type: 'object',
    required: ['action', 'tableName', 'version'],
    properties: {
      action: { type: 'string', description: 'CREATE_TABLE | CREATE_TABLE_AS | ALTER_TABLE | DROP_TABLE | RESTORE_TABLE | NOOP' },
      tableName: { type: 'string' },
      table: { $ref: 'Table#' },
      version,
      versionBefore: { ...version, description: 'RESTORE_TABLE: the version current before the restore.' },
      versionAfter: { ...version, description: 'RESTORE_TABLE: the RESTORE commit (= version).' },
    },
  },
  {
    $id: 'ExecuteUsage',
    type: 'object',
    description: 'What the call cost: CPU ms on the coordinator and every worker that ran one of its scan jobs, memory GB-seconds, bytes / files scanned, rows returned (docs/operations.md "Usage metering").',
    properties: {
      cpuMs: { type: 'string', description: 'int64' },
      memoryGbSeconds: { type: 'number' },
      bytesScanned: { type: 'string', description: 'int64' },
      filesScanned: { type: 'string', description: 'int64' },
      rowsReturned: { type: 'string', description: 'int64' },
    },
  },
  {
    $id: 'ExecuteResponse',
    description: 'A oneof: exactly one of query, write, ddl.',
    oneOf: [
      { type: 'object', required: ['query'], properties: { query: { $ref: 'ExecuteQueryResult#' }, usage: { $ref: 'ExecuteUsage#' } } },
      { type: 'object', required: ['write'], properties: { write: { $ref: 'ExecuteWriteResult#' }, usage: { $ref: 'ExecuteUsage#' } } },
      { type: 'object', required: ['ddl'], properties: { ddl: { $ref: 'ExecuteDdlResult#' }, usage: { $ref: 'ExecuteUsage#' } } },
    ],
  },
  {
    $id: 'ExecuteRequest',
    type: 'object',
    required: ['sql'],
    additionalProperties: false,
    properties: {
      sql: { type: 'string', minLength: 1, description: 'Exactly one DuckDB-dialect SQL statement.' },
      freshness: wireEnum(Freshness, 'Freshness wire name; FRESHNESS_UNSPECIFIED is treated as EVENTUAL.'),
      bucket: { type: 'string', description: 'Optional; must equal the bucket in the path.' },
    },
  },
  {
    $id: 'CreateTableRequest',
    type: 'object',
    required: ['name', 'columns'],
    additionalProperties: false,
    properties: {
      bucket: { type: 'string', description: 'Optional; must equal the bucket in the path.' },
      name: { type: 'string', minLength: 1 },
      description: { type: 'string' },
      columns: { type: 'array', minItems: 1, items: { $ref: 'ColumnInput#' } },
      partitionColumns: { type: 'array', items: { type: 'string' } },
      mergeKeys: { type: 'array', items: { type: 'string' } },
    },
  },
  ...COMPACT_SCHEMAS,
  ...MAINTENANCE_SCHEMAS,
] as const;

/**
 * Wire schemas of the maintenance RPCs (seeds 002): Optimize, Vacuum, Restore, History — pbjson
 * (camelCase, int64 as decimal strings in responses; requests accept an int64 as a string or a
 * JSON number, as protobuf's JSON parsers do). Registered as components (COMPONENT_SCHEMAS spreads
 * MAINTENANCE_SCHEMAS in), so validation, the OpenAPI document and the e2e response checks share
 * one source. Request shapes are closed; response shapes open.
 */
const int64 = { type: 'string', pattern: '^-?[0-9]+$', description: 'int64 as a decimal string' } as const;
const int64In = (description: string) => ({ description, oneOf: [{ type: 'string', pattern: '^[0-9]+$' }, { type: 'integer', minimum: 0 }] }) as const;
const numberIn = (description: string) => ({ description, oneOf: [{ type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$' }, { type: 'number', minimum: 0 }] }) as const;
const echo = {
  bucket: { type: 'string', description: 'Optional; must equal the bucket in the path.' },
  tableName: { type: 'string', description: 'Optional; must equal the table in the path.' },
} as const;
const struct = { type: 'object', additionalProperties: true } as const;

export const MAINTENANCE_SCHEMAS = [
  {
    $id: 'OptimizeRequest',
    type: 'object',
    additionalProperties: false,
    properties: {
      ...echo,
      targetFileSizeMb: numberIn('Bin-pack target per file in MB (default 128).'),
      zOrderColumns: { type: 'array', maxItems: 16, items: { type: 'string', minLength: 1 }, description: 'Z-order mode: cluster every file of each partition by these data columns.' },
    },
  },
  {
    $id: 'OptimizeResponse',
    type: 'object',
    required: ['version', 'optimizeType', 'filesAdded', 'filesRemoved', 'partitionsOptimized', 'totalConsideredFiles', 'totalFilesSkipped', 'numBatches', 'bytesAdded', 'bytesRemoved'],
    properties: {
      version: { ...int64, description: 'The OPTIMIZE commit, or the current version when there was nothing to do.' },
      optimizeType: { type: 'string', enum: ['compact', 'zorder'] },
      filesAdded: int64,
      filesRemoved: int64,
      partitionsOptimized: { ...int64, description: '0 = no-op.' },
      totalConsideredFiles: int64,
      totalFilesSkipped: int64,
      numBatches: int64,
      bytesAdded: int64,
      bytesRemoved: int64,
    },
  },
  {
    $id: 'VacuumRequest',
    type: 'object',
    additionalProperties: false,
    properties: {
      ...echo,
      retentionHours: numberIn('Keep files needed by versions newer than this many hours (default 168).'),
      dryRun: { type: 'boolean', description: 'List what would be deleted; delete and commit nothing.' },
      disableRetentionCheck: { type: 'boolean', description: 'Allow retention below the table minimum (168 h). Only on quiesced tables.' },
    },
  },
  {
    $id: 'VacuumResponse',
    type: 'object',
    required: ['version', 'filesDeleted', 'filesDeletedPaths', 'dryRun'],
    properties: {
      version: { ...int64, description: 'The VACUUM END commit (dry run: the current version).' },
      filesDeleted: int64,
      filesDeletedPaths: { type: 'array', items: { type: 'string' }, description: 'Full store URLs of the files deleted (or that would be).' },
      dryRun: { type: 'boolean' },
    },
  },
  {
    $id: 'RestoreRequest',
    type: 'object',
    additionalProperties: false,
    properties: {
      ...echo,
      version: int64In('Restore to this version (exactly one of version / restoreTimestamp).'),
      restoreTimestamp: { type: 'string', minLength: 1, description: 'RFC 3339 time; the newest version committed at or before it.' },
    },
  },
  {
    $id: 'RestoreResponse',
    type: 'object',
    required: ['versionBefore', 'versionAfter'],
    properties: {
      versionBefore: { ...int64, description: 'The version that was current before the restore.' },
      versionAfter: { ...int64, description: 'The RESTORE commit.' },
    },
  },
  {
    $id: 'HistoryEntry',
    type: 'object',
    required: ['version', 'timestamp', 'operation', 'parameters', 'operationMetrics', 'readVersion'],
    properties: {
      version: int64,
      timestamp: { ...int64, description: 'epoch milliseconds (in-commit timestamp)' },
      operation: { type: 'string' },
      parameters: struct,
      operationMetrics: struct,
      userMetadata: struct,
      engineInfo: { type: 'string' },
      userName: { type: 'string', description: 'who made the commit: the token name, or system (compactor, maintenance)' },
      readVersion: { ...int64, description: '"0" when the commit read nothing (CREATE).' },
    },
  },
  {
    $id: 'HistoryResponse',
    type: 'object',
    required: ['currentVersion', 'entries', 'hasMore'],
    properties: {
      currentVersion: int64,
      entries: { type: 'array', items: { $ref: 'HistoryEntry#' } },
      hasMore: { type: 'boolean' },
      oldestReturnedVersion: { ...int64, description: 'Pass as before_version for the next page; absent on an empty page.' },
    },
  },
] as const;

const tableParams = {
  type: 'object',
  required: ['bucket', 'table'],
  properties: {
    bucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', description: 'Bucket name.' },
    table: { type: 'string', minLength: 1, description: 'Table name.' },
  },
} as const;

const errors = {
  '4XX': { description: 'Client error', $ref: 'ErrorBody#' },
  '5XX': { description: 'Server error', $ref: 'ErrorBody#' },
} as const;

export const OPTIMIZE_ROUTE_SCHEMA = {
  summary: 'Bin-pack small files per partition, or Z-order them by columns (one OPTIMIZE commit; results never change).',
  tags: ['tables'],
  params: tableParams,
  body: { $ref: 'OptimizeRequest#' },
  response: { 200: { description: 'What was rewritten', $ref: 'OptimizeResponse#' }, ...errors },
} as const;

export const VACUUM_ROUTE_SCHEMA = {
  summary: 'Delete data files no version inside the retention window needs (VACUUM START / END commits), or list them (dryRun).',
  tags: ['tables'],
  params: tableParams,
  body: { $ref: 'VacuumRequest#' },
  response: { 200: { description: 'Files deleted (or that would be)', $ref: 'VacuumResponse#' }, ...errors },
} as const;

export const RESTORE_ROUTE_SCHEMA = {
  summary: 'Roll the table back to a version or a time, as a new RESTORE commit (write log drained first).',
  tags: ['tables'],
  params: tableParams,
  body: { $ref: 'RestoreRequest#' },
  response: { 200: { description: 'The versions before and after', $ref: 'RestoreResponse#' }, ...errors },
} as const;

export const HISTORY_ROUTE_SCHEMA = {
  summary: 'A page of the Delta commit log, newest first; page backwards with before_version.',
  tags: ['tables'],
  params: tableParams,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      limit: { type: 'string', pattern: '^[0-9]+$', description: 'Page size 1..1000 (default 50).' },
      before_version: { type: 'string', pattern: '^[0-9]+$', description: 'Only versions strictly below this one (the previous page\'s oldestReturnedVersion).' },
      beforeVersion: { type: 'string', pattern: '^[0-9]+$', description: 'Same as before_version (JSON name).' },
    },
  },
  response: { 200: { description: 'The page', $ref: 'HistoryResponse#' }, ...errors },
} as const;

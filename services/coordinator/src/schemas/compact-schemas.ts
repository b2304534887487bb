/**
 * Wire schemas of the HTAP additions: the Compact RPC (`POST /:bucket/tables/:table/_compact`) and
 * the write-log fields DescribeTable's `Table` gained (docs/api.md). Kept apart from the shared
 * component/route schema files; the Table schema spreads TABLE_HTAP_PROPERTIES in.
 */
const int64 = { type: 'string', pattern: '^-?[0-9]+$', description: 'int64 as a decimal string' } as const;

export const TABLE_HTAP_PROPERTIES = {
  walBacklogEntries: { ...int64, description: 'Write-log records not yet drained into Delta (0 for tables without merge keys).' },
  walBacklogBytes: { ...int64, description: 'Bytes of those records.' },
  walOldestEntryAgeMs: { ...int64, description: 'Age in ms of the oldest un-drained record (0 when none).' },
  walDrainedThrough: { ...int64, description: 'Highest write-log seq already in Delta (the k3-wal txn watermark).' },
  lastDrainAt: { ...int64, description: 'Epoch ms of the last drain commit (0 = never drained).' },
  lastDrainTargetVersion: { ...int64, description: 'Delta version the last drain committed.' },
  lastDrainRowsMerged: { ...int64, description: 'Rows the last drain inserted, updated or deleted.' },
  lastDrainRowsInserted: int64,
  lastDrainRowsUpdated: int64,
  lastDrainRowsDeleted: int64,
  lastDrainRowsRejected: { ...int64, description: 'Rows the last drain rejected (constraint violations), kept under _k3_wal/rejected/.' },
} as const;

export const COMPACT_SCHEMAS = [
  {
    $id: 'CompactRequest',
    type: 'object',
    additionalProperties: false,
    properties: {
      bucket: { type: 'string' },
      tableName: { type: 'string' },
      batchSize: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'Write-log records to drain in this call (default K3_COMPACTOR_BATCH_SIZE).' },
    },
  },
  {
    $id: 'CompactResponse',
    type: 'object',
    required: ['tableName', 'walEntriesProcessed', 'walUniqueKeys', 'rowsMerged', 'rowsRejected', 'tombstonesSeen', 'truncated', 'lastDrainTargetVersion'],
    properties: {
      tableName: { type: 'string' },
      walEntriesProcessed: { ...int64, description: 'Write-log records consumed.' },
      walUniqueKeys: { ...int64, description: 'Distinct keys after folding newest-wins.' },
      rowsMerged: { ...int64, description: 'Keys applied to Delta (upserts + deletes).' },
      rowsRejected: { ...int64, description: 'Rows refused (e.g. NULL in a NOT NULL column), kept under _k3_wal/rejected/.' },
      tombstonesSeen: { ...int64, description: 'Tombstones in the records read.' },
      truncated: { type: 'boolean', description: 'More records remain: call again.' },
      lastDrainTargetVersion: { ...int64, description: 'Delta version committed (or read when there was nothing to drain).' },
    },
  },
] as const;

export const COMPACT_ROUTE_SCHEMA = {
  summary: 'Drain up to batchSize write-log records of a table into Delta now (one commit).',
  tags: ['tables'],
  params: {
    type: 'object',
    required: ['bucket', 'table'],
    properties: {
      bucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$', description: 'Bucket name.' },
      table: { type: 'string', minLength: 1, description: 'Table name.' },
    },
  },
  body: { $ref: 'CompactRequest#' },
  response: {
    200: { description: 'What the drain did', $ref: 'CompactResponse#' },
    '4XX': { description: 'Client error', $ref: 'ErrorBody#' },
    '5XX': { description: 'Server error', $ref: 'ErrorBody#' },
  },
} as const;

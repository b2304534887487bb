/**
 * Per-route JSON Schemas (params, body, responses). Validation and the OpenAPI document both
 * come from these, so a route without a schema here is a route the docs do not describe.
 */
const errorResponses = {
  '4XX': { description: 'Client error', $ref: 'ErrorBody#' },
  '5XX': { description: 'Server error', $ref: 'ErrorBody#' },
} as const;

/** S3 bucket naming rules: 3–63 chars of lowercase letters, digits, dots and hyphens. */
const bucketParam = {
  type: 'string',
  pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
  description: 'Bucket name (S3 rules: 3-63 lowercase letters, digits, dots, hyphens).',
} as const;

const bucketParams = { type: 'object', required: ['bucket'], properties: { bucket: bucketParam } } as const;

export const HEALTHZ_SCHEMA = {
  summary: 'Liveness: the process is up.',
  tags: ['ops'],
  response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } }, ...errorResponses },
} as const;

export const READYZ_SCHEMA = {
  summary: 'Readiness: the engine is ready; 503 ERR_NOT_READY while starting or shutting down.',
  tags: ['ops'],
  response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ready'] } } }, ...errorResponses },
} as const;

export const METRICS_SCHEMA = {
  summary: 'Prometheus metrics (text exposition format).',
  tags: ['ops'],
  produces: ['text/plain'],
  response: { 200: { description: 'Prometheus text format', type: 'string' } },
} as const;

export const SCAN_BACKLOG_SCHEMA = {
  summary: 'The scan backlog autoscaling follows (KEDA metrics-api scaler: valueLocation "total").',
  tags: ['ops'],
  response: {
    200: {
      description: 'waiting + prioritized + due delayed + active BullMQ scan jobs, plus jobs the coordinator ran itself for want of a worker in the last minute',
      type: 'object',
      properties: Object.fromEntries(['waiting', 'prioritized', 'delayed', 'delayedDue', 'active', 'coordinator', 'total'].map((k) => [k, { type: 'integer' }])),
    },
  },
} as const;

export const USAGE_SCHEMA = {
  summary: "The bucket's metered usage in [since, until), optionally priced.",
  tags: ['tables'],
  params: { type: 'object', required: ['bucket'], properties: { bucket: { type: 'string' } } },
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      since: { type: 'string', description: 'Epoch ms or ISO-8601, inclusive (default: the beginning).' },
      until: { type: 'string', description: 'Epoch ms or ISO-8601, exclusive (default: now and later).' },
    },
  },
  response: {
    200: {
      description: 'Totals of the calls metered in the window (int64s as strings); cost only when K3_PRICE_* are set',
      type: 'object',
      properties: {
        bucket: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' }, calls: { type: 'string' },
        cpuMs: { type: 'string' }, memoryGbSeconds: { type: 'number' }, bytesScanned: { type: 'string' }, filesScanned: { type: 'string' },
        rowsReturned: { type: 'string' }, vcpuHours: { type: 'number' }, gbRamHours: { type: 'number' },
        cost: { type: 'object', properties: { cpu: { type: 'number' }, memory: { type: 'number' }, total: { type: 'number' } } },
      },
    },
  },
} as const;

export const OPENAPI_SCHEMA = {
  summary: 'This OpenAPI 3 document.',
  tags: ['ops'],
  response: { 200: { description: 'OpenAPI 3 document', type: 'object', additionalProperties: true } },
} as const;

export const EXECUTE_SCHEMA = {
  summary: 'Run one DuckDB-dialect SQL statement against the tables of a bucket.',
  tags: ['tables'],
  params: bucketParams,
  body: { $ref: 'ExecuteRequest#' },
  response: { 200: { description: 'query, write or ddl result', $ref: 'ExecuteResponse#' }, ...errorResponses },
} as const;

export const LIST_TABLES_SCHEMA = {
  summary: 'List the tables of a bucket.',
  tags: ['tables'],
  params: bucketParams,
  response: {
    200: { type: 'object', required: ['tables'], properties: { tables: { type: 'array', items: { $ref: 'Table#' } } } },
    ...errorResponses,
  },
} as const;

export const DESCRIBE_TABLE_SCHEMA = {
  summary: 'Describe one table.',
  tags: ['tables'],
  params: {
    type: 'object',
    required: ['bucket', 'table'],
    properties: { bucket: bucketParam, table: { type: 'string', minLength: 1, description: 'Table name.' } },
  },
  response: { 200: { description: 'The table', $ref: 'Table#' }, ...errorResponses },
} as const;

export const CREATE_TABLE_SCHEMA = {
  summary: 'Create a table from structured columns.',
  tags: ['tables'],
  params: bucketParams,
  body: { $ref: 'CreateTableRequest#' },
  response: { 201: { description: 'The created table', $ref: 'Table#' }, ...errorResponses },
} as const;

/**
 * The one registry of deliberate errors. Every `AppError` carries a code from here.
 *
 * Invariants: codes are never reused or renamed once shipped; `docs/errors.md` lists exactly
 * these codes (checked by test/docs-sync.test.ts). `status` is the HTTP status, `sqlstate` the
 * closest PostgreSQL SQLSTATE, `grpc` the gRPC status code, `retryable` tells a client whether the same request may succeed
 * later unchanged.
 */
/** The canonical gRPC status codes (grpc/grpc doc/statuscodes.md), by name. */
export type GrpcCode =
  | 'CANCELLED' | 'UNKNOWN' | 'INVALID_ARGUMENT' | 'DEADLINE_EXCEEDED' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'PERMISSION_DENIED' | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION' | 'ABORTED' | 'OUT_OF_RANGE' | 'UNIMPLEMENTED' | 'INTERNAL' | 'UNAVAILABLE' | 'DATA_LOSS' | 'UNAUTHENTICATED';

export interface ErrorSpec {
  readonly status: number;
  /** The gRPC status the Connect and gRPC wires answer with (docs/design/contract.md). */
  readonly grpc: GrpcCode;
  readonly sqlstate: string;
  readonly retryable: boolean;
  readonly summary: string;
}

export const ERROR_CODES = {
  // ── request / input ──────────────────────────────────────────────────────────────
  ERR_BAD_REQUEST: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '08P01', retryable: false, summary: 'The request body or parameters are malformed.' },
  ERR_BODY_TOO_LARGE: { status: 413, grpc: 'RESOURCE_EXHAUSTED', sqlstate: '54000', retryable: false, summary: 'The request body exceeds the configured size limit.' },
  ERR_INVALID_NAME: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '42602', retryable: false, summary: 'A bucket, table or column name is not valid.' },
  ERR_NOT_FOUND: { status: 404, grpc: 'UNIMPLEMENTED', sqlstate: '42704', retryable: false, summary: 'The route does not exist.' },
  // ── SQL ──────────────────────────────────────────────────────────────────────────
  ERR_SQL_PARSE: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '42601', retryable: false, summary: 'The SQL does not parse as DuckDB SQL.' },
  ERR_SQL_BIND: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '42703', retryable: false, summary: 'The SQL parses but refers to something that does not exist or has the wrong type.' },
  ERR_SQL_MULTI_STATEMENT: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '0A000', retryable: false, summary: 'More than one statement was sent in one Execute call.' },
  ERR_SQL_TRANSACTION_UNSUPPORTED: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '0A000', retryable: false, summary: 'BEGIN / COMMIT / ROLLBACK are not supported.' },
  ERR_SQL_UNSUPPORTED: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '0A000', retryable: false, summary: 'The statement is valid DuckDB SQL that k3 deliberately refuses.' },
  ERR_SQL_EXECUTION: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '22000', retryable: false, summary: 'The statement failed while executing (for example a cast or division error).' },
  ERR_CONSTRAINT_NOT_NULL: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '23502', retryable: false, summary: 'A NOT NULL column received a NULL.' },
  ERR_CONSTRAINT_PRIMARY_KEY: { status: 409, grpc: 'ALREADY_EXISTS', sqlstate: '23505', retryable: false, summary: 'A row with the same primary key already exists.' },
  ERR_CONSTRAINT_CHECK: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '23514', retryable: false, summary: 'A row violates a CHECK constraint of the table (delta.constraints.*); nothing was written.' },
  ERR_TYPE_MISMATCH: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '42804', retryable: false, summary: 'A value does not fit the column type.' },
  ERR_DEFAULT_EXPRESSION_INVALID: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '42P17', retryable: false, summary: 'A column default expression is not valid for its type.' },
  // ── catalog ──────────────────────────────────────────────────────────────────────
  ERR_BUCKET_NOT_FOUND: { status: 404, grpc: 'NOT_FOUND', sqlstate: '3D000', retryable: false, summary: 'The bucket does not exist.' },
  ERR_TABLE_NOT_FOUND: { status: 404, grpc: 'NOT_FOUND', sqlstate: '42P01', retryable: false, summary: 'The table does not exist (no Delta log at its location).' },
  ERR_TABLE_EXISTS: { status: 409, grpc: 'ALREADY_EXISTS', sqlstate: '42P07', retryable: false, summary: 'A table with that name already exists.' },
  ERR_COLUMN_EXISTS: { status: 409, grpc: 'ALREADY_EXISTS', sqlstate: '42701', retryable: false, summary: 'A column with that name already exists.' },
  ERR_CDF_NOT_ENABLED: { status: 400, grpc: 'FAILED_PRECONDITION', sqlstate: '55000', retryable: false, summary: 'Change data was not recorded for a version of the requested range (delta.enableChangeDataFeed was off).' },
  ERR_COLUMN_NOT_FOUND: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '42703', retryable: false, summary: 'A typed data operation names a column the table does not have.' },
  ERR_PREDICATE_INVALID: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '42601', retryable: false, summary: 'A structured predicate has an unknown op, a wrong value shape or an unknown field.' },
  ERR_ENGINE_DISABLED: { status: 409, grpc: 'FAILED_PRECONDITION', sqlstate: '55000', retryable: false, summary: "The bucket's engine is DISABLED: table operations fail until EnableEngine (gRPC FAILED_PRECONDITION)." },
  // ── Delta log ────────────────────────────────────────────────────────────────────
  ERR_DELTA_UNSUPPORTED_FEATURE: { status: 422, grpc: 'UNIMPLEMENTED', sqlstate: '0A000', retryable: false, summary: 'The table uses a Delta protocol version or feature this reader/writer does not implement.' },
  ERR_DELTA_LOG_CORRUPT: { status: 500, grpc: 'DATA_LOSS', sqlstate: 'XX001', retryable: false, summary: 'The Delta log is broken: missing versions, no protocol or metadata, or unreadable actions.' },
  ERR_DELTA_VERSION_NOT_FOUND: { status: 404, grpc: 'NOT_FOUND', sqlstate: '22023', retryable: false, summary: 'The requested table version does not exist or can no longer be reconstructed.' },
  ERR_DELTA_TIMESTAMP_OUT_OF_RANGE: { status: 404, grpc: 'OUT_OF_RANGE', sqlstate: '22023', retryable: false, summary: 'The requested timestamp is before the first or after the latest commit.' },
  ERR_DELTA_DATA_FILE_MISSING: { status: 410, grpc: 'FAILED_PRECONDITION', sqlstate: '58P01', retryable: false, summary: 'A data file referenced by the snapshot is gone (usually vacuumed).' },
  ERR_DELTA_CONCURRENT_APPEND: { status: 409, grpc: 'ABORTED', sqlstate: '40001', retryable: true, summary: 'A concurrent commit added files this transaction read; retry on the new snapshot.' },
  ERR_DELTA_CONCURRENT_DELETE_READ: { status: 409, grpc: 'ABORTED', sqlstate: '40001', retryable: true, summary: 'A concurrent commit removed files this transaction read; retry on the new snapshot.' },
  ERR_DELTA_CONCURRENT_DELETE_DELETE: { status: 409, grpc: 'ABORTED', sqlstate: '40001', retryable: true, summary: 'A concurrent commit removed the same files this transaction removes; retry on the new snapshot.' },
  ERR_DELTA_CONCURRENT_TRANSACTION: { status: 409, grpc: 'ABORTED', sqlstate: '40001', retryable: true, summary: 'A concurrent commit wrote the same application transaction id (txn appId); re-read its version and retry if still needed.' },
  ERR_DELTA_METADATA_CHANGED: { status: 409, grpc: 'ABORTED', sqlstate: '40001', retryable: true, summary: 'The table schema or protocol changed concurrently; retry on the new snapshot.' },
  ERR_DELTA_PROTOCOL_CHANGED: { status: 409, grpc: 'ABORTED', sqlstate: '40001', retryable: true, summary: 'The table protocol changed concurrently; retry on the new snapshot.' },
  ERR_DELTA_COMMIT_CONFLICT: { status: 409, grpc: 'ABORTED', sqlstate: '40001', retryable: true, summary: 'The commit lost the race for its version too many times; retry the request.' },
  // ── object store ─────────────────────────────────────────────────────────────────
  ERR_STORE_UNAVAILABLE: { status: 503, grpc: 'UNAVAILABLE', sqlstate: '58030', retryable: true, summary: 'The object store did not answer or failed transiently.' },
  ERR_STORE_NO_CONDITIONAL_PUT: { status: 500, grpc: 'INTERNAL', sqlstate: '58030', retryable: false, summary: 'The object store ignores conditional creates (If-None-Match), so commits would not be safe.' },
  ERR_STORE_ACCESS_DENIED: { status: 500, grpc: 'INTERNAL', sqlstate: '42501', retryable: false, summary: 'The object store refused the credentials.' },
  ERR_STORE_REJECTED: { status: 500, grpc: 'INTERNAL', sqlstate: '58030', retryable: false, summary: 'The object store rejected a request as invalid or unsupported (a non-retryable 4xx other than access or not-found).' },
  // ── execution / distribution ─────────────────────────────────────────────────────
  ERR_QUERY_TIMEOUT: { status: 504, grpc: 'DEADLINE_EXCEEDED', sqlstate: '57014', retryable: true, summary: 'The query ran past its deadline.' },
  ERR_QUERY_CANCELLED: { status: 499, grpc: 'CANCELLED', sqlstate: '57014', retryable: true, summary: 'The client went away and the query was cancelled.' },
  ERR_QUEUE_UNAVAILABLE: { status: 503, grpc: 'UNAVAILABLE', sqlstate: '08006', retryable: true, summary: 'Redis (the job queue) is unreachable.' },
  ERR_WORKER_FAILED: { status: 502, grpc: 'UNAVAILABLE', sqlstate: '58000', retryable: true, summary: 'A scan job failed on a worker.' },
  ERR_JOB_CONTRACT: { status: 500, grpc: 'INTERNAL', sqlstate: '08P01', retryable: false, summary: 'A scan job or its result does not match the coordinator↔worker wire contract (for example mixed versions during a rollout).' },
  // ── write log / compaction ───────────────────────────────────────────────────────
  ERR_WAL_RECORD_CORRUPT: { status: 500, grpc: 'DATA_LOSS', sqlstate: 'XX001', retryable: false, summary: 'A write-log record failed its checksum or format check.' },
  ERR_WRITE_CONTENTION: { status: 409, grpc: 'ABORTED', sqlstate: '40001', retryable: true, summary: 'Concurrent writers or drains kept racing this request for the same write-log slot or state (not a store outage); nothing was written by it — retry.' },
  ERR_WRITE_OUTCOME_UNKNOWN: { status: 503, grpc: 'UNAVAILABLE', sqlstate: '08007', retryable: true, summary: 'The store lost the answer to a write and it could not be read back, so the write may or may not have been applied; retry with the same idempotency key (applied at most once).' },
  ERR_COMPACTOR_FENCED: { status: 409, grpc: 'ABORTED', sqlstate: '40001', retryable: true, summary: 'This compactor was deposed by a newer leader and may not commit.' },
  // ── maintenance ──────────────────────────────────────────────────────────────────
  ERR_VACUUM_RETENTION_TOO_SHORT: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '22023', retryable: false, summary: 'Vacuum retention under the safety minimum without disableRetentionCheck.' },
  // ── auth and limits ──────────────────────────────────────────────────────────────
  ERR_UNAUTHENTICATED: { status: 401, grpc: 'UNAUTHENTICATED', sqlstate: '28000', retryable: false, summary: 'No valid bearer token: missing, malformed, unknown, revoked or expired.' },
  ERR_FORBIDDEN: { status: 403, grpc: 'PERMISSION_DENIED', sqlstate: '42501', retryable: false, summary: 'The token is valid but may not use this bucket or needs a higher scope.' },
  ERR_TOKEN_EXISTS: { status: 409, grpc: 'ALREADY_EXISTS', sqlstate: '42710', retryable: false, summary: 'A token with that name already exists.' },
  ERR_TOKEN_NOT_FOUND: { status: 404, grpc: 'NOT_FOUND', sqlstate: '42704', retryable: false, summary: 'There is no token with that name.' },
  ERR_RESULT_TOO_LARGE: { status: 400, grpc: 'RESOURCE_EXHAUSTED', sqlstate: '54000', retryable: false, summary: 'The result exceeds K3_RESULT_MAX_ROWS / K3_RESULT_MAX_BYTES; add a LIMIT or filters, aggregate, page, or stream it.' },
  ERR_SQL_TOO_LONG: { status: 400, grpc: 'INVALID_ARGUMENT', sqlstate: '54000', retryable: false, summary: 'The SQL text is longer than K3_SQL_MAX_LENGTH.' },
  ERR_TOO_MANY_REQUESTS: { status: 429, grpc: 'RESOURCE_EXHAUSTED', sqlstate: '53300', retryable: true, summary: 'The principal has too many statements running and queued; retry after Retry-After seconds.' },
  // ── Postgres wire ────────────────────────────────────────────────────────────────
  ERR_PG_AUTH_FAILED: { status: 401, grpc: 'UNAUTHENTICATED', sqlstate: '28P01', retryable: false, summary: 'Postgres wire: the user (token name) or password (token secret) is wrong, or the token is revoked or expired.' },
  ERR_PG_DATABASE_ACCESS_DENIED: { status: 403, grpc: 'PERMISSION_DENIED', sqlstate: '28000', retryable: false, summary: 'Postgres wire: the token may not connect to that database (bucket).' },
  ERR_PG_TRANSACTION_ABORTED: { status: 400, grpc: 'FAILED_PRECONDITION', sqlstate: '25P02', retryable: false, summary: 'Postgres wire: a statement failed inside a transaction block; ROLLBACK before sending more.' },
  // ── pipeline tables (wip/pipeline) ───────────────────────────────────────────────
  ERR_PIPELINE_NOT_FOUND: { status: 404, grpc: 'NOT_FOUND', sqlstate: '42704', retryable: false, summary: 'The table has no ingest rule (it was not created with CreateTablePipeline).' },
  ERR_PIPELINE_EXISTS: { status: 409, grpc: 'ALREADY_EXISTS', sqlstate: '42P07', retryable: false, summary: 'The table already exists or already has an ingest rule.' },
  ERR_INGEST_OBJECT_NOT_FOUND: { status: 404, grpc: 'NOT_FOUND', sqlstate: '58P01', retryable: false, summary: 'TriggerIngest named an object that is not in the bucket or does not match the rule\'s globs.' },
  ERR_INGEST_OBJECT_INVALID: { status: 422, grpc: 'FAILED_PRECONDITION', sqlstate: '22P02', retryable: false, summary: 'An object could not be ingested (unparseable, schema mismatch, bad transform result); the run failed and the table is unchanged.' },
  ERR_INGEST_OBJECT_TOO_LARGE: { status: 413, grpc: 'RESOURCE_EXHAUSTED', sqlstate: '54000', retryable: false, summary: 'An object is larger than K3_PIPELINE_MAX_OBJECT_BYTES; the run failed and the table is unchanged.' },
  // ── server ───────────────────────────────────────────────────────────────────────
  ERR_CONFIG_INVALID: { status: 500, grpc: 'INTERNAL', sqlstate: 'F0000', retryable: false, summary: 'The process configuration (K3_* environment) is invalid.' },
  ERR_PORT_UNAVAILABLE: { status: 500, grpc: 'INTERNAL', sqlstate: 'F0000', retryable: false, summary: 'A listener could not bind its port (in use, not permitted, or no such address); the message names the setting to change.' },
  ERR_NOT_READY: { status: 503, grpc: 'UNAVAILABLE', sqlstate: '57P03', retryable: true, summary: 'The server is starting or shutting down.' },
  ERR_UNIMPLEMENTED: { status: 501, grpc: 'UNIMPLEMENTED', sqlstate: '0A000', retryable: false, summary: 'The RPC is part of the contract but this server does not implement it yet.' },
  ERR_INTERNAL: { status: 500, grpc: 'INTERNAL', sqlstate: 'XX000', retryable: false, summary: 'An unexpected error; it has been logged with its stack.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

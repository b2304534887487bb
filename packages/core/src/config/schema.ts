/**
 * The one configuration schema. `loadConfig(env)` is the only reader of `process.env` in the
 * project; everything else receives a frozen `Config`. Every key is listed in
 * docs/configuration.md (checked by test/docs-sync.test.ts).
 */
import { z } from 'zod';
import { AppError } from '../errors/index.ts';
import { parseBytes, parseDurationMs } from './units.ts';

const duration = z.string().transform((s, ctx) => {
  try {
    return parseDurationMs(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
const bytes = z.string().transform((s, ctx) => {
  try {
    return parseBytes(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
const int = z.coerce.number().int();
/** A non-negative decimal, or '' for "not set" (undefined). */
const optionalPrice = z.string().regex(/^(\d+(\.\d+)?)?$/, 'a non-negative decimal like 0.0464, or empty').transform((s) => (s === '' ? undefined : Number(s)));
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Env var name → [schema, default, description]. The description feeds docs/configuration.md. */
export const CONFIG_KEYS = {
  K3_HOST: [z.string(), '127.0.0.1', 'Address the HTTP server binds to.'],
  K3_PORT: [int.min(0).max(65535), '8080', 'Port the HTTP server listens on (0 = any free port).'],
  K3_GRPC_PORT: [int.min(0).max(65535), '0', 'Port of the native gRPC listener (HTTP/2 cleartext, or TLS with K3_TLS_CERT / K3_TLS_KEY; with server reflection); 0 = off. Connect and gRPC-Web are always served on K3_PORT.'],
  K3_LOG_LEVEL: [z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']), 'info', 'pino log level.'],
  K3_BODY_LIMIT: [bytes, '16MiB', 'Largest accepted HTTP request body.'],
  K3_SHUTDOWN_TIMEOUT: [duration, '10s', 'On SIGINT/SIGTERM: how long in-flight requests may finish before remaining connections are closed.'],
  K3_EXIT_WITH_PARENT: [bool, 'false', 'Shut down gracefully as soon as the parent process is gone (`npm start` sets it, so killing npm never leaves the server holding its port).'],
  K3_DATA_DIR: [z.string(), './data', 'Embedded mode: directory holding one sub-directory per bucket.'],
  K3_STORE: [z.enum(['local', 's3', 'memory']), 'local', 'Object store adapter: local directory, S3 API, or memory (tests).'],
  K3_S3_ENDPOINT: [z.string(), '', 'S3 endpoint URL (empty = AWS default for the region).'],
  K3_S3_REGION: [z.string(), 'us-east-1', 'S3 region.'],
  K3_S3_FORCE_PATH_STYLE: [bool, 'false', 'Use path-style S3 addressing (needed by most self-hosted S3 servers).'],
  K3_S3_REQUIRE_CONDITIONAL_PUT: [bool, 'true', 'Refuse to start on a store that ignores If-None-Match (see docs/design/delta-commit.md).'],
  K3_TABLES_PREFIX: [z.string(), 'tables/', 'Key prefix inside a bucket under which each table has its own Delta root.'],
  K3_CACHE_DIR: [z.string(), './.k3-cache', 'Local directory for cached Parquet data files.'],
  K3_CACHE_MAX_BYTES: [bytes, '2GiB', 'Upper bound of the local Parquet cache.'],
  K3_REDIS_URL: [z.string(), '', 'Redis URL for distributed mode (empty = embedded, no Redis).'],
  K3_QUEUE_PREFIX: [z.string(), 'k3', 'BullMQ key prefix.'],
  K3_QUERY_TIMEOUT: [duration, '60s', 'Per-query deadline.'],
  K3_REDIS_CONNECT_TIMEOUT: [duration, '2s', 'Distributed mode: how long to wait for Redis before a query fails with ERR_QUEUE_UNAVAILABLE.'],
  K3_WORKER_CONCURRENCY: [int.min(1), '2', 'Scan jobs one worker process runs at the same time.'],
  K3_WORKER_HTTP_PORT: [int.min(0).max(65535), '0', 'Worker: port of its /healthz and /metrics endpoints (0 = none).'],
  K3_SCALE_TO_ZERO: [bool, 'true', 'Distributed mode: while no scan worker is connected, the coordinator runs a query\'s scan jobs itself instead of waiting for a worker to start (workers may scale to zero).'],
  K3_COMPACTOR_HTTP_PORT: [int.min(0).max(65535), '0', 'Compactor: port of its /healthz and /metrics endpoints (0 = none).'],
  K3_SCALE_WAKE_WINDOW: [duration, '60s', 'Scale to zero: scan jobs the coordinator ran itself keep counting in the scan backlog this long, so the autoscaler starts workers for the next queries (twice KEDA\'s default polling interval).'],
  K3_PRICE_VCPU_HOUR: [optionalPrice, '', 'Usage: price of one vCPU-hour, to price GET /:bucket/usage (empty = not priced; no price is built in).'],
  K3_PRICE_GB_RAM_HOUR: [optionalPrice, '', 'Usage: price of one GB-RAM-hour, to price GET /:bucket/usage (empty = not priced).'],
  K3_JOB_ATTEMPTS: [int.min(1), '3', 'How many times a failing or stalled scan job is tried before the query fails.'],
  K3_JOB_BACKOFF: [duration, '200ms', 'First retry delay of a failed scan job (doubles per attempt).'],
  K3_JOB_LOCK_DURATION: [duration, '10s', 'A worker\'s lock on a running scan job; a worker that dies is detected within about this long and its job runs elsewhere.'],
  K3_JOB_RETENTION: [duration, '10m', 'Finished scan jobs are removed from Redis after this long (or beyond K3_JOB_RETENTION_COUNT).'],
  K3_JOB_RETENTION_COUNT: [int.min(0), '1000', 'At most this many finished scan jobs are kept in Redis per state.'],
  K3_JOB_RESULT_INLINE_MAX_BYTES: [bytes, '1MiB', 'Scan results up to this size travel through Redis; larger ones go through the object store (_k3/results/).'],
  K3_JOB_RESULT_MAX_AGE: [duration, '1h', 'The result sweeper deletes spilled scan results older than this (left by crashed coordinators).'],
  K3_TEST_SCAN_DELAY: [duration, '0ms', 'Tests only: every scan job sleeps this long before it runs (to kill a worker mid-job).'],
  K3_FEDERATE_MIN_PARTITIONS: [int.min(1), '2', 'Fan a query out over partitions only when at least this many survive pruning; fewer → FEDERATED_TO_SINGLE.'],
  K3_FEDERATE_MIN_BYTES: [bytes, '64MiB', 'Fan a query out only when the data files left after pruning total at least this size; smaller → FEDERATED_TO_SINGLE.'],
  // cluster5
  K3_FEDERATE_MAX_JOBS: [int.min(0), '0', 'Pack a fanned-out query\'s partitions into at most this many scan jobs (set it to the worker slots: workers × K3_WORKER_CONCURRENCY; `k3 cluster up` sets its coordinator\'s to its worker slots when this is 0); 0 = one job per partition.'],
  K3_FEDERATE_MIN_JOB_BYTES: [bytes, '0', 'Fan a query out into no more scan jobs than one per this many bytes of data files (at least one): below it a job\'s fixed cost outweighs a parallel scan; 0 = no floor.'],
  K3_DELTA_CHECKPOINT_INTERVAL: [int.min(1), '10', 'Write a checkpoint every N commits.'],
  K3_DELTA_MAX_COMMIT_RETRIES: [int.min(0), '20', 'How many times a transaction retries after losing a commit race.'],
  K3_COMPACTOR_INTERVAL: [duration, '1s', 'How often the compactor checks each table\'s write-log backlog.'],
  K3_COMPACTOR_BACKLOG_ENTRIES: [int.min(1), '1000', 'The compactor drains a table as soon as this many write-log records are pending.'],
  K3_COMPACTOR_BACKLOG_AGE: [duration, '5s', 'The compactor drains a table once its oldest pending write-log record is this old, however small the backlog.'],
  K3_COMPACTOR_BATCH_SIZE: [int.min(1), '10000', 'Write-log records one drain merges into one Delta commit (the Compact RPC\'s default batchSize).'],
  K3_COMPACTOR_LEASE_TTL: [duration, '10s', 'Distributed mode: a compactor\'s leader lease in Redis expires after this long without renewal (safety comes from the storage epoch, not the lease).'],
  K3_AUTH: [z.enum(['on', 'off']), 'on', 'Bearer-token authentication on every route but /healthz and /readyz. `off` is accepted only while K3_HOST is a loopback address.'],
  K3_AUTH_BUCKET: [z.string(), 'k3-system', 'Bucket holding the token records (auth/tokens/<name>.json); shared by every coordinator and the CLI. Reserved: no token can use it.'],
  K3_AUTH_REFRESH: [duration, '2s', 'How long a coordinator trusts its cached token records; a revoked token stops working everywhere within about this long.'],
  K3_AUTH_METRICS_OPEN: [bool, 'true', 'Serve /metrics without a token (for Prometheus scrapers); false = /metrics needs an admin token.'],
  K3_RESULT_MAX_ROWS: [int.min(1), '1000000', 'Largest non-streamed result in rows; a bigger one fails with ERR_RESULT_TOO_LARGE while it is read (before it is materialized).'],
  K3_RESULT_MAX_BYTES: [bytes, '64MiB', 'Largest non-streamed result as encoded JSON; a bigger one fails with ERR_RESULT_TOO_LARGE while it is read.'],
  K3_DUCKDB_MEMORY_LIMIT: [z.string(), '', 'DuckDB memory_limit of each process (e.g. 2GiB; empty = DuckDB\'s default, 80% of RAM); statements beyond it spill or fail with a clear error.'],
  K3_DUCKDB_THREADS: [int.min(0), '0', 'DuckDB threads one statement may use (0 = DuckDB\'s default, all cores; `k3 cluster up` gives each of its workers this machine\'s cores ÷ workers when this is 0).'],
  K3_SQL_MAX_LENGTH: [int.min(1), '1000000', 'Longest accepted SQL text in characters (ERR_SQL_TOO_LONG beyond it).'],
  K3_MAX_CONCURRENT_PER_PRINCIPAL: [int.min(1), '4', 'Statements one principal may run at the same time on one coordinator; more wait in a queue.'],
  // wip/analyse
  K3_STATEMENT_SLOTS: [int.min(0), '0', 'Statement slots shared out when several principals are active on one coordinator: each may run max(1, slots / active principals) at once, never more than K3_MAX_CONCURRENT_PER_PRINCIPAL (0 = the number of CPU cores).'],
  K3_MAX_QUEUED_PER_PRINCIPAL: [int.min(0), '64', 'Statements of one principal that may wait for a slot; beyond it requests get 429 ERR_TOO_MANY_REQUESTS with Retry-After.'],
  K3_TLS_CERT: [z.string(), '', 'PEM certificate (chain) file: with K3_TLS_KEY the HTTP listener serves HTTPS and native gRPC (K3_GRPC_PORT) serves TLS (empty = plain HTTP, h2c).'],
  K3_TLS_KEY: [z.string(), '', 'PEM private key file of K3_TLS_CERT.'],
  K3_PG_PORT: [int.min(0).max(65535), '5432', 'Port of the Postgres wire protocol listener on K3_HOST (database = bucket, user = token name, password = token secret); 0 = off. TLS after SSLRequest when K3_TLS_CERT / K3_TLS_KEY are set.'],
  // hotpath
  K3_WARM_TAIL_KEYS: [int.min(1), '256', 'Warm STRONG state (docs/design/hot-path.md): once more than this many un-drained keys arrived since the table\'s warm base file was written, the next STRONG statement writes a new base; smaller = less per-statement tail loading, more base rewrites.'],
  K3_WARM_TABLES: [int.min(1), '64', 'Keyed tables whose STRONG state (snapshot, folded write-log tail, base file) each process keeps warm, least recently used evicted.'],
  // wip/agg
  K3_WARM_MATERIALIZE_ROWS: [int.min(0), '2000000', 'Materialized STRONG base (docs/design/hot-path.md): a keyed table with an un-drained warm base and at most this many rows (Delta + base) gets its STRONG rows up to the base held in memory on one DuckDB connection, so STRONG reads scan that plus the small tail instead of re-merging; 0 = never.'],
  // wip/write
  K3_KEYED_ROW_FAST_PATH: [bool, 'true', 'Single-row keyed INSERT / upsert VALUES statements take the fast path (docs/design/keyed-row-fast-path.md: one DuckDB call to coerce and check the row, the key clash from the warm write-log state and Delta key statistics); false = always the general keyed-write path (same results, more DuckDB calls).'],
  // wip/write-2
  K3_KEYED_ROW_GROUP_SIZE: [int.min(0), '16384', 'A drain writes a keyed table\'s Parquet files sorted by primary key in row groups of this many rows, so a point lookup that misses the write log reads one small row group (docs/design/hot-path.md, "Row groups of keyed files"); 0 = DuckDB\'s default row groups (122,880 rows) in drain order.'],
  // wip/drain4
  K3_KEYED_FILE_ROWS: [int.min(0), '131072', 'A drain cuts a keyed table\'s output into Parquet files of at most this many rows along the primary key (with K3_KEYED_ROW_GROUP_SIZE > 0), so each file holds one narrow key range and the next drain rewrites only the files whose range holds a drained key instead of the whole table (docs/design/hot-path.md, "The drain"); 0 = one file per partition.'],
  // wip/write4
  K3_KEYED_LITERAL_ROWS: [bool, 'true', 'A single-row keyed INSERT / blind replace whose values are plain integer, string, TRUE / FALSE and NULL literals of the columns\' own kinds (table without CHECK constraints) is encoded from its tokens, with no DuckDB call for the row (docs/design/keyed-row-fast-path.md, "Rows of plain literals"); false = DuckDB coerces and checks every fast-path row.'],
  // wip/ingest6
  K3_MERGE_VALUES_LOAD: [bool, 'true', 'A keyed MERGE whose source is `(VALUES …) AS s(c1, …)` of literals (integers, decimals, strings, NULL, TRUE / FALSE, DATE / TIMESTAMP strings, or deterministic expressions over them such as `TIMESTAMP \'…\' + to_seconds(3)`) loads its rows as typed columns (each column\'s cells as one string split and cast in SQL), binding only a few representative rows for DuckDB\'s column types, instead of binding every cell of the text (docs/design/hot-path.md, "MERGE ingest: a VALUES source without binding its text"); false = DuckDB binds the whole VALUES text.'],
  // wip/ingest7
  K3_MERGE_CHANGED_ANTI_JOIN: [bool, 'true', 'A keyed MERGE / INSERT … ON CONFLICT that loaded the rows of the keys it names finds the rows it changed with an anti join on every column (NULL-equal) instead of `target EXCEPT before`, in the call that also checks its new and duplicate keys (docs/design/hot-path.md, "MERGE ingest: the changed rows without EXCEPT (wip/ingest7)"); false = EXCEPT.'],
  // wip/ingest11
  K3_BLIND_SELECT_CAPTURE: [bool, 'true', 'A blind `INSERT OR REPLACE INTO t SELECT e1, …, en …` (no column list, the SELECT\'s width known from its tokens, flat column types, no CHECK constraints) captures its rows by one SELECT casting each value to its column\'s type, without the scratch copy of the table the general path inserts into — only when the rows provably are the INSERT\'s (no NULL in a NOT NULL or key column, no key twice, every value\'s text reads back), else the scratch-table path runs (docs/design/hot-path.md, "Bulk upserts, round 12 (wip/bulk12)"); false = always the scratch table.'],
  K3_MERGE_ROW_IMAGES: [bool, 'true', 'A keyed MERGE of the ingest shape (`ON` every key = the source, `WHEN MATCHED THEN UPDATE SET c = …` and / or `WHEN NOT MATCHED THEN INSERT [(cols)] VALUES (…)`, no conditions, no DELETE, no RETURNING) whose source was materialized computes its new row images with ONE SELECT over the source LEFT JOIN the loaded STRONG rows, without DuckDB\'s MERGE, the shadow copy and the before/after comparison — only when the images provably equal the MERGE\'s (distinct non-NULL keys, every loaded row matched once, NOT NULL and round-trip checks), else the MERGE runs as before (docs/design/hot-path.md, "MERGE ingest: row images without MERGE (wip/ingest11)"); false = always the MERGE.'],
  // wip/ingest8
  K3_SPLIT_VALUES_CUT: [bool, 'true', 'Checking that a statement is ONE statement (DuckDB\'s extractStatements) parses its long VALUES lists of literals (8 rows or more; the cells K3_MERGE_VALUES_LOAD reads) cut to their representative rows — the first row showing each cell class of each column — instead of the whole text; anything but one statement there asks the text as written (docs/design/hot-path.md, "MERGE ingest: the split parses the representative rows"); false = DuckDB parses the whole text.'],
  // wip/lookup4
  K3_LOOKUP_CACHE_BYTES: [bytes, '256MiB', 'Decoded-file cache of point lookups (docs/design/hot-path.md, "Decoded-file cache"): the second lookup that reads a keyed table\'s Delta file loads that immutable file into an in-memory DuckDB table indexed by key, so later lookups of it skip the Parquet decode; least recently used tables are dropped past this many bytes; 0 = off.'],
  // wip/lookup9
  K3_LOOKUP_CACHE_FIRST_READ_ROWS: [int.min(0), '131072', 'Decoded-file cache of point lookups (docs/design/hot-path.md, "wip/lookup9"): a Delta file of at most this many rows (its stats\' numRecords; a keyed table\'s key-range files hold at most K3_KEYED_FILE_ROWS) is loaded on its FIRST Parquet read by a lookup instead of its second — in the background, queued one build at a time, within K3_LOOKUP_CACHE_BYTES; 0 = every file on its second read.'],
  // wip/scratch11
  K3_KEYED_WRITE_DUCKDB: [z.enum(['separate', 'shared']), 'shared', 'Which DuckDB database a keyed write through the write log runs its per-statement scratch work on (docs/design/hot-path.md, "wip/scratch11"): `separate` = a second database in the process, sandboxed like the main one but with threads = 1 (no intra-query worker threads for a few hundred rows) and K3_KEYED_WRITE_DUCKDB_MEMORY_LIMIT; `shared` = the main database (K3_DUCKDB_THREADS).'],
  K3_KEYED_WRITE_DUCKDB_MEMORY_LIMIT: [z.string(), '1GiB', 'DuckDB memory_limit of the separate keyed-write database (K3_KEYED_WRITE_DUCKDB=separate); beyond it a write spills to its own folder under the spill directory. Empty = the main database\'s K3_DUCKDB_MEMORY_LIMIT.'],
  // wip/pipeline: pipeline-generated tables (docs/design/pipeline-tables.md)
  K3_PIPELINE_SCAN_INTERVAL: [duration, '2s', 'How often the pipeline scanner (compactor role) lists the objects matching each ingest rule.'],
  K3_PIPELINE_SCAN_PAGE: [int.min(1), '5000', 'Object keys one scan of one ingest rule lists before it persists its cursor and ingests what is new.'],
  K3_PIPELINE_BATCH_OBJECTS: [int.min(1), '100', 'Objects one ingest commit takes at most (each with its own ledger txn in that commit).'],
  K3_PIPELINE_MAX_OBJECT_BYTES: [bytes, '256MiB', 'Largest object an ingest rule reads; a bigger one is a failed run (ERR_INGEST_OBJECT_TOO_LARGE).'],
} as const;

type Keys = typeof CONFIG_KEYS;
export type Config = { readonly [K in keyof Keys]: z.output<Keys[K][0]> };

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, [schema, dflt]] of Object.entries(CONFIG_KEYS)) {
    const raw = env[key] ?? dflt;
    const parsed = (schema as z.ZodType).safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else problems.push(`${key}=${JSON.stringify(raw)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length > 0) {
    throw new AppError('ERR_CONFIG_INVALID', `Invalid configuration; fix these environment variables: ${problems.join(' | ')}`, { problems });
  }
  return Object.freeze(out) as Config;
}

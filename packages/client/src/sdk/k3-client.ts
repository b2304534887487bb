/**
 * The ergonomic TypeScript SDK over the generated Connect client of `dodil.k3.tables.v1.TableService`:
 *
 *   const k3 = new K3Client({ url: 'http://127.0.0.1:8080', token });
 *   const res = await k3.tables('my-bucket').query('SELECT region, SUM(amount) AS total FROM contracts GROUP BY region', { freshness: 'strong' });
 *   for (const r of res.rows) console.log(r.region, r.total);
 *
 * Runs in Node ≥ 22 and in browsers (fetch-based Connect transport; no Node-only imports).
 * Retries, with jittered exponential backoff, only errors the server marks `retryable`; every call
 * takes an AbortSignal.
 */
import { create, fromJson, toJson, type JsonObject, type JsonValue, type MessageInitShape } from '@bufbuild/protobuf';
import { ListValueSchema, ValueSchema, type Value } from '@bufbuild/protobuf/wkt';
import { type Client, Code, ConnectError, createClient, type Interceptor, type Transport } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import {
  ErrorInfoSchema, ExecuteResponseSchema, Freshness, PredicateOp, type PredicateSchema, TableService,
  ChangesResponseSchema, type ChangesResponse, type DiffResponse,
  type CompactResponse, type CreateTableRequestSchema, type DropTableResponse, type Engine, type ExecuteQueryResult, type ExecuteResponse,
  type ExecuteWriteResult, type HistoryResponse, type OptimizeResponse, type RestoreResponse, type Table, type UsageTotals, type VacuumResponse,
  type CreateTablePipelineRequestSchema, type CreateTablePipelineResponse, type IngestRule, type IngestRun, type ListIngestRunsResponse, type UpdateIngestRuleRequestSchema,
} from '../gen/dodil/k3/tables/v1/k3_tables_pb.ts';
import { decoderFor, encodeValue } from './values.ts';

export type FreshnessName = 'eventual' | 'strong' | 'oltp-only';

export interface K3ClientOptions {
  /** Base URL of the coordinator, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Bearer token (`k3 token create …`); omitted when the server runs with K3_AUTH=off. */
  token?: string;
  /** Retries of errors the server marks retryable (default 3). */
  retries?: number;
  /** First backoff in ms (default 200), doubled per retry, jittered ±50 %. */
  backoffMs?: number;
  /** Protobuf binary instead of JSON on the wire (default false). */
  binary?: boolean;
  /** A custom transport (tests, gRPC-Web, Node's HTTP/2): overrides url/binary. */
  transport?: Transport;
  fetch?: typeof globalThis.fetch;
}

/** A failed call: the server's `ERR_*` code, message and whether the same call may succeed later. */
export class K3Error extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly requestId: string;
  readonly connectCode: Code;
  readonly details: JsonObject | undefined;
  constructor(code: string, message: string, opts: { retryable: boolean; requestId?: string; connectCode: Code; details?: JsonObject }) {
    super(`${code}: ${message}`);
    this.name = 'K3Error';
    this.code = code;
    this.retryable = opts.retryable;
    this.requestId = opts.requestId ?? '';
    this.connectCode = opts.connectCode;
    this.details = opts.details;
  }

  static from(e: unknown): K3Error | undefined {
    if (e instanceof K3Error) return e;
    if (!(e instanceof ConnectError)) return undefined;
    const [info] = e.findDetails(ErrorInfoSchema);
    if (info !== undefined) {
      return new K3Error(info.code, info.message, { retryable: info.retryable, requestId: info.requestId, connectCode: e.code, details: info.details as JsonObject | undefined });
    }
    // No ErrorInfo: the server was never reached (refused, DNS) or answered something that is not
    // this API (a proxy's error page). Refused connections are safe to retry: nothing was sent.
    const inner = (e.cause as { cause?: { code?: string; message?: string } } | undefined)?.cause;
    if (/fetch failed/i.test(e.rawMessage)) {
      const why = inner?.code ?? inner?.message ?? e.rawMessage;
      return new K3Error('ERR_CONNECTION', `cannot reach the server (${why}); check the URL (--url / K3_URL) and that the server runs`, { retryable: inner?.code === 'ECONNREFUSED', connectCode: e.code });
    }
    return new K3Error(e.code === Code.Unauthenticated ? 'ERR_UNAUTHENTICATED' : 'ERR_TRANSPORT', e.rawMessage, { retryable: false, connectCode: e.code });
  }
}

export type Row = Record<string, unknown>;

/** A read's rows decoded by column type, plus how the planner answered it. */
export interface QueryResult {
  readonly columns: { name: string; type: string }[];
  readonly rows: Row[];
  readonly rowCount: bigint;
  readonly strategy: string;
  readonly servedBy: string;
  readonly version: bigint | undefined;
  /** The response as pbjson (int64 as strings, enums by name), what `-o json` prints. */
  readonly json: JsonObject;
}

export type ExecuteResult =
  | { kind: 'query'; query: QueryResult; response: ExecuteResponse }
  | { kind: 'write'; write: ExecuteWriteResult; response: ExecuteResponse }
  | { kind: 'ddl'; response: ExecuteResponse };

export type Predicate =
  | { column: string; op: 'EQ' | 'NE' | 'LT' | 'LE' | 'GT' | 'GE' | 'IN' | 'NOT_IN' | 'IS_NULL' | 'IS_NOT_NULL' | 'BETWEEN' | 'LIKE' | 'ILIKE'; value?: unknown }
  | { and: Predicate[] } | { or: Predicate[] } | { not: Predicate };

export interface CallOptions {
  signal?: AbortSignal;
}

export interface QueryOptions extends CallOptions {
  freshness?: FreshnessName;
  params?: unknown[];
}

export interface SelectOptions extends CallOptions {
  columns?: string[];
  where?: Predicate;
  orderBy?: { column: string; descending?: boolean; nullsFirst?: boolean }[];
  limit?: number;
  offset?: number;
  freshness?: FreshnessName;
  asOfVersion?: bigint | number;
  asOfTimestamp?: string;
}

/** Where a Change Data Feed read starts and ends: versions or RFC 3339 times (table_changes' rules). */
export interface ChangesOptions extends CallOptions {
  fromVersion?: bigint | number;
  toVersion?: bigint | number;
  fromTimestamp?: string;
  toTimestamp?: string;
  /** Rows per page, 1..10000 (server default 1000). */
  pageSize?: number;
}

/** One page of the feed: rows decoded by column type (`_change_type`, `_commit_version`, `_commit_timestamp` included). */
export interface ChangesPage {
  readonly columns: { name: string; type: string }[];
  readonly rows: Row[];
  readonly fromVersion: bigint;
  readonly toVersion: bigint;
  /** Absent on the last page. */
  readonly nextPageToken: string | undefined;
  /** The page as pbjson (int64 as strings), what `-o json` prints. */
  readonly json: JsonObject;
  readonly response: ChangesResponse;
}

const FRESHNESS: Record<FreshnessName, Freshness> = {
  eventual: Freshness.EVENTUAL,
  strong: Freshness.STRONG,
  'oltp-only': Freshness.OLTP_ONLY,
};

export function freshnessOf(name: FreshnessName | undefined): Freshness {
  if (name === undefined) return Freshness.UNSPECIFIED;
  const f = FRESHNESS[name];
  if (f === undefined) throw new RangeError(`freshness must be one of ${Object.keys(FRESHNESS).join(', ')} (got ${String(name)})`);
  return f;
}

function decodeRows(columns: readonly { name: string; type: string; duckdbType?: string }[], rows: readonly unknown[][]): Row[] {
  const decoders = columns.map((c) => decoderFor(c.type || (c.duckdbType ?? '')));
  return rows.map((values) => {
    const row: Row = {};
    columns.forEach((c, i) => { if (!(c.name in row)) row[c.name] = decoders[i]!(values[i]); });
    return row;
  });
}

function queryResult(q: ExecuteQueryResult, json: JsonObject): QueryResult {
  const jsonQuery = (json.query ?? {}) as JsonObject;
  const rows = (jsonQuery.rows ?? []) as unknown[][];
  return {
    columns: q.columns.map((c) => ({ name: c.name, type: c.type || c.duckdbType })),
    rows: decodeRows(q.columns, rows),
    rowCount: q.rowCount,
    strategy: String(jsonQuery.strategy ?? ''),
    servedBy: String(jsonQuery.servedBy ?? ''),
    version: q.version,
    json,
  };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> => new Promise((resolve, reject) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason as Error); }, { once: true });
});

export class K3Client {
  readonly rpc: Client<typeof TableService>;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(opts: K3ClientOptions) {
    const auth: Interceptor = (next) => async (req) => {
      if (opts.token) req.header.set('authorization', `Bearer ${opts.token}`);
      return await next(req);
    };
    const transport = opts.transport ?? createConnectTransport({
      baseUrl: opts.url.replace(/\/+$/, ''),
      useBinaryFormat: opts.binary ?? false,
      interceptors: [auth],
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
    });
    this.rpc = createClient(TableService, transport);
    this.retries = opts.retries ?? 3;
    this.backoffMs = opts.backoffMs ?? 200;
  }

  /** Every call scoped to one bucket. */
  tables(bucket: string): Tables {
    return new Tables(this, bucket);
  }

  /** Runs `call`, retrying errors the server marks retryable; rethrows everything as K3Error. */
  async call<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        const err = K3Error.from(e);
        if (err === undefined) throw e;
        if (!err.retryable || attempt >= this.retries || signal?.aborted) throw err;
        await sleep(this.backoffMs * 2 ** attempt * (0.5 + Math.random()), signal);
      }
    }
  }
}

export class Tables {
  private readonly k3: K3Client;
  readonly bucket: string;

  constructor(k3: K3Client, bucket: string) {
    this.k3 = k3;
    this.bucket = bucket;
  }

  private get rpc(): Client<typeof TableService> {
    return this.k3.rpc;
  }

  /** One DuckDB-dialect statement; the result is a query, a write or a DDL result. */
  async execute(sql: string, opts: QueryOptions = {}): Promise<ExecuteResult> {
    const res = await this.k3.call(() => this.rpc.execute({
      bucket: this.bucket, sql, freshness: freshnessOf(opts.freshness), params: (opts.params ?? []).map((p) => toValue(encodeValue(p))),
    }, { signal: opts.signal }), opts.signal);
    switch (res.result.case) {
      case 'query': return { kind: 'query', query: queryResult(res.result.value, toJson(ExecuteResponseSchema, res) as JsonObject), response: res };
      case 'write': return { kind: 'write', write: res.result.value, response: res };
      default: return { kind: 'ddl', response: res };
    }
  }

  /** A read's rows, typed by column (throws if the statement was not a read: use `execute`). */
  async query(sql: string, opts: QueryOptions = {}): Promise<QueryResult> {
    const res = await this.execute(sql, opts);
    if (res.kind !== 'query') throw new TypeError(`the statement is a ${res.kind}, not a read: use execute()`);
    return res.query;
  }

  /** A read streamed in batches of rows as the wire carries them (pbjson values: lossless). */
  async *streamJson(sql: string, opts: QueryOptions = {}): AsyncGenerator<{ columns: { name: string; type: string }[]; rows: unknown[][] }> {
    let columns: { name: string; type: string }[] = [];
    try {
      for await (const chunk of this.rpc.executeStream({ bucket: this.bucket, sql, freshness: freshnessOf(opts.freshness) }, { signal: opts.signal })) {
        if (chunk.chunk.case === 'header') {
          columns = chunk.chunk.value.columns.map((c) => ({ name: c.name, type: c.type || c.duckdbType }));
          yield { columns, rows: [] };
        }
        else if (chunk.chunk.case === 'batch') yield { columns, rows: chunk.chunk.value.rows.map((r) => toJson(ListValueSchema, r) as unknown[]) };
      }
    } catch (e) {
      throw K3Error.from(e) ?? e;
    }
  }

  /** A read streamed in batches: rows arrive as the server produces them, with bounded memory. */
  async *stream(sql: string, opts: QueryOptions = {}): AsyncGenerator<Row> {
    for await (const batch of this.streamJson(sql, opts)) {
      yield* decodeRows(batch.columns, batch.rows);
    }
  }

  async insert(table: string, rows: Row[], opts: CallOptions = {}): Promise<ExecuteWriteResult> {
    const res = await this.k3.call(() => this.rpc.insert({ bucket: this.bucket, tableName: table, rows: rows.map((r) => encodeValue(r) as JsonObject) }, { signal: opts.signal }), opts.signal);
    return res.write!;
  }

  async merge(table: string, rows: Row[], opts: CallOptions & { match?: string[] } = {}): Promise<ExecuteWriteResult> {
    const res = await this.k3.call(() => this.rpc.merge({ bucket: this.bucket, tableName: table, rows: rows.map((r) => encodeValue(r) as JsonObject), matchColumns: opts.match ?? [] }, { signal: opts.signal }), opts.signal);
    return res.write!;
  }

  async update(table: string, set: Row, where: Predicate | undefined, opts: CallOptions = {}): Promise<ExecuteWriteResult> {
    const res = await this.k3.call(() => this.rpc.update({ bucket: this.bucket, tableName: table, set: encodeValue(set) as JsonObject, where: predicate(where) }, { signal: opts.signal }), opts.signal);
    return res.write!;
  }

  async deleteRows(table: string, where: Predicate | undefined, opts: CallOptions = {}): Promise<ExecuteWriteResult> {
    const res = await this.k3.call(() => this.rpc.deleteRows({ bucket: this.bucket, tableName: table, where: predicate(where) }, { signal: opts.signal }), opts.signal);
    return res.write!;
  }

  /** The typed Query RPC (no SQL text): columns, predicate, order, limit/offset, freshness, AS OF. */
  async select(table: string, opts: SelectOptions = {}): Promise<QueryResult> {
    const res = await this.k3.call(() => this.rpc.query({
      bucket: this.bucket,
      tableName: table,
      columns: opts.columns ?? [],
      where: predicate(opts.where),
      orderBy: opts.orderBy ?? [],
      ...(opts.limit !== undefined ? { limit: BigInt(opts.limit) } : {}),
      ...(opts.offset !== undefined ? { offset: BigInt(opts.offset) } : {}),
      freshness: freshnessOf(opts.freshness),
      asOf: opts.asOfVersion !== undefined ? { case: 'asOfVersion', value: BigInt(opts.asOfVersion) }
        : opts.asOfTimestamp !== undefined ? { case: 'asOfTimestamp', value: opts.asOfTimestamp } : { case: undefined },
    }, { signal: opts.signal }), opts.signal);
    const response = create(ExecuteResponseSchema, { result: { case: 'query', value: res.query! }, usage: res.usage });
    return queryResult(res.query!, toJson(ExecuteResponseSchema, response) as JsonObject);
  }

  async list(opts: CallOptions = {}): Promise<Table[]> {
    return (await this.k3.call(() => this.rpc.listTables({ bucket: this.bucket }, { signal: opts.signal }), opts.signal)).tables;
  }

  describe(table: string, opts: CallOptions = {}): Promise<Table> {
    return this.k3.call(() => this.rpc.describeTable({ bucket: this.bucket, tableName: table }, { signal: opts.signal }), opts.signal);
  }

  create(req: Omit<MessageInitShape<typeof CreateTableRequestSchema>, 'bucket' | '$typeName'>, opts: CallOptions = {}): Promise<Table> {
    return this.k3.call(() => this.rpc.createTable({ ...req, bucket: this.bucket }, { signal: opts.signal }), opts.signal);
  }

  drop(table: string, opts: CallOptions & { ifExists?: boolean } = {}): Promise<DropTableResponse> {
    return this.k3.call(() => this.rpc.dropTable({ bucket: this.bucket, tableName: table, ifExists: opts.ifExists ?? false }, { signal: opts.signal }), opts.signal);
  }

  history(table: string, opts: CallOptions & { limit?: number; beforeVersion?: bigint | number } = {}): Promise<HistoryResponse> {
    return this.k3.call(() => this.rpc.history({
      bucket: this.bucket, tableName: table, limit: opts.limit ?? 0,
      ...(opts.beforeVersion !== undefined ? { beforeVersion: BigInt(opts.beforeVersion) } : {}),
    }, { signal: opts.signal }), opts.signal);
  }

  optimize(table: string, opts: CallOptions & { zOrder?: string[]; targetFileSizeMb?: number } = {}): Promise<OptimizeResponse> {
    return this.k3.call(() => this.rpc.optimize({
      bucket: this.bucket, tableName: table, zOrderColumns: opts.zOrder ?? [],
      ...(opts.targetFileSizeMb !== undefined ? { targetFileSizeMb: opts.targetFileSizeMb } : {}),
    }, { signal: opts.signal }), opts.signal);
  }

  vacuum(table: string, opts: CallOptions & { retentionHours?: number; dryRun?: boolean } = {}): Promise<VacuumResponse> {
    return this.k3.call(() => this.rpc.vacuum({
      bucket: this.bucket, tableName: table, dryRun: opts.dryRun ?? false,
      ...(opts.retentionHours !== undefined ? { retentionHours: opts.retentionHours } : {}),
    }, { signal: opts.signal }), opts.signal);
  }

  /** One Compact call, or (`untilDrained`) calls until the write log is empty. */
  async compact(table: string, opts: CallOptions & { batchSize?: number; untilDrained?: boolean; onProgress?: (r: CompactResponse) => void } = {}): Promise<CompactResponse> {
    for (;;) {
      const res = await this.k3.call(() => this.rpc.compact({
        bucket: this.bucket, tableName: table, ...(opts.batchSize !== undefined ? { batchSize: BigInt(opts.batchSize) } : {}),
      }, { signal: opts.signal }), opts.signal);
      opts.onProgress?.(res);
      if (!opts.untilDrained || !res.truncated) return res;
    }
  }

  restore(table: string, to: { version: bigint | number } | { timestamp: string }, opts: CallOptions = {}): Promise<RestoreResponse> {
    return this.k3.call(() => this.rpc.restore({
      bucket: this.bucket, tableName: table,
      ...('version' in to ? { version: BigInt(to.version) } : { restoreTimestamp: to.timestamp }),
    }, { signal: opts.signal }), opts.signal);
  }

  /** One page of the table's Change Data Feed; pass `pageToken` (the previous page's `nextPageToken`) for the next. */
  async changesPage(table: string, opts: ChangesOptions & { pageToken?: string } = {}): Promise<ChangesPage> {
    const res = await this.k3.call(() => this.rpc.changes({
      bucket: this.bucket, tableName: table,
      ...(opts.fromVersion !== undefined ? { fromVersion: BigInt(opts.fromVersion) } : {}),
      ...(opts.toVersion !== undefined ? { toVersion: BigInt(opts.toVersion) } : {}),
      fromTimestamp: opts.fromTimestamp ?? '', toTimestamp: opts.toTimestamp ?? '', pageToken: opts.pageToken ?? '',
      ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}),
    }, { signal: opts.signal }), opts.signal);
    const json = toJson(ChangesResponseSchema, res, { alwaysEmitImplicit: true }) as JsonObject;
    return {
      columns: res.columns.map((c) => ({ name: c.name, type: c.type || c.duckdbType })),
      rows: decodeRows(res.columns, (json.rows ?? []) as unknown[][]),
      fromVersion: res.fromVersion, toVersion: res.toVersion, nextPageToken: res.nextPageToken, json, response: res,
    };
  }

  /** Every page of the feed from `fromVersion` (or `fromTimestamp`) to `toVersion` (default: the latest when asked). */
  async *changes(table: string, opts: ChangesOptions = {}): AsyncGenerator<ChangesPage> {
    let page = await this.changesPage(table, opts);
    yield page;
    while (page.nextPageToken !== undefined) {
      page = await this.changesPage(table, { pageToken: page.nextPageToken, ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
      yield page;
    }
  }

  /** What changed between `version` and HEAD (or `toVersion`): rows added, removed, changed (by primary key when there is one). */
  diff(table: string, version: bigint | number, opts: CallOptions & { toVersion?: bigint | number; limit?: number } = {}): Promise<DiffResponse> {
    return this.k3.call(() => this.rpc.diff({
      bucket: this.bucket, tableName: table, version: BigInt(version),
      ...(opts.toVersion !== undefined ? { toVersion: BigInt(opts.toVersion) } : {}),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
    }, { signal: opts.signal }), opts.signal);
  }

  engine(opts: CallOptions = {}): Promise<Engine> {
    return this.k3.call(() => this.rpc.getEngine({ bucket: this.bucket }, { signal: opts.signal }), opts.signal);
  }

  /** GetUsage: the bucket's metered usage in [since, until) (Date, epoch ms or ISO-8601 text; default: all recorded). */
  usage(opts: CallOptions & { since?: Date | number | string; until?: Date | number | string } = {}): Promise<UsageTotals> {
    const instant = (v: Date | number | string | undefined): string => (v === undefined ? '' : v instanceof Date ? String(v.getTime()) : String(v));
    return this.k3.call(() => this.rpc.getUsage({ bucket: this.bucket, since: instant(opts.since), until: instant(opts.until) }, { signal: opts.signal }), opts.signal);
  }

  // --- wip/pipeline: pipeline-generated tables

  /** CreateTablePipeline: a table bound to an ingest rule (globs, format, optional schema, merge keys, transform). */
  createPipeline(req: Omit<MessageInitShape<typeof CreateTablePipelineRequestSchema>, 'bucket' | '$typeName'>, opts: CallOptions = {}): Promise<CreateTablePipelineResponse> {
    return this.k3.call(() => this.rpc.createTablePipeline({ ...req, bucket: this.bucket }, { signal: opts.signal }), opts.signal);
  }

  ingestRule(table: string, opts: CallOptions = {}): Promise<IngestRule> {
    return this.k3.call(() => this.rpc.getIngestRule({ bucket: this.bucket, tableName: table }, { signal: opts.signal }), opts.signal);
  }

  updateIngestRule(table: string, patch: Omit<MessageInitShape<typeof UpdateIngestRuleRequestSchema>, 'bucket' | 'tableName' | '$typeName'>, opts: CallOptions = {}): Promise<IngestRule> {
    return this.k3.call(() => this.rpc.updateIngestRule({ ...patch, bucket: this.bucket, tableName: table }, { signal: opts.signal }), opts.signal);
  }

  ingestRuns(table: string, opts: CallOptions & { pageSize?: number; pageToken?: string } = {}): Promise<ListIngestRunsResponse> {
    return this.k3.call(() => this.rpc.listIngestRuns({ bucket: this.bucket, tableName: table, pageToken: opts.pageToken ?? '', ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}) }, { signal: opts.signal }), opts.signal);
  }

  /** TriggerIngest: one object through the table's rule now. */
  triggerIngest(table: string, objectKey: string, opts: CallOptions = {}): Promise<IngestRun> {
    return this.k3.call(() => this.rpc.triggerIngest({ bucket: this.bucket, tableName: table, objectKey }, { signal: opts.signal }), opts.signal);
  }
}

function predicate(p: Predicate | undefined): MessageInitShape<typeof PredicateSchema> | undefined {
  if (p === undefined) return undefined;
  if ('and' in p) return { and: p.and.map((x) => predicate(x)!) };
  if ('or' in p) return { or: p.or.map((x) => predicate(x)!) };
  if ('not' in p) return { not: predicate(p.not) };
  return { column: p.column, op: PredicateOp[p.op], ...(p.value !== undefined ? { value: toValue(encodeValue(p.value)) } : {}) };
}

function toValue(v: unknown): Value {
  return fromJson(ValueSchema, v as JsonValue);
}

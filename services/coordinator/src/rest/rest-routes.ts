/**
 * The REST/pbjson wire: one table of routes (the seeds' routes plus the catalog, typed data and
 * engine routes), each decoded with protobuf's JSON rules (pbjson-body.ts), handed to the SAME
 * TableService handler the Connect and gRPC wires call, through the same interceptor layer, and
 * answered as pbjson (int64 as strings, enums as names, default values emitted). The OpenAPI
 * document is generated from this table and the proto (openapi.ts). Execute and Query stream
 * their rows as NDJSON or Arrow IPC when the Accept header asks for it (result-encodings.ts).
 */
import { bearerOf } from '../session-cookie.ts';
import type { DescMethod } from '@bufbuild/protobuf';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AppError } from '@k3/core';
import { TableService } from '@k3/client';
import type { TableHandlers } from '../handlers/table-handlers.ts';
import type { Intercept } from '../rpc/interceptors.ts';
import { createRequestContext, type RequestContext } from '../rpc/request-context.ts';
import { abortOnDisconnect } from '../client-abort.ts';
import { decodeBody, decodeQuery } from './pbjson-body.ts';
import { sendStream, streamFormatOf } from './result-encodings.ts';
import { toPbjson } from './pbjson-json.ts';
import { withRestFieldNames } from './rest-field-names.ts';

export interface RestRoute {
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  /** The TableService method (localName) this route calls. */
  rpc: keyof TableHandlers;
  /** The server-streaming variant used when the Accept header asks for a stream. */
  stream?: keyof TableHandlers;
  /** Success status (default 200). */
  status?: number;
  summary: string;
  /** Short query-string names also accepted (`from` → `from_version`); giving both is refused. */
  queryAliases?: Readonly<Record<string, string>>;
}

const T = '/:bucket/tables/:table';

export const REST_ROUTES: readonly RestRoute[] = [
  { method: 'POST', url: '/:bucket/tables/_execute', rpc: 'execute', stream: 'executeStream', summary: 'Run one DuckDB-dialect SQL statement against the tables of a bucket.' },
  { method: 'GET', url: '/:bucket/tables', rpc: 'listTables', summary: 'List the tables of a bucket.' },
  { method: 'POST', url: '/:bucket/tables', rpc: 'createTable', status: 201, summary: 'Create a table from structured columns.' },
  { method: 'GET', url: T, rpc: 'describeTable', summary: 'Describe one table.' },
  { method: 'DELETE', url: T, rpc: 'dropTable', summary: 'Drop a table (?ifExists=true: no error when it does not exist).' },
  { method: 'POST', url: `${T}/insert`, rpc: 'insert', summary: 'Insert rows given as JSON objects by column name.' },
  { method: 'POST', url: `${T}/merge`, rpc: 'merge', summary: 'Upsert rows matched on matchColumns (default: the merge keys).' },
  { method: 'POST', url: `${T}/update`, rpc: 'update', summary: 'Set columns of the rows a structured predicate selects.' },
  { method: 'POST', url: `${T}/delete-rows`, rpc: 'deleteRows', summary: 'Delete the rows a structured predicate selects.' },
  { method: 'POST', url: `${T}/query`, rpc: 'query', stream: 'queryStream', summary: 'Read rows: columns, predicate, order, limit, offset, freshness, AS OF.' },
  { method: 'POST', url: `${T}/optimize`, rpc: 'optimize', summary: 'Bin-pack small files per partition, or Z-order them by columns (one OPTIMIZE commit).' },
  { method: 'POST', url: `${T}/vacuum`, rpc: 'vacuum', summary: 'Delete data files no version inside the retention window needs (or list them: dryRun).' },
  { method: 'POST', url: `${T}/_compact`, rpc: 'compact', summary: 'Drain up to batchSize write-log records of a table into Delta now (one commit).' },
  { method: 'POST', url: `${T}/restore`, rpc: 'restore', summary: 'Roll the table back to a version or a time, as a new RESTORE commit.' },
  { method: 'GET', url: `${T}/history`, rpc: 'history', summary: 'A page of the Delta commit log, newest first; page backwards with before_version.' },
  { method: 'GET', url: '/:bucket/engine', rpc: 'getEngine', summary: "The bucket's engine." },
  { method: 'POST', url: '/:bucket/engine/enable', rpc: 'enableEngine', summary: "Enable the bucket's engine." },
  { method: 'POST', url: '/:bucket/engine/disable', rpc: 'disableEngine', summary: "Disable the bucket's engine: every table RPC of the bucket then fails with ERR_ENGINE_DISABLED." },
  // harden: token management (an admin token for all buckets)
  { method: 'POST', url: '/_auth/tokens', rpc: 'createToken', status: 201, summary: 'Create a token: the answer carries its secret, shown only this once (Idempotency-Key makes a retry safe).' },
  { method: 'GET', url: '/_auth/tokens', rpc: 'listTokens', summary: 'List the tokens (never their secrets).' },
  { method: 'DELETE', url: '/_auth/tokens/:name', rpc: 'revokeToken', summary: 'Revoke a token: it stops working on every coordinator within K3_AUTH_REFRESH.' },
  // wip/cdf: the Change Data Feed
  { method: 'GET', url: `${T}/changes`, rpc: 'changes', queryAliases: { from: 'from_version', to: 'to_version' }, summary: "A page of the table's Change Data Feed (rows + _change_type, _commit_version, _commit_timestamp), oldest version first." },
  { method: 'GET', url: `${T}/diff`, rpc: 'diff', summary: 'What changed between a version and HEAD (or toVersion): rows added, removed and changed, by primary key when the table has one.' },
  // wip/pipeline: pipeline-generated tables
  { method: 'POST', url: '/:bucket/tables/_pipeline', rpc: 'createTablePipeline', status: 201, summary: 'Create a pipeline-generated table bound to an ingest rule (globs, format, optional schema, merge keys, transform).' },
  { method: 'GET', url: `${T}/ingest-rule`, rpc: 'getIngestRule', summary: "The table's ingest rule." },
  { method: 'POST', url: `${T}/ingest-rule`, rpc: 'updateIngestRule', summary: "Change the table's ingest rule (globs, format options, transform, onChange, enabled)." },
  { method: 'GET', url: `${T}/ingest-runs`, rpc: 'listIngestRuns', summary: 'Ingest runs of the table, newest first: status, rows and error per object.' },
  { method: 'POST', url: `${T}/ingest`, rpc: 'triggerIngest', summary: 'Ingest one object through the rule now (TriggerIngest).' },
  // wip/contract
  { method: 'GET', url: '/:bucket/usage', rpc: 'getUsage', summary: "The bucket's metered usage in [since, until) (epoch ms or ISO-8601), priced when K3_PRICE_* are set." },
];

export function methodOf(rpc: string): DescMethod {
  const m = TableService.methods.find((x) => x.localName === rpc);
  if (m === undefined) throw new Error(`TableService has no method ${rpc}`);
  return m;
}

export interface RestRouteDeps {
  handlers: TableHandlers;
  intercept: Intercept;
  logger: Logger;
}

type Params = { bucket: string; table?: string; name?: string };
type AnyHandler = (req: unknown, rc: RequestContext) => Promise<unknown>;

/** `?from=3` → `?from_version=3` for a route's short names; the short and the long name together are refused. */
function withAliases(query: unknown, aliases: RestRoute['queryAliases']): unknown {
  if (aliases === undefined || typeof query !== 'object' || query === null) return query;
  const out: Record<string, unknown> = { ...(query as Record<string, unknown>) };
  for (const [short, long] of Object.entries(aliases)) {
    if (!(short in out)) continue;
    if (long in out) throw new AppError('ERR_BAD_REQUEST', `Invalid request: querystring.${short} is given twice (also as ${long}); send it once.`, { field: `querystring.${short}` });
    out[long] = out[short];
    delete out[short];
  }
  return out;
}

export function registerRestRoutes(app: FastifyInstance, deps: RestRouteDeps): void {
  const handlerOf = (rpc: string): AnyHandler => (deps.handlers as unknown as Record<string, AnyHandler>)[rpc]!;
  for (const route of REST_ROUTES) {
    const method = methodOf(route.rpc);
    const handler = handlerOf(route.rpc);
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        const params = request.params as Params;
        const path = { bucket: params.bucket, ...(params.table !== undefined ? { table: params.table } : {}), ...(params.name !== undefined ? { name: params.name } : {}) };
        const decode = () => (route.method === 'POST' ? decodeBody(method.input, request.body, path) : decodeQuery(method.input, withAliases(request.query, route.queryAliases), path));
        const format = route.stream ? streamFormatOf(request.headers.accept) : undefined;
        const rc = createRequestContext({
          requestId: request.id,
          wire: 'rest',
          method: format && route.stream ? methodOf(route.stream).name : method.name,
          authorization: bearerOf(request.headers.authorization, request.headers.cookie),
          idempotencyKey: typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : undefined,
          signal: abortOnDisconnect(reply),
          timeoutMs: undefined,
          log: deps.logger,
        });
        const where = route.method === 'POST' ? 'body' : 'querystring';
        if (format && route.stream) {
          const streamHandler = handlerOf(route.stream);
          const chunks = (await deps.intercept(rc, decode, (req) => streamHandler(req, rc)).catch((err: unknown) => {
            throw withRestFieldNames(err, where, path);
          })) as AsyncIterable<unknown>;
          return sendStream(reply, format, chunks, rc);
        }
        const out = await deps.intercept(rc, decode, (req) => handler(req, rc)).catch((err: unknown) => {
          throw withRestFieldNames(err, where, path);
        });
        return reply.code(route.status ?? 200).type('application/json').send(toPbjson(method.output, out));
      },
    });
  }
}

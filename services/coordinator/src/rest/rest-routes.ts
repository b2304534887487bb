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

type Params = { bucket: string; table?: string };
type AnyHandler = (req: unknown, rc: RequestContext) => Promise<unknown>;

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
        const path = { bucket: params.bucket, ...(params.table !== undefined ? { table: params.table } : {}) };
        const decode = () => (route.method === 'POST' ? decodeBody(method.input, request.body, path) : decodeQuery(method.input, request.query, path));
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

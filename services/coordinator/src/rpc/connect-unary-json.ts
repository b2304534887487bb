/**
 * Connect's unary JSON `Execute` — what @k3/client's SDK sends for every statement — served by
 * a plain Fastify route (wip/http5, docs/design/hot-path.md "The request path"). Connect's generic
 * unary handler costs about twice the REST route per request (async iterables for a one-message
 * body, a linked AbortController aborted with a DOMException on every call); this route does the
 * same work the REST route does: Fastify's JSON body parser, protobuf's JSON decoder with the
 * Connect JSON options, the one interceptor layer (auth, limiter, audit line, metrics), and the
 * answer as pbjson; a failure is the same ConnectError (`ErrorInfo` detail, `x-k3-error-code`)
 * encoded by Connect's own `errorToJsonBytes` with Connect's HTTP status.
 *
 * Only the plain shape takes it, chosen by a route constraint (`k3ConnectUnaryJson`): POST,
 * `content-type: application/json` (optionally `; charset=utf-8`), no `content-encoding` (compressed bodies),
 * no `connect-timeout-ms` (a deadline) and, if present, `connect-protocol-version: 1`. Everything
 * else (binary, gRPC-Web, GET, compression, deadlines) falls through to the connect-fastify plugin's
 * route on the same path, unchanged. The answer is never compressed (Connect's handler gzips
 * answers of 1 KiB and more when the client accepts it; identity is always allowed).
 */
import { fromJson, toJsonString, type JsonValue } from '@bufbuild/protobuf';
import { ConnectError } from '@connectrpc/connect';
import { codeToHttpStatus, errorToJsonBytes } from '@connectrpc/connect/protocol-connect';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { ExecuteRequestSchema, ExecuteResponseSchema, TableService } from '@k3/client';
import { abortOnDisconnect } from '../client-abort.ts';
import { toHttpError } from '../http-error.ts';
import type { TableHandlers } from '../handlers/table-handlers.ts';
import { toBadRequest } from '../rest/pbjson-body.ts';
import { bearerOf } from '../session-cookie.ts';
import { CONNECT_JSON_OPTIONS } from './connect-options.ts';
import { toConnectError } from './connect-wire.ts';
import type { Intercept } from './interceptors.ts';
import { createRequestContext } from './request-context.ts';

/** The request path Connect gives TableService.Execute. */
export const CONNECT_EXECUTE_PATH = `/${TableService.typeName}/${TableService.method.execute.name}`;

const CONSTRAINT = 'k3ConnectUnaryJson';
/** Connect's own unary JSON content type (`contentTypeUnaryRegExp` without proto). */
const JSON_CONTENT_TYPE = /^application\/json(?:;\s*charset=utf-?8)?$/i;

/** True for a request the fast route may answer exactly as Connect's handler would. */
function isPlainUnaryJson(req: { method?: string | undefined; headers: Record<string, string | string[] | undefined> }): boolean {
  const h = req.headers;
  const ct = h['content-type'];
  const version = h['connect-protocol-version'];
  return req.method === 'POST' && typeof ct === 'string' && JSON_CONTENT_TYPE.test(ct)
    && (h['content-encoding'] === undefined || h['content-encoding'] === 'identity')
    && h['connect-timeout-ms'] === undefined && (version === undefined || version === '1');
}

/**
 * The route constraint strategy (Fastify's `constraints` option): the fast route is registered
 * with `{ k3ConnectUnaryJson: 'yes' }`; requests that do not match take the unconstrained route.
 */
type ConstraintStrategy = NonNullable<NonNullable<FastifyServerOptions['routerOptions']>['constraints']>[string];
type RouteStore = ReturnType<ConstraintStrategy['storage']>;

export const connectUnaryJsonConstraint: ConstraintStrategy = {
  name: CONSTRAINT,
  storage() {
    const handlers = new Map<string, Parameters<RouteStore['set']>[1]>();
    return {
      get: (value: string) => handlers.get(value) ?? null,
      set: (value, store) => void handlers.set(value as string, store),
    };
  },
  deriveConstraint: (req) => (isPlainUnaryJson(req as { method?: string; headers: Record<string, string | string[] | undefined> }) ? 'yes' : 'no'),
  mustMatchWhenDerived: false,
  validate(value) {
    if (value !== 'yes') throw new TypeError(`${CONSTRAINT} takes 'yes'`);
  },
};

export interface ConnectUnaryJsonDeps {
  handlers: TableHandlers;
  intercept: Intercept;
  logger: Logger;
}

/** Fastify's own request errors (body parsing, size) become their AppError first (http-error.ts). */
function sendConnectError(reply: FastifyReply, err: unknown, requestId: string): FastifyReply {
  const error = err instanceof ConnectError ? err : toConnectError(toHttpError(err).error, requestId);
  for (const [k, v] of error.metadata) reply.header(k, v);
  return reply.code(codeToHttpStatus(error.code)).type('application/json').send(Buffer.from(errorToJsonBytes(error, CONNECT_JSON_OPTIONS)));
}

/** Registers the fast route in `app`'s scope (Fastify's own JSON parser; its errors answered as Connect errors). */
export function registerConnectUnaryJson(app: FastifyInstance, deps: ConnectUnaryJsonDeps): void {
  app.route({
    method: 'POST',
    url: CONNECT_EXECUTE_PATH,
    constraints: { [CONSTRAINT]: 'yes' },
    // A body that is not JSON (or too large) fails before the handler: answered as Connect would.
    errorHandler: async (err: unknown, request: FastifyRequest, reply: FastifyReply) => sendConnectError(reply, err, request.id),
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const rc = createRequestContext({
        requestId: request.id,
        wire: 'connect',
        method: TableService.method.execute.name,
        authorization: bearerOf(request.headers.authorization, request.headers.cookie),
        idempotencyKey: typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : undefined,
        signal: abortOnDisconnect(reply),
        timeoutMs: undefined,
        log: deps.logger,
      });
      const decode = () => {
        try {
          return fromJson(ExecuteRequestSchema, request.body as JsonValue, CONNECT_JSON_OPTIONS);
        } catch (err) {
          throw toBadRequest(err, ExecuteRequestSchema, request.body, 'body');
        }
      };
      try {
        const out = await deps.intercept(rc, decode, (req) => deps.handlers.execute(req, rc));
        return reply.code(200).type('application/json').send(toJsonString(ExecuteResponseSchema, out, CONNECT_JSON_OPTIONS));
      } catch (err) {
        return sendConnectError(reply, err, rc.requestId);
      }
    },
  });
}

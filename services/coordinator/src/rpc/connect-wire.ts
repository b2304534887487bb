/**
 * The Connect side of the wires: TableService's handlers bound for @connectrpc's router, which
 * speaks Connect (JSON and binary), gRPC-Web and gRPC. The Fastify port serves the first three
 * (connect-fastify); the h2c listener (grpc-listener.ts) serves native gRPC with the same routes.
 *
 * Each call builds the request context, runs through the one interceptor layer, and an AppError
 * becomes a ConnectError whose code is the registry's `grpc` and whose first detail is an
 * `ErrorInfo {code, message, retryable, requestId, details}` — the REST error body, verbatim.
 * Responses and errors carry `x-request-id`.
 */
import { bearerOf } from '../session-cookie.ts';
import type { JsonObject, DescMethod } from '@bufbuild/protobuf';
import { ConnectError, createContextKey, type ConnectRouter, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { AppError, ERROR_CODES, type GrpcCode } from '@k3/core';
import { ErrorInfoSchema, TableService } from '@k3/client';
import type { Logger } from 'pino';
import type { TableHandlers } from '../handlers/table-handlers.ts';
import { mapStreamErrors, type Intercept } from './interceptors.ts';
import { createRequestContext, requestIdFrom, type RequestContext, type Wire } from './request-context.ts';
import { asAppError } from './to-app-error.ts';

/** The Fastify request id, handed to Connect handlers so both layers log the same id. */
export const REQUEST_ID_KEY = createContextKey<string | undefined>(undefined, { description: 'k3 request id' });

const GRPC_NUMBER: Readonly<Record<GrpcCode, number>> = {
  CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9, ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

/**
 * `ErrorInfo.details` (a google.protobuf.Struct, generated as a JsonObject): the details as plain
 * JSON. A Struct message given here was encoded as an object with `$typeName` / `fields` keys
 * (wip/http5); the JSON round trip drops what JSON cannot carry.
 */
function structOf(details: Readonly<Record<string, unknown>> | undefined): JsonObject | undefined {
  if (details === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(details)) as JsonObject;
  } catch {
    return undefined;
  }
}

/** The AppError (already mapped by the interceptor) as the ConnectError every Connect protocol sends. */
export function toConnectError(err: unknown, requestId: string): ConnectError {
  const app = asAppError(err) ?? new AppError('ERR_INTERNAL', 'An unexpected error occurred; it has been logged under this request id.');
  const details = structOf(app.details);
  const info = { code: app.code, message: app.message, retryable: app.retryable, requestId, ...(details ? { details } : {}) };
  const metadata = new Headers({ 'x-request-id': requestId, 'x-k3-error-code': app.code });
  return new ConnectError(app.message, GRPC_NUMBER[ERROR_CODES[app.code].grpc], metadata, [{ desc: ErrorInfoSchema, value: info }]);
}

function wireOf(ctx: HandlerContext): Wire {
  return ctx.protocolName === 'grpc' ? 'grpc' : ctx.protocolName === 'grpc-web' ? 'grpc-web' : 'connect';
}

export interface ConnectWireDeps {
  handlers: TableHandlers;
  intercept: Intercept;
  logger: Logger;
}

type AnyHandler = (req: unknown, rc: RequestContext) => Promise<unknown>;

/** `routes` for connect-fastify / connectNodeAdapter: TableService bound to the handlers. */
export function tableServiceRoutes(deps: ConnectWireDeps): (router: ConnectRouter) => void {
  const contextOf = (ctx: HandlerContext, method: DescMethod): RequestContext => {
    const requestId = ctx.values.get(REQUEST_ID_KEY) ?? requestIdFrom(ctx.requestHeader.get('x-request-id'));
    ctx.responseHeader.set('x-request-id', requestId);
    return createRequestContext({
      requestId,
      wire: wireOf(ctx),
      method: method.name,
      authorization: bearerOf(ctx.requestHeader.get('authorization'), ctx.requestHeader.get('cookie')),
      idempotencyKey: ctx.requestHeader.get('idempotency-key') ?? undefined,
      signal: ctx.signal,
      timeoutMs: ctx.timeoutMs(),
      log: deps.logger,
    });
  };
  const impl: Record<string, unknown> = {};
  for (const method of TableService.methods) {
    const handler = (deps.handlers as unknown as Record<string, AnyHandler>)[method.localName]!;
    if (method.methodKind === 'unary') {
      impl[method.localName] = async (req: unknown, ctx: HandlerContext) => {
        const rc = contextOf(ctx, method);
        try {
          return await deps.intercept(rc, () => req, (r) => handler(r, rc));
        } catch (err) {
          throw toConnectError(err, rc.requestId);
        }
      };
    } else {
      impl[method.localName] = async function* (req: unknown, ctx: HandlerContext) {
        const rc = contextOf(ctx, method);
        try {
          const stream = (await deps.intercept(rc, () => req, (r) => handler(r, rc))) as AsyncIterable<unknown>;
          yield* mapStreamErrors(rc, stream);
        } catch (err) {
          throw toConnectError(err, rc.requestId);
        }
      };
    }
  }
  return (router) => router.service(TableService, impl as ServiceImpl<typeof TableService>);
}

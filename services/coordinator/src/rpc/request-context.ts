/**
 * The request context every wire builds before calling a TableService handler (shared decision 4):
 * `{requestId, principal?, deadline?, signal}` plus the wire's name and a per-request logger.
 * REST builds it from the Fastify request, Connect / gRPC-Web / gRPC from Connect's HandlerContext;
 * handlers and interceptors only ever see this shape. `signal` aborts when the client goes away or
 * the deadline passes; auth (wip/auth) fills `principal` in the interceptor layer.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Principal } from '@k3/core/auth';

export type Wire = 'rest' | 'connect' | 'grpc-web' | 'grpc';

export interface RequestContext {
  readonly requestId: string;
  readonly wire: Wire;
  /** The method name as the proto spells it (`Execute`, `CreateTable`, ...). */
  readonly method: string;
  /** The raw `authorization` header, for the auth interceptor. */
  readonly authorization: string | undefined;
  /** The caller, once authenticated (name of the token). */
  principal?: string;
  /** The caller's buckets and scope (set with `principal` by the auth interceptor, rpc-auth.ts). */
  grant?: Principal;
  /** Epoch ms after which the work is abandoned with ERR_QUERY_TIMEOUT; undefined = none. */
  readonly deadline: number | undefined;
  readonly signal: AbortSignal;
  readonly log: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** An incoming well-formed request id is kept, anything else replaced by a fresh UUID. */
export function requestIdFrom(header: string | null | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

export interface ContextInput {
  requestId: string;
  wire: Wire;
  method: string;
  authorization: string | undefined;
  /** Aborts when the client disconnects. */
  signal: AbortSignal;
  /** Time the caller allows (gRPC `grpc-timeout`, Connect `connect-timeout-ms`); undefined = none. */
  timeoutMs: number | undefined;
  log: Logger;
}

export function createRequestContext(input: ContextInput): RequestContext {
  const signals = [input.signal];
  if (input.timeoutMs !== undefined) signals.push(AbortSignal.timeout(Math.max(0, input.timeoutMs)));
  return {
    requestId: input.requestId,
    wire: input.wire,
    method: input.method,
    authorization: input.authorization,
    deadline: input.timeoutMs === undefined ? undefined : Date.now() + input.timeoutMs,
    signal: signals.length === 1 ? input.signal : AbortSignal.any(signals),
    log: input.log.child({ requestId: input.requestId, rpc: input.method, wire: input.wire }),
  };
}

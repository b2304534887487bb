/**
 * Maps whatever a handler threw to the one AppError every wire serializes. Deliberate errors
 * (AppError, also a second copy of @k3/core's class) pass through; an abort after the deadline is
 * ERR_QUERY_TIMEOUT, after the client left ERR_QUERY_CANCELLED; anything else is ERR_INTERNAL with
 * `internal` set so the interceptor logs the original with its stack. Messages of unknown errors
 * never reach the caller.
 */
import { AppError, ERROR_CODES, type ErrorCode } from '@k3/core';
import type { RequestContext } from './request-context.ts';

export interface MappedError {
  error: AppError;
  /** True when the original was not a deliberate error (log it with its stack). */
  internal: boolean;
}

/** AppError by class or by shape (a second copy of @k3/core would break `instanceof`). */
export function asAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  const e = err as { name?: unknown; code?: unknown; message?: unknown; details?: unknown } | null;
  if (e && e.name === 'AppError' && typeof e.code === 'string' && e.code in ERROR_CODES) {
    const details = typeof e.details === 'object' && e.details !== null ? (e.details as Record<string, unknown>) : undefined;
    return new AppError(e.code as ErrorCode, String(e.message), details);
  }
  return undefined;
}

export function toAppError(err: unknown, rc?: Pick<RequestContext, 'deadline' | 'signal'>): MappedError {
  const app = asAppError(err);
  if (app) return { error: app, internal: false };
  if (rc?.signal.aborted) {
    if (rc.deadline !== undefined && Date.now() >= rc.deadline) {
      return { error: new AppError('ERR_QUERY_TIMEOUT', 'The request ran past its deadline; allow more time or narrow the request.'), internal: false };
    }
    return { error: new AppError('ERR_QUERY_CANCELLED', 'The client went away; the request was cancelled.'), internal: false };
  }
  return { error: new AppError('ERR_INTERNAL', 'An unexpected error occurred; it has been logged under this request id.'), internal: true };
}

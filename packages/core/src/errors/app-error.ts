/**
 * The one error type that may cross a module or HTTP boundary on purpose.
 * Messages say what happened and what to do; `details` holds structured context (never row data).
 */
import { ERROR_CODES, type ErrorCode, type ErrorSpec } from './codes.ts';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get spec(): ErrorSpec {
    return ERROR_CODES[this.code];
  }

  get status(): number {
    return this.spec.status;
  }

  get retryable(): boolean {
    return this.spec.retryable;
  }
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

/** The JSON body every error response carries. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  requestId?: string;
  details?: Record<string, unknown>;
}

export function toErrorBody(err: AppError, requestId?: string): ErrorBody {
  const body: ErrorBody = { code: err.code, message: err.message, retryable: err.retryable };
  if (requestId !== undefined) body.requestId = requestId;
  if (err.details !== undefined) body.details = { ...err.details };
  return body;
}

/**
 * Maps whatever reached the HTTP boundary to the one AppError that is serialized. Deliberate
 * errors (AppError) pass through; fastify's own request errors (validation, body parsing, size,
 * media type) become precise 4xx codes; anything else is `ERR_INTERNAL` and `internal` is set so
 * the caller logs the original with its stack. Messages of unknown errors never reach the client.
 */
import { AppError, type ErrorCode } from '@k3/core';
import { asAppError } from './rpc/to-app-error.ts';

export interface MappedError {
  error: AppError;
  /** True when the original was not a deliberate error (log it with its stack). */
  internal: boolean;
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
  validationContext?: string;
}

function fieldOf(v: NonNullable<FastifyLikeError['validation']>[number]): string {
  const path = (v.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.');
  const missing = v.params?.missingProperty;
  const extra = v.params?.additionalProperty;
  const leaf = typeof missing === 'string' ? missing : typeof extra === 'string' ? extra : '';
  return [path, leaf].filter((s) => s !== '').join('.');
}

function fromValidation(e: FastifyLikeError): AppError {
  const first = e.validation?.[0] ?? {};
  const context = e.validationContext ?? 'body';
  const field = fieldOf(first);
  const allowed = first.params?.allowedValues;
  const hint = Array.isArray(allowed) ? ` (allowed: ${allowed.join(', ')})` : '';
  const where = field === '' ? context : `${context}.${field}`;
  const code: ErrorCode = context === 'params' ? 'ERR_INVALID_NAME' : 'ERR_BAD_REQUEST';
  return new AppError(code, `Invalid request: ${where} ${first.message ?? 'is not valid'}${hint}; fix the request and retry.`, {
    field: where,
  });
}

const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['ERR_BAD_REQUEST', 'The request body is not valid JSON; send a JSON object.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['ERR_BAD_REQUEST', 'The request body is empty; send a JSON object.'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['ERR_BODY_TOO_LARGE', 'The request body is larger than the server accepts (K3_BODY_LIMIT); send a smaller request.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['ERR_BAD_REQUEST', 'Unsupported Content-Type; send the body as application/json.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['ERR_BAD_REQUEST', 'The body size does not match Content-Length.'],
};

export function toHttpError(err: unknown): MappedError {
  const app = asAppError(err);
  if (app) return { error: app, internal: false };
  const e = (err ?? {}) as FastifyLikeError;
  if (Array.isArray(e.validation)) return { error: fromValidation(e), internal: false };
  const known = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (known) return { error: new AppError(known[0], known[1]), internal: false };
  // secure-json-parse rejects prototype poisoning and bad JSON with a plain 400 error.
  if (err instanceof SyntaxError && e.statusCode === 400) {
    return { error: new AppError('ERR_BAD_REQUEST', 'The request body is not valid JSON; send a JSON object.'), internal: false };
  }
  if (typeof e.code === 'string' && e.code.startsWith('FST_') && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { error: new AppError('ERR_BAD_REQUEST', `${String(e.message)}; fix the request and retry.`), internal: false };
  }
  return { error: new AppError('ERR_INTERNAL', 'An unexpected error occurred; it has been logged under this request id.'), internal: true };
}

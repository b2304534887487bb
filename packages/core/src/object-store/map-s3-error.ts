/**
 * The one mapper from S3 SDK failures to AppErrors (and to the two "expected" outcomes that are not
 * errors: not-found and precondition-failed). Callers first ask `isS3NotFound` /
 * `isS3ConditionFailed`, then throw `mapS3Error(err, ...)` for everything else.
 *
 * Retryable (ERR_STORE_UNAVAILABLE): no HTTP response at all (socket errors, timeouts, DNS), 5xx,
 * throttling (SlowDown, 429, RequestTimeout). Credentials and permissions → ERR_STORE_ACCESS_DENIED.
 * A missing bucket → ERR_BUCKET_NOT_FOUND. Any other 4xx → ERR_STORE_REJECTED (a bug or a store
 * that does not implement an operation; retrying will not help).
 */
import { AppError } from '../errors/index.ts';

interface S3ErrorLike {
  readonly name?: string;
  readonly Code?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const ACCESS_DENIED = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'AccountProblem',
  'AllAccessDisabled',
  'CredentialsProviderError',
]);
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'TimeoutError', 'RequestTimeoutException', 'AbortError']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET']);

function errorName(err: unknown): string {
  const e = err as S3ErrorLike | undefined;
  return e?.Code ?? e?.name ?? '';
}

function httpStatus(err: unknown): number | undefined {
  return (err as S3ErrorLike | undefined)?.$metadata?.httpStatusCode;
}

export function isS3NotFound(err: unknown): boolean {
  const name = errorName(err);
  return name === 'NoSuchKey' || name === 'NotFound' || (httpStatus(err) === 404 && name !== 'NoSuchBucket');
}

/** 412 PreconditionFailed: the If-None-Match create lost; 409 ConditionalRequestConflict: it raced another one. */
export function isS3ConditionFailed(err: unknown): boolean {
  const name = errorName(err);
  const status = httpStatus(err);
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412;
}

export interface S3ErrorContext {
  readonly op: string;
  readonly url: string;
  readonly key?: string;
}

export function mapS3Error(err: unknown, context: S3ErrorContext): AppError {
  if (err instanceof AppError) return err;
  const name = errorName(err);
  const status = httpStatus(err);
  const nodeCode = (err as S3ErrorLike | undefined)?.code;
  const details = { op: context.op, url: context.url, key: context.key, s3Code: name || undefined, httpStatus: status };
  const what = `${context.op}${context.key === undefined ? '' : ` of ${JSON.stringify(context.key)}`} on ${context.url}`;
  const reason = (err as S3ErrorLike | undefined)?.message ?? String(err);

  if (ACCESS_DENIED.has(name) || status === 401 || status === 403) {
    return new AppError('ERR_STORE_ACCESS_DENIED', `The object store refused ${what} (${name || status}): check the S3 credentials and the bucket policy.`, details, { cause: err });
  }
  if (name === 'NoSuchBucket') {
    return new AppError('ERR_BUCKET_NOT_FOUND', `The bucket behind ${context.url} does not exist; create it first.`, details, { cause: err });
  }
  const noResponse = status === undefined;
  if (noResponse || THROTTLED.has(name) || (nodeCode !== undefined && NETWORK_CODES.has(nodeCode)) || status >= 500 || status === 429) {
    return new AppError('ERR_STORE_UNAVAILABLE', `The object store failed ${what} (${name || nodeCode || status || 'no response'}): ${reason}. The request may be retried.`, details, { cause: err });
  }
  return new AppError('ERR_STORE_REJECTED', `The object store rejected ${what} (${name || status}): ${reason}`, details, { cause: err });
}

/**
 * How a failed scan job's cause crosses Redis. BullMQ keeps only a failure *string*
 * (`failedReason`), so the worker stores the AppError as JSON there and the coordinator decodes it
 * into the details of ERR_WORKER_FAILED. Anything that is not such JSON (a crash, a stalled job
 * that ran out of attempts) is reported with the raw reason.
 */
import { ERROR_CODES, isAppError, type ErrorCode } from '../errors/index.ts';

export interface JobFailure {
  readonly code: ErrorCode | 'UNKNOWN';
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

const MARK = 'k3-job-failure:';

/** The failure text a worker hands to BullMQ for `err`. */
export function encodeJobFailure(err: unknown): string {
  if (isAppError(err)) {
    return MARK + JSON.stringify({ code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) });
  }
  return MARK + JSON.stringify({ code: 'UNKNOWN', message: err instanceof Error ? err.message : String(err) });
}

export function decodeJobFailure(reason: string | undefined): JobFailure {
  if (reason?.startsWith(MARK) === true) {
    try {
      const parsed = JSON.parse(reason.slice(MARK.length)) as { code?: unknown; message?: unknown; details?: unknown };
      const code = typeof parsed.code === 'string' && parsed.code in ERROR_CODES ? (parsed.code as ErrorCode) : 'UNKNOWN';
      const details = typeof parsed.details === 'object' && parsed.details !== null ? (parsed.details as Record<string, unknown>) : undefined;
      return { code, message: typeof parsed.message === 'string' ? parsed.message : reason, ...(details !== undefined ? { details } : {}) };
    } catch {
      // fall through: report the raw text
    }
  }
  return { code: 'UNKNOWN', message: reason ?? 'the job failed without a reason' };
}

/**
 * The ONE answer to "is this a commit conflict?" (docs/design/faults.md, "Conflict taxonomy"):
 * the Delta conflict taxonomy (delta-rs / Spark ConflictChecker) plus the lost-race budget.
 *
 *   ConcurrentAppend · ConcurrentDeleteRead · ConcurrentDeleteDelete · ConcurrentTransaction
 *   MetadataChanged · ProtocolChanged · CommitConflict (lost the version race maxRetries times)
 *
 * Each means: another writer committed first and this one's read no longer holds; re-running the
 * whole operation on a fresh snapshot is correct. Store failures, fencing and bad input are NOT
 * conflicts. `commitConflictRetry` is the one policy every path re-runs conflicts with.
 */
import { isAppError, type AppError, type ErrorCode } from '../errors/index.ts';
import { RetryPolicy, type RetryOptions } from '../retry/retry-policy.ts';

export const COMMIT_CONFLICT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_DELTA_CONCURRENT_APPEND',
  'ERR_DELTA_CONCURRENT_DELETE_READ',
  'ERR_DELTA_CONCURRENT_DELETE_DELETE',
  'ERR_DELTA_CONCURRENT_TRANSACTION',
  'ERR_DELTA_METADATA_CHANGED',
  'ERR_DELTA_PROTOCOL_CHANGED',
  'ERR_DELTA_COMMIT_CONFLICT',
]);

export function isCommitConflict(err: unknown): err is AppError {
  return isAppError(err) && COMMIT_CONFLICT_CODES.has(err.code);
}

/** Re-runs of a whole operation that lost a commit race: bounded, jittered (10 ms … 1 s). */
export function commitConflictRetry(maxAttempts: number, overrides: Omit<RetryOptions, 'maxAttempts' | 'retryIf'> = {}): RetryPolicy {
  return new RetryPolicy({ baseDelayMs: 10, maxDelayMs: 1000, ...overrides, maxAttempts, retryIf: isCommitConflict });
}

/**
 * createScanWorker: the consumer role — a BullMQ Worker on the scan queue that validates each job
 * (parseScanJob) and runs the scan-job handler.
 *
 * Failure policy: a job that cannot succeed by running again (malformed or of another contract
 * version, past its deadline, bad SQL, a missing data file — any non-retryable AppError) is failed
 * at once with BullMQ's UnrecoverableError; anything else (an unreachable store, a crash) is retried
 * with backoff up to K3_JOB_ATTEMPTS. The cause crosses Redis as JSON (jobs/job-failure.ts). A
 * worker killed mid-job loses its lock; after about `lockDuration` another worker's stalled-job
 * check puts the job back on the wait list (up to `maxStalledCount` times).
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { isAppError } from '../errors/index.ts';
import { encodeJobFailure, parseScanJob, QUEUE_NAMES, queuePrefix, type ScanResultV1 } from '../jobs/index.ts';
import { blockingConnection } from './redis-connection.ts';
import type { ScanJobHandler } from './scan-job-handler.ts';

export interface ScanWorkerOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly connectTimeoutMs: number;
  /** K3_WORKER_CONCURRENCY */
  readonly concurrency: number;
  /** K3_JOB_LOCK_DURATION */
  readonly lockDurationMs: number;
  /** How many times a job may stall (its worker died) before it fails; default 2. */
  readonly maxStalledCount?: number;
  readonly handler: ScanJobHandler;
  /** Start consuming at once (default true). */
  readonly autorun?: boolean;
}

function failure(err: unknown): Error {
  const text = encodeJobFailure(err);
  return isAppError(err) && !err.retryable ? new UnrecoverableError(text) : new Error(text);
}

export function createScanWorker(opts: ScanWorkerOptions): Worker<unknown, ScanResultV1> {
  const processor = async (job: Job<unknown, ScanResultV1>, _token?: string, signal?: AbortSignal): Promise<ScanResultV1> => {
    try {
      const parsed = parseScanJob(job.data);
      return await opts.handler(parsed, signal !== undefined ? { signal } : {});
    } catch (err) {
      throw failure(err);
    }
  };
  return new Worker<unknown, ScanResultV1>(QUEUE_NAMES.scan, processor, {
    connection: blockingConnection(opts.redisUrl, opts.connectTimeoutMs),
    prefix: queuePrefix(opts.prefix),
    concurrency: opts.concurrency,
    lockDuration: opts.lockDurationMs,
    stalledInterval: Math.max(500, Math.floor(opts.lockDurationMs / 2)),
    maxStalledCount: opts.maxStalledCount ?? 2,
    autorun: opts.autorun ?? true,
  });
}

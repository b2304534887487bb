/**
 * createScanWorker: the consumer role — a BullMQ Worker on the scan queue that validates each job
 * (parseScanJob) and runs the scan-job handler.
 *
 * Failure policy: a job that cannot succeed by running again (malformed or of another contract
 * version, past its deadline, cancelled, bad SQL, a missing data file — any non-retryable AppError)
 * is failed at once with BullMQ's UnrecoverableError; anything else (an unreachable store, a crash) is retried
 * with backoff up to K3_JOB_ATTEMPTS. The cause crosses Redis as JSON (jobs/job-failure.ts). A
 * worker killed mid-job loses its lock; after about `lockDuration` another worker's stalled-job
 * check puts the job back on the wait list (up to `maxStalledCount` times).
 *
 * Outcomes: BullMQ's job state (moveToFinished) is the record; when the job names the
 * coordinator's inbox (`replyTo`), its outcome is also pushed there first (RPUSH + PEXPIRE, fire and
 * forget on a fail-fast connection): `{ jobId, result }`, or `{ jobId, failedReason }` for a failure
 * BullMQ will not retry (the same test as BullMQ's `shouldRetryJob`: an UnrecoverableError or the
 * last attempt), so the coordinator wakes on one list pop and reads no events stream. A push that
 * fails changes nothing but latency: the coordinator's poll of the job's state still delivers.
 *
 * Cancellation: the worker subscribes to the scan cancel channel; when a coordinator publishes a
 * queryId it gave up on, the running jobs of that query are aborted (BullMQ `cancelJob` → the
 * processor's signal → DuckDB interrupt) and failed without retry.
 */
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { isAppError } from '../errors/index.ts';
import { encodeJobFailure, parseScanJob, QUEUE_NAMES, queryIdOfJob, queuePrefix, SCAN_INBOX_TTL_MS, scanCancelChannel, scanInboxPrefix, type ScanResultV1 } from '../jobs/index.ts';
import { blockingConnection, createRedisClient, producerConnection } from './redis-connection.ts';
import { cancelledError } from './run-partial-query.ts';
import type { ScanJobHandler } from './scan-job-handler.ts';

/** How long a cancelled queryId is remembered (its jobs that start later are failed at once). */
const CANCEL_MEMORY_MS = 10 * 60_000;

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

function failure(err: unknown, aborted: boolean): Error {
  if (aborted) return new UnrecoverableError(encodeJobFailure(cancelledError()));
  const text = encodeJobFailure(err);
  // A job of a query that timed out or was cancelled is useless to retry, whatever a client may do.
  const final = isAppError(err) && (!err.retryable || err.code === 'ERR_QUERY_TIMEOUT' || err.code === 'ERR_QUERY_CANCELLED');
  return final ? new UnrecoverableError(text) : new Error(text);
}

export function createScanWorker(opts: ScanWorkerOptions): Worker<unknown, ScanResultV1> {
  /** queryId → when its cancel arrived; a job of such a query that starts later is not run. */
  const cancelled = new Map<string, number>();
  // Pushes results to coordinators' inboxes: fail fast (no offline queue), never awaited by the job.
  const replies = createRedisClient(producerConnection(opts.redisUrl, opts.connectTimeoutMs));
  const inboxes = scanInboxPrefix(opts.prefix);
  const reply = (replyTo: unknown, jobId: string | undefined, outcome: { result: ScanResultV1 } | { failedReason: string }): void => {
    if (typeof replyTo !== 'string' || jobId === undefined || !replyTo.startsWith(inboxes)) return;
    void replies.multi().rpush(replyTo, JSON.stringify({ jobId, ...outcome })).pexpire(replyTo, SCAN_INBOX_TTL_MS).exec().catch(() => undefined);
  };
  const processor = async (job: Job<unknown, ScanResultV1>, _token?: string, signal?: AbortSignal): Promise<ScanResultV1> => {
    try {
      const parsed = parseScanJob(job.data);
      if (cancelled.has(parsed.queryId)) throw cancelledError();
      const result = await opts.handler(parsed, signal !== undefined ? { signal } : {});
      reply(parsed.replyTo, job.id, { result });
      return result;
    } catch (err) {
      const error = failure(err, signal?.aborted === true);
      // BullMQ fails the job for good (no retry follows): the coordinator may stop waiting for it.
      if (error instanceof UnrecoverableError || !(job.attemptsMade + 1 < (job.opts.attempts ?? 0))) {
        reply((job.data as { replyTo?: unknown } | null)?.replyTo, job.id, { failedReason: error.message });
      }
      throw error;
    }
  };
  const worker = new Worker<unknown, ScanResultV1>(QUEUE_NAMES.scan, processor, {
    connection: blockingConnection(opts.redisUrl, opts.connectTimeoutMs),
    prefix: queuePrefix(opts.prefix),
    concurrency: opts.concurrency,
    lockDuration: opts.lockDurationMs,
    stalledInterval: Math.max(500, Math.floor(opts.lockDurationMs / 2)),
    maxStalledCount: opts.maxStalledCount ?? 2,
    autorun: opts.autorun ?? true,
  });
  const active = new Set<string>();
  worker.on('active', (job) => { if (job.id !== undefined) active.add(job.id); });
  worker.on('completed', (job) => { if (job.id !== undefined) active.delete(job.id); });
  worker.on('failed', (job) => { if (job?.id !== undefined) active.delete(job.id); });
  const subscriber = createRedisClient(blockingConnection(opts.redisUrl, opts.connectTimeoutMs));
  const channel = scanCancelChannel(opts.prefix);
  void subscriber.subscribe(channel).catch(() => undefined);
  subscriber.on('message', (ch: string, queryId: string) => {
    if (ch !== channel) return;
    const now = Date.now();
    cancelled.set(queryId, now);
    for (const [id, at] of cancelled) if (now - at > CANCEL_MEMORY_MS) cancelled.delete(id);
    for (const id of active) if (queryIdOfJob(id) === queryId) worker.cancelJob(id, 'query cancelled by the coordinator');
  });
  worker.on('closed', () => { subscriber.disconnect(); replies.disconnect(); });
  return worker;
}

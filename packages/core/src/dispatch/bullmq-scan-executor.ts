/**
 * BullMQScanExecutor: the distributed-mode ScanExecutor. One BullMQ job per partition on the
 * `scan-v1` queue (prefix K3_QUEUE_PREFIX), consumed by stateless workers (scan-worker.ts).
 *
 * Protocol (sequence diagrams in docs/design/distributed-execution.md):
 * - jobId = scanJobId(queryId, jobIndex): re-adding or retrying a job never makes a second one,
 *   and the coordinator keeps the first result per jobIndex — a partial is counted at most once.
 *   (BullMQ also refuses to complete a job from a worker that lost its lock, so a worker presumed
 *   dead cannot report after its job was handed to another.)
 * - Outcomes arrive on this coordinator's inbox (a Redis list every job names in `replyTo`, pushed
 *   by the worker before BullMQ's moveToFinished: a result, or a failure BullMQ will not retry; one
 *   BLMPOP — BLPOP on a Redis older than 7 — on a dedicated connection); a poll of the outstanding
 *   jobs' state covers a push that was lost and outcomes no worker pushes (a job failed by the
 *   stalled-job check, a worker of an earlier release). No events stream is read: its XREADs woke
 *   the coordinator for every added, active and completed job of every coordinator.
 * - attempts with exponential backoff; stalled jobs (worker killed) go back to wait and run
 *   elsewhere; finished jobs are removed by age/count (removeOnComplete/removeOnFail).
 * - deadline → ERR_QUERY_TIMEOUT, signal → ERR_QUERY_CANCELLED; either way (and when a partition
 *   failed) jobs not yet taken are removed and the queryId is published on the cancel channel, so
 *   workers interrupt the running ones (which would otherwise stop at the job's own deadline).
 * - Redis unreachable → ERR_QUEUE_UNAVAILABLE within K3_REDIS_CONNECT_TIMEOUT.
 * - A job that fails for good → ERR_WORKER_FAILED with the worker's AppError in `details.cause`
 *   (ERR_QUERY_TIMEOUT when the worker hit the deadline).
 */
import { randomUUID } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import { AppError } from '../errors/index.ts';
import { decodeJobFailure, parseScanResult, QUEUE_NAMES, queuePrefix, scanCancelChannel, scanInboxKey, scanJobId, type ScanJobV1, type ScanResultV1 } from '../jobs/index.ts';
import { blockingConnection, createRedisClient, producerConnection, queueUnavailable, withTimeout } from './redis-connection.ts';
import type { Redis } from 'ioredis';
import { cancelledError, deadlineError } from './run-partial-query.ts';
import type { ScanExecutor, ScanRunOptions } from './scan-executor.ts';
import { readQueueBacklog, withTotal, type ScanBacklog } from './scan-backlog.ts';

export interface BullMQScanExecutorOptions {
  /** K3_REDIS_URL */
  readonly redisUrl: string;
  /** K3_QUEUE_PREFIX */
  readonly prefix: string;
  /** K3_REDIS_CONNECT_TIMEOUT */
  readonly connectTimeoutMs: number;
  /** K3_JOB_ATTEMPTS */
  readonly attempts: number;
  /** K3_JOB_BACKOFF */
  readonly backoffMs: number;
  /** K3_JOB_RETENTION */
  readonly retentionMs: number;
  /** K3_JOB_RETENTION_COUNT */
  readonly retentionCount: number;
  /** How often outstanding jobs are polled in case an event was missed (default 500 ms). */
  readonly pollIntervalMs?: number;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string | undefined };

/** Which path delivered the outcomes a run kept (tests and the profile read it). */
export interface ScanDeliveries {
  inbox: number;
  poll: number;
}
type Via = keyof ScanDeliveries;

/** Seconds one pop of the inbox blocks before it is issued again. */
const INBOX_BLOCK_SECONDS = 5;
/** Most inbox entries taken by one pop. */
const INBOX_BATCH = 64;

export class BullMQScanExecutor implements ScanExecutor {
  readonly kind = 'bullmq';
  readonly #opts: BullMQScanExecutorOptions;
  readonly #queue: Queue;
  readonly #clients: readonly Redis[];
  /** jobId → listener of the run waiting for it. */
  readonly #waiting = new Map<string, (outcome: Outcome, via: Via) => void>();
  /** This coordinator's result inbox (scanInboxKey) and its dedicated blocking connection. */
  readonly #inboxKey: string;
  readonly #inbox: Redis;
  #inboxLoop: Promise<void> | undefined;
  #closed = false;
  /** Results kept, by the path that delivered them first. */
  readonly deliveries: ScanDeliveries = { inbox: 0, poll: 0 };

  constructor(opts: BullMQScanExecutorOptions) {
    this.#opts = opts;
    const prefix = queuePrefix(opts.prefix);
    const producer = createRedisClient(producerConnection(opts.redisUrl, opts.connectTimeoutMs));
    const inbox = createRedisClient(blockingConnection(opts.redisUrl, opts.connectTimeoutMs));
    this.#clients = [producer, inbox];
    this.#inbox = inbox;
    this.#inboxKey = scanInboxKey(opts.prefix, randomUUID());
    this.#queue = new Queue(QUEUE_NAMES.scan, { connection: producer, prefix });
    // Connection errors are reported per run (ERR_QUEUE_UNAVAILABLE); an unhandled 'error' event would crash the process.
    this.#queue.on('error', () => undefined);
  }

  /**
   * Pops the inbox for as long as the executor is open: each entry is `{ jobId, result }` or
   * `{ jobId, failedReason }` from a worker, handed to the run waiting for that job (none: a late or
   * repeated outcome, dropped). A Redis error waits a little and pops again; close() disconnects,
   * which ends the loop.
   */
  #startInbox(): void {
    this.#inboxLoop ??= (async () => {
      let multi = true; // BLMPOP (Redis 7) takes every waiting entry in one reply; BLPOP one at a time
      while (!this.#closed) {
        let popped: string[];
        try {
          if (multi) {
            const reply = await this.#inbox.call('BLMPOP', INBOX_BLOCK_SECONDS, 1, this.#inboxKey, 'LEFT', 'COUNT', INBOX_BATCH) as [string, string[]] | null;
            popped = reply?.[1] ?? [];
          } else {
            const reply = await this.#inbox.blpop(this.#inboxKey, INBOX_BLOCK_SECONDS);
            popped = reply === null ? [] : [reply[1]];
          }
        } catch (err) {
          if (this.#closed) return;
          if (multi && /unknown command/i.test((err as Error).message)) multi = false;
          else await new Promise((resolve) => setTimeout(resolve, 200));
          continue;
        }
        for (const text of popped) this.#deliver(text);
      }
    })();
  }

  #deliver(text: string): void {
    let entry: { jobId?: unknown; result?: unknown; failedReason?: unknown };
    try {
      entry = JSON.parse(text) as typeof entry;
    } catch {
      return;
    }
    if (typeof entry.jobId !== 'string') return;
    const outcome: Outcome = typeof entry.failedReason === 'string' ? { ok: false, reason: entry.failedReason } : { ok: true, value: entry.result };
    this.#waiting.get(entry.jobId)?.(outcome, 'inbox');
  }

  /** The producer queue (tests inspect counts and keys through it). */
  get queue(): Queue {
    return this.#queue;
  }

  /** waiting + prioritized + due delayed + active jobs in Redis (scan-backlog.ts). */
  async backlog(now = Date.now()): Promise<ScanBacklog> {
    return withTotal(await this.#redis(readQueueBacklog(this.#queue, now)), 0);
  }

  #jobOptions(job: ScanJobV1): JobsOptions {
    const age = Math.max(1, Math.ceil(this.#opts.retentionMs / 1000));
    return {
      jobId: scanJobId(job.queryId, job.jobIndex),
      attempts: this.#opts.attempts,
      backoff: { type: 'exponential', delay: this.#opts.backoffMs },
      removeOnComplete: { age, count: this.#opts.retentionCount },
      removeOnFail: { age, count: this.#opts.retentionCount },
    };
  }

  async #redis<T>(op: Promise<T>): Promise<T> {
    const url = this.#opts.redisUrl;
    try {
      return await withTimeout(op, this.#opts.connectTimeoutMs, () => queueUnavailable(url, new Error(`no answer within ${this.#opts.connectTimeoutMs} ms`)));
    } catch (err) {
      throw err instanceof AppError ? err : queueUnavailable(url, err);
    }
  }

  async run(jobs: readonly ScanJobV1[], opts: ScanRunOptions): Promise<ScanResultV1[]> {
    if (opts.signal?.aborted === true) throw cancelledError();
    if (Date.now() >= opts.deadline) throw deadlineError(opts.deadline);
    if (jobs.length === 0) return [];
    await this.#redis(this.#queue.waitUntilReady());
    this.#startInbox();

    const byId = new Map(jobs.map((j) => [scanJobId(j.queryId, j.jobIndex), { ...j, deadline: Math.min(j.deadline, opts.deadline), replyTo: this.#inboxKey }]));
    const results = new Map<number, ScanResultV1>();
    let settle!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => { settle = (err) => (err === undefined ? resolve() : reject(err)); });
    done.catch(() => undefined); // awaited below; this only keeps an early rejection from being "unhandled"
    let finished = false;
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      settle(err);
    };
    const onOutcome = (jobId: string, outcome: Outcome, via: Via): void => {
      const job = byId.get(jobId);
      if (job === undefined || finished || results.has(job.jobIndex)) return;
      if (!outcome.ok) return finish(this.#failure(job, outcome.reason));
      try {
        const result = parseScanResult(outcome.value);
        if (result.queryId !== job.queryId || result.jobIndex !== job.jobIndex) throw new AppError('ERR_JOB_CONTRACT', `Job ${jobId} returned the result of ${result.queryId}/${result.jobIndex}.`);
        results.set(job.jobIndex, result);
        this.deliveries[via]++;
        if (results.size === byId.size) finish();
      } catch (err) {
        finish(err);
      }
    };
    const clash = [...byId.keys()].find((id) => this.#waiting.has(id));
    if (clash !== undefined) throw new AppError('ERR_INTERNAL', `Scan job ${clash} is already being waited for: every query needs its own queryId.`, { jobId: clash });
    for (const id of byId.keys()) this.#waiting.set(id, (o, via) => onOutcome(id, o, via));
    const onAbort = (): void => finish(cancelledError());
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => finish(deadlineError(opts.deadline)), Math.max(0, opts.deadline - Date.now()));
    let polling = false;
    const pollOnce = (): void => {
      if (polling || finished) return; // one poll at a time: a slow Redis must not pile them up
      polling = true;
      void this.#poll(byId, results, onOutcome).catch(finish).finally(() => { polling = false; });
    };
    const poll = setInterval(pollOnce, this.#opts.pollIntervalMs ?? 500);
    try {
      await this.#redis(this.#queue.addBulk([...byId.values()].map((data) => ({ name: 'scan', data, opts: this.#jobOptions(data) }))));
      // No poll here: nothing can have finished before its add was answered, and the inbox's
      // listener was in place before it. The interval covers outcomes the inbox missed.
      await done;
    } catch (err) {
      finish(err);
      await this.#removeOutstanding(byId, results, jobs[0]!.queryId);
      throw err;
    } finally {
      clearTimeout(timer);
      clearInterval(poll);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const id of byId.keys()) this.#waiting.delete(id);
    }
    return [...results.values()].sort((a, b) => a.jobIndex - b.jobIndex);
  }

  /** Reads the state of jobs without a result yet, for outcomes the inbox did not bring. */
  async #poll(byId: ReadonlyMap<string, ScanJobV1>, results: ReadonlyMap<number, ScanResultV1>, onOutcome: (id: string, o: Outcome, via: Via) => void): Promise<void> {
    for (const [id, job] of byId) {
      if (results.has(job.jobIndex)) continue;
      const found = await this.#redis(this.#queue.getJob(id));
      if (found === undefined) continue;
      if (found.finishedOn === undefined) continue;
      const state = await this.#redis(found.getState());
      if (state === 'completed') onOutcome(id, { ok: true, value: found.returnvalue }, 'poll');
      else if (state === 'failed') onOutcome(id, { ok: false, reason: found.failedReason }, 'poll');
    }
  }

  /** Removes jobs no worker has taken yet; running jobs stop at their deadline on the worker. */
  async #removeOutstanding(byId: ReadonlyMap<string, ScanJobV1>, results: ReadonlyMap<number, ScanResultV1>, queryId: string): Promise<void> {
    const ids = [...byId].filter(([, j]) => !results.has(j.jobIndex)).map(([id]) => id);
    if (ids.length === 0) return;
    const producer = this.#clients[0]!;
    // Remove first, then announce: a worker freed by the cancel must not find this query's jobs still waiting.
    const work = Promise.allSettled(ids.map((id) => this.#queue.remove(id))).then(() => producer.publish(scanCancelChannel(this.#opts.prefix), queryId));
    await withTimeout(work, this.#opts.connectTimeoutMs, () => new Error('timeout')).catch(() => undefined);
  }

  #failure(job: ScanJobV1, reason: string | undefined): AppError {
    const cause = decodeJobFailure(reason);
    if (cause.code === 'ERR_QUERY_TIMEOUT') return deadlineError(job.deadline);
    return new AppError(
      'ERR_WORKER_FAILED',
      `Scan job ${job.jobIndex} (${job.files.length} file(s)) of query ${job.queryId} failed on a worker: ${cause.code}: ${cause.message}`,
      { queryId: job.queryId, jobIndex: job.jobIndex, cause },
    );
  }

  /** Closes the queue roles, then the Redis clients (at once if Redis does not answer). */
  async close(): Promise<void> {
    this.#closed = true;
    const producer = this.#clients[0]!;
    const graceful = Promise.allSettled([this.#queue.close(), this.#inboxLoop !== undefined ? producer.del(this.#inboxKey) : undefined]);
    await withTimeout(graceful, this.#opts.connectTimeoutMs, () => new Error('close timed out')).catch(() => undefined);
    for (const client of this.#clients) client.disconnect();
  }
}

/**
 * ScaleToZeroScanExecutor: distributed mode when workers may scale to zero (KEDA
 * `minReplicaCount: 0`). Before a query's jobs are queued it asks Redis whether any scan worker is
 * connected (BullMQ `getWorkersCount()`: the workers' named blocking connections in CLIENT LIST; a
 * killed worker's connection disappears with its process). With none, the coordinator runs the
 * jobs itself on the in-process executor rather than let the query wait for a cold start, and
 * remembers them (RecentJobs) so that the backlog it reports still wakes workers for the next
 * queries. With workers, jobs go through BullMQ as usual. Redis unreachable → ERR_QUEUE_UNAVAILABLE,
 * as for every distributed query.
 *
 * While the last answer said workers were there, the jobs are queued at once and the question is
 * asked beside the enqueue (wip/cluster13: the CLIENT LIST round trip was ≈ 1 ms of every query's
 * path on the loaded 2-core machine). Should no worker be left, the queued run is called off — its
 * jobs not yet taken are removed and the cancel is published, exactly as for a cancelled query, so a
 * worker arriving meanwhile drops what it took — and the jobs run here; a result of the called-off
 * run is never used.
 */
import { AppError } from '../errors/index.ts';
import { cancelledError } from './run-partial-query.ts';
import type { ScanJobV1, ScanResultV1 } from '../jobs/index.ts';
import type { BullMQScanExecutor } from './bullmq-scan-executor.ts';
import type { InProcessScanExecutor } from './in-process-scan-executor.ts';
import { queueUnavailable, withTimeout } from './redis-connection.ts';
import { readQueueBacklog, RecentJobs, withTotal, type ScanBacklog } from './scan-backlog.ts';
import type { ScanExecutor, ScanRunOptions } from './scan-executor.ts';

export interface ScaleToZeroOptions {
  readonly redisUrl: string;
  readonly connectTimeoutMs: number;
  /** K3_SCALE_WAKE_WINDOW: how long jobs run here keep counting in the backlog. */
  readonly wakeWindowMs?: number;
}

export class ScaleToZeroScanExecutor implements ScanExecutor {
  readonly kind = 'bullmq';
  readonly remote: BullMQScanExecutor;
  readonly local: InProcessScanExecutor;
  readonly #opts: ScaleToZeroOptions;
  readonly #recent: RecentJobs;
  /** Jobs this coordinator ran itself because no worker was alive (tests and logs). */
  ranLocally = 0;
  /** Whether the last liveness answer saw a worker (then the next query's jobs are queued before asking). */
  #sawWorkers = false;

  constructor(remote: BullMQScanExecutor, local: InProcessScanExecutor, opts: ScaleToZeroOptions) {
    this.remote = remote;
    this.local = local;
    this.#opts = opts;
    this.#recent = new RecentJobs(opts.wakeWindowMs);
  }

  async #redis<T>(op: Promise<T>): Promise<T> {
    try {
      return await withTimeout(op, this.#opts.connectTimeoutMs, () => queueUnavailable(this.#opts.redisUrl, new Error(`no answer within ${this.#opts.connectTimeoutMs} ms`)));
    } catch (err) {
      throw err instanceof AppError ? err : queueUnavailable(this.#opts.redisUrl, err);
    }
  }

  /** Scan workers connected to the queue now. */
  async liveWorkers(): Promise<number> {
    const queue = this.remote.queue;
    return this.#redis(queue.waitUntilReady().then(() => queue.getWorkersCount()));
  }

  async run(jobs: readonly ScanJobV1[], opts: ScanRunOptions): Promise<ScanResultV1[]> {
    if (jobs.length === 0) return this.remote.run(jobs, opts);
    if (!this.#sawWorkers) {
      this.#sawWorkers = (await this.liveWorkers()) > 0;
      return this.#sawWorkers ? this.remote.run(jobs, opts) : this.#runHere(jobs, opts);
    }
    // Workers were there: queue now, ask beside it, take the jobs back if none is left.
    const queued = new AbortController();
    const onAbort = (): void => queued.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted === true) queued.abort();
    const remote = this.remote.run(jobs, { ...opts, signal: queued.signal });
    remote.catch(() => undefined); // awaited below, or called off
    try {
      let live: number;
      try {
        live = await this.liveWorkers();
      } catch (err) {
        queued.abort();
        await remote.catch(() => undefined);
        throw err;
      }
      this.#sawWorkers = live > 0;
      if (this.#sawWorkers) return await remote;
      queued.abort();
      await remote.catch(() => undefined);
      if (opts.signal?.aborted === true) throw cancelledError();
      return await this.#runHere(jobs, opts);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  #runHere(jobs: readonly ScanJobV1[], opts: ScanRunOptions): Promise<ScanResultV1[]> {
    this.#recent.add(jobs.length);
    this.ranLocally += jobs.length;
    return this.local.run(jobs, opts);
  }

  async backlog(now = Date.now()): Promise<ScanBacklog> {
    return withTotal(await this.#redis(readQueueBacklog(this.remote.queue, now)), this.#recent.count(now));
  }

  async close(): Promise<void> {
    try {
      await this.remote.close();
    } finally {
      await this.local.close();
    }
  }
}

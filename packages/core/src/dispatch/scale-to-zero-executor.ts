/**
 * ScaleToZeroScanExecutor: distributed mode when workers may scale to zero (KEDA
 * `minReplicaCount: 0`). Before a query's jobs are queued it asks Redis whether any scan worker is
 * connected (BullMQ `getWorkersCount()`: the workers' named blocking connections in CLIENT LIST; a
 * killed worker's connection disappears with its process). With none, the coordinator runs the
 * jobs itself on the in-process executor rather than let the query wait for a cold start, and
 * remembers them (RecentJobs) so that the backlog it reports still wakes workers for the next
 * queries. With workers, jobs go through BullMQ as usual. Redis unreachable → ERR_QUEUE_UNAVAILABLE,
 * as for every distributed query.
 */
import { AppError } from '../errors/index.ts';
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
    if (jobs.length > 0 && (await this.liveWorkers()) === 0) {
      this.#recent.add(jobs.length);
      this.ranLocally += jobs.length;
      return this.local.run(jobs, opts);
    }
    return this.remote.run(jobs, opts);
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

/**
 * The true scan backlog, what autoscaling should follow (KEDA metrics-api scaler on the
 * coordinator's `GET /internal/scan-backlog`, or the prometheus scaler on `k3_scan_backlog_jobs`).
 * KEDA's Redis list scaler does LLEN on one key and misses BullMQ's `prioritized` and `delayed`
 * sorted sets; this counts them:
 *
 *   total = waiting + prioritized + due delayed + active + coordinator
 *
 * `delayed` jobs (retry backoff) count once due: BullMQ 5 scores a delayed job
 * `timestamp × 0x1000 + counter` (counter < 0x1000), so the due ones have a score
 * ≤ (now + 1) × 0x1000 − 1. `coordinator` is the jobs the coordinator ran itself because no worker
 * was alive (scale to zero) within the last K3_SCALE_WAKE_WINDOW (default COORDINATOR_WINDOW_MS):
 * that demand must wake workers for the next queries although nothing waits in Redis.
 */
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export interface ScanBacklog {
  readonly waiting: number;
  readonly prioritized: number;
  /** Every delayed job (due or not), for information. */
  readonly delayed: number;
  readonly delayedDue: number;
  readonly active: number;
  /** Jobs the coordinator ran itself (no live worker) within the last COORDINATOR_WINDOW_MS. */
  readonly coordinator: number;
  /** waiting + prioritized + delayedDue + active + coordinator: the number KEDA scales on. */
  readonly total: number;
}

/** How long jobs the coordinator ran itself keep counting in the backlog (twice KEDA's default 30 s polling interval). */
export const COORDINATOR_WINDOW_MS = 60_000;

export function delayedDueMaxScore(now: number): number {
  return (Math.floor(now) + 1) * 0x1000 - 1;
}

export async function readQueueBacklog(queue: Queue, now = Date.now()): Promise<Omit<ScanBacklog, 'coordinator' | 'total'>> {
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
  // ioredis underneath (BullMQ's IRedisClient type does not declare ZCOUNT).
  const client = (await queue.client) as unknown as Pick<Redis, 'zcount'>;
  const delayedDue = await client.zcount(queue.keys.delayed!, 0, delayedDueMaxScore(now));
  return { waiting: counts.waiting ?? 0, prioritized: counts.prioritized ?? 0, delayed: counts.delayed ?? 0, delayedDue, active: counts.active ?? 0 };
}

export function withTotal(queue: Omit<ScanBacklog, 'coordinator' | 'total'>, coordinator: number): ScanBacklog {
  return { ...queue, coordinator, total: queue.waiting + queue.prioritized + queue.delayedDue + queue.active + coordinator };
}

/** Timestamps of jobs run on the coordinator; `count(now)` = those within the window. */
export class RecentJobs {
  readonly #times: number[] = [];
  readonly #windowMs: number;
  constructor(windowMs = COORDINATOR_WINDOW_MS) {
    this.#windowMs = windowMs;
  }
  add(n: number, now = Date.now()): void {
    for (let i = 0; i < n; i++) this.#times.push(now);
  }
  count(now = Date.now()): number {
    while (this.#times.length > 0 && this.#times[0]! < now - this.#windowMs) this.#times.shift();
    return this.#times.length;
  }
}

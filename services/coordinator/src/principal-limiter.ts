/**
 * PrincipalLimiter: at most `maxRunning` statements per principal run at once on this coordinator;
 * up to `maxQueued` more wait in FIFO order; beyond that a request is refused with 429
 * ERR_TOO_MANY_REQUESTS (the error handler sets Retry-After from details.retryAfterSeconds).
 * One principal flooding the server therefore holds at most `maxRunning` DuckDB connections (and
 * libuv threads), and other principals' statements keep running. A waiter whose client went away
 * leaves the queue.
 */
import { AppError, type Config } from '@k3/core';

interface Lane {
  running: number;
  queue: Array<() => void>;
}

export class PrincipalLimiter {
  readonly #lanes = new Map<string, Lane>();
  readonly #maxRunning: number;
  readonly #maxQueued: number;

  constructor(opts: { maxRunning: number; maxQueued: number }) {
    this.#maxRunning = opts.maxRunning;
    this.#maxQueued = opts.maxQueued;
  }

  /** Runs `fn` in one of the principal's slots. */
  async run<T>(principal: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(principal, signal);
    try {
      return await fn();
    } finally {
      this.#release(principal);
    }
  }

  async #acquire(principal: string, signal: AbortSignal | undefined): Promise<void> {
    let lane = this.#lanes.get(principal);
    if (lane === undefined) this.#lanes.set(principal, (lane = { running: 0, queue: [] }));
    if (lane.running < this.#maxRunning) {
      lane.running++;
      return;
    }
    if (lane.queue.length >= this.#maxQueued) {
      throw new AppError(
        'ERR_TOO_MANY_REQUESTS',
        `Token "${principal}" already has ${lane.running} statements running and ${lane.queue.length} waiting (K3_MAX_CONCURRENT_PER_PRINCIPAL / K3_MAX_QUEUED_PER_PRINCIPAL); retry after a moment.`,
        { retryAfterSeconds: 1 },
      );
    }
    const current = lane;
    await new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const at = current.queue.indexOf(grant);
        if (at >= 0) current.queue.splice(at, 1);
        reject(new AppError('ERR_QUERY_CANCELLED', 'The request was cancelled while it waited for a slot.'));
      };
      current.queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #release(principal: string): void {
    const lane = this.#lanes.get(principal);
    if (lane === undefined) return;
    const next = lane.queue.shift();
    // The slot passes straight to the next waiter (running stays the same).
    if (next !== undefined) next();
    else if (--lane.running === 0) this.#lanes.delete(principal);
  }
}

/** The process's limiter from its config; main.ts builds ONE and hands it to every wire. */
export function principalLimiterOf(config: Pick<Config, 'K3_MAX_CONCURRENT_PER_PRINCIPAL' | 'K3_MAX_QUEUED_PER_PRINCIPAL'>): PrincipalLimiter {
  return new PrincipalLimiter({ maxRunning: config.K3_MAX_CONCURRENT_PER_PRINCIPAL, maxQueued: config.K3_MAX_QUEUED_PER_PRINCIPAL });
}

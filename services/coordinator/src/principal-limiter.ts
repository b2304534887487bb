/**
 * PrincipalLimiter: per-principal lanes with a fair share of the coordinator's statement slots
 * (docs/design/statement-analysis.md, "Fairness between principals").
 *
 *  - Alone, a principal runs up to `maxRunning` statements at once; up to `maxQueued` more wait in
 *    FIFO order; beyond `maxRunning + maxQueued` in flight a request is refused with 429
 *    ERR_TOO_MANY_REQUESTS (the error handler sets Retry-After from details.retryAfterSeconds).
 *  - When several principals are active (running, queued, or finished a statement within the last
 *    `activeWindowMs`), each may run only its share: max(1, floor(slots / active principals)),
 *    never more than `maxRunning`. A flooding principal therefore yields CPU (DuckDB's threads are
 *    shared by every running statement) as soon as someone else shows up, and keeps it while that
 *    someone sends statement after statement. Running statements are never interrupted: a lane over
 *    its share just gets no new slot until it is back under it.
 *  - Freed slots are handed out round-robin over the lanes with waiters, so no lane is starved.
 *
 * A waiter whose client went away leaves the queue.
 */
import { availableParallelism } from 'node:os';
import { AppError } from '@k3/core';
import type { Config } from '@k3/core/config';

interface Lane {
  running: number;
  readonly queue: Array<() => void>;
  /** When its last statement finished (clock ms); with nothing running or queued the lane stays active until lastDone + activeWindowMs. */
  lastDone: number;
}

export interface PrincipalLimiterOptions {
  /** Statements one principal may run at once (K3_MAX_CONCURRENT_PER_PRINCIPAL). */
  readonly maxRunning: number;
  /** Statements one principal may have waiting (K3_MAX_QUEUED_PER_PRINCIPAL). */
  readonly maxQueued: number;
  /** Slots shared out when principals compete (K3_STATEMENT_SLOTS; default: maxRunning, i.e. no sharing below it). */
  readonly slots?: number;
  /** How long a principal counts as active after its last statement (default 1 s). */
  readonly activeWindowMs?: number;
  readonly clock?: () => number;
}

export const DEFAULT_ACTIVE_WINDOW_MS = 1000;

export class PrincipalLimiter {
  readonly #lanes = new Map<string, Lane>();
  readonly #maxRunning: number;
  readonly #maxQueued: number;
  readonly #slots: number;
  readonly #activeWindowMs: number;
  readonly #clock: () => number;
  /** Lane order for round-robin: the next dispatch starts after the lane served last. */
  #lastServed: string | undefined;

  constructor(opts: PrincipalLimiterOptions) {
    this.#maxRunning = opts.maxRunning;
    this.#maxQueued = opts.maxQueued;
    this.#slots = Math.max(1, opts.slots ?? opts.maxRunning);
    this.#activeWindowMs = opts.activeWindowMs ?? DEFAULT_ACTIVE_WINDOW_MS;
    this.#clock = opts.clock ?? Date.now;
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

  /** Statements a principal may run now: its share of the slots among the active principals. */
  share(): number {
    const now = this.#clock();
    let active = 0;
    for (const lane of this.#lanes.values()) if (this.#isActive(lane, now)) active++;
    if (active <= 1) return this.#maxRunning;
    return Math.max(1, Math.min(this.#maxRunning, Math.floor(this.#slots / active)));
  }

  /** Running and queued statements of a principal (0 / 0 when it has none). */
  laneOf(principal: string): { running: number; queued: number } {
    const lane = this.#lanes.get(principal);
    return { running: lane?.running ?? 0, queued: lane?.queue.length ?? 0 };
  }

  #isActive(lane: Lane, now: number): boolean {
    return lane.running > 0 || lane.queue.length > 0 || now - lane.lastDone < this.#activeWindowMs;
  }

  async #acquire(principal: string, signal: AbortSignal | undefined): Promise<void> {
    this.#sweep();
    let lane = this.#lanes.get(principal);
    if (lane === undefined) this.#lanes.set(principal, (lane = { running: 0, queue: [], lastDone: this.#clock() }));
    if (lane.queue.length === 0 && lane.running < this.share()) {
      lane.running++;
      return;
    }
    // The bound on what one principal has in flight does not move with its share: maxRunning + maxQueued.
    if (lane.running + lane.queue.length >= this.#maxRunning + this.#maxQueued) {
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
    lane.running--;
    lane.lastDone = this.#clock();
    this.#dispatch();
  }

  /** Hands free slots to waiting lanes, round-robin, each up to the current share. */
  #dispatch(): void {
    const names = [...this.#lanes.keys()];
    const start = this.#lastServed === undefined ? 0 : names.indexOf(this.#lastServed) + 1;
    let granted = true;
    while (granted) {
      granted = false;
      const share = this.share();
      for (let k = 0; k < names.length; k++) {
        const name = names[(start + k) % names.length]!;
        const lane = this.#lanes.get(name)!;
        if (lane.queue.length === 0 || lane.running >= share) continue;
        lane.running++;
        lane.queue.shift()!();
        this.#lastServed = name;
        granted = true;
      }
    }
    this.#sweep();
  }

  /** Forgets lanes that are idle and past their active window. */
  #sweep(): void {
    const now = this.#clock();
    for (const [name, lane] of this.#lanes) if (!this.#isActive(lane, now)) this.#lanes.delete(name);
  }
}

/** The process's limiter from its config (K3_MAX_CONCURRENT_PER_PRINCIPAL, K3_MAX_QUEUED_PER_PRINCIPAL, K3_STATEMENT_SLOTS). */
export function principalLimiterOf(config: Pick<Config, 'K3_MAX_CONCURRENT_PER_PRINCIPAL' | 'K3_MAX_QUEUED_PER_PRINCIPAL' | 'K3_STATEMENT_SLOTS'>): PrincipalLimiter {
  return new PrincipalLimiter({
    maxRunning: config.K3_MAX_CONCURRENT_PER_PRINCIPAL,
    maxQueued: config.K3_MAX_QUEUED_PER_PRINCIPAL,
    slots: config.K3_STATEMENT_SLOTS > 0 ? config.K3_STATEMENT_SLOTS : availableParallelism(),
  });
}

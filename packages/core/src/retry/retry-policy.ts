/**
 * RetryPolicy: the ONE retry helper — bounded attempts, exponential backoff with full jitter
 * (delay before retry n = random() × min(maxDelay, base × 2^(n-1))), and a predicate deciding what
 * is worth retrying (docs/design/faults.md, "Retry policy").
 *
 * Used by the store decorator (transient store failures), by every path that re-runs a lost Delta
 * commit race (isCommitConflict, delta/commit-conflict.ts) and by whatever else needs to try again.
 * `onRetry` runs before each backoff and may throw to stop early (a compactor that was fenced).
 */
import { isAppError } from '../errors/index.ts';
import type { Random } from './seeded-random.ts';

export interface RetryOptions {
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** What may be retried; default: AppErrors whose registry entry is retryable. */
  readonly retryIf?: (err: unknown) => boolean;
  /** Injected for deterministic tests. */
  readonly random?: Random;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const retryableAppError = (err: unknown): boolean => isAppError(err) && err.retryable;

export class RetryPolicy {
  readonly maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #retryIf: (err: unknown) => boolean;
  readonly #random: Random;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: RetryOptions = {}) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#baseDelayMs = options.baseDelayMs ?? 50;
    this.#maxDelayMs = options.maxDelayMs ?? 2000;
    this.#retryIf = options.retryIf ?? retryableAppError;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? defaultSleep;
  }

  /** The backoff before retry number `attempt` (1 = the first retry). */
  delayMs(attempt: number): number {
    const cap = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.#random() * cap);
  }

  /**
   * Runs `op` (given the attempt number, from 1) until it succeeds, fails with something
   * `retryIf` refuses, or `maxAttempts` is spent (the last error is rethrown).
   */
  async run<T>(op: (attempt: number) => Promise<T>, onRetry?: (err: unknown, attempt: number) => void | Promise<void>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await op(attempt);
      } catch (err) {
        if (!this.#retryIf(err) || attempt >= this.maxAttempts) throw err;
        await onRetry?.(err, attempt);
        await this.#sleep(this.delayMs(attempt));
      }
    }
  }
}

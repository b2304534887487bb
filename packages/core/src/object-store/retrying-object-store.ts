/**
 * RetryingObjectStore: retries transient store failures through the one RetryPolicy
 * (retry/retry-policy.ts: exponential backoff, full jitter). Only AppErrors whose registry spec is
 * retryable (ERR_STORE_UNAVAILABLE) are retried; everything else is rethrown at once.
 *
 * Ambiguous putIfAbsent: when an attempt fails without an answer (timeout, reset, 5xx), the create
 * may still have landed. The retry then finds the object and returns false — wrongly telling the
 * caller it lost a race it won. So on a retry that returns false we read the object back and return
 * true if its bytes equal ours. This is sound when the bytes are unique to the writer: a Delta
 * commit or WAL record carries a transaction id and timestamp, so two writers never produce
 * identical bytes. Callers that could write identical bytes from two writers must embed a unique
 * token if they need to tell which one won.
 *
 * All operations are safe to repeat: get/head/list read, put overwrites with the same bytes,
 * deleteMany ignores missing keys.
 */
import { RetryPolicy, type RetryOptions } from '../retry/retry-policy.ts';
import type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from './object-store.ts';
import { putLocalFile } from './put-local-file.ts';

export { RetryPolicy, type RetryOptions };

export class RetryingObjectStore implements ObjectStore {
  readonly inner: ObjectStore;
  readonly url: string;
  readonly policy: RetryPolicy;

  /** Told the operation's name before each retry (the store metrics count them). */
  readonly #onRetry: ((op: string) => void) | undefined;

  constructor(inner: ObjectStore, options: RetryOptions | RetryPolicy = {}, onRetry?: (op: string) => void) {
    this.inner = inner;
    this.url = inner.url;
    this.policy = options instanceof RetryPolicy ? options : new RetryPolicy(options);
    this.#onRetry = onRetry;
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    return this.#retry('get', () => this.inner.get(key, range));
  }

  head(key: string): Promise<ObjectMeta | undefined> {
    return this.#retry('head', () => this.inner.head(key));
  }

  put(key: string, body: Uint8Array): Promise<void> {
    return this.#retry('put', () => this.inner.put(key, body));
  }

  backgroundWork(): () => void {
    return this.inner.backgroundWork?.() ?? (() => undefined);
  }

  get listScansDirectory(): boolean | undefined {
    return this.inner.listScansDirectory;
  }

  /** Retried as `put` is: the file stays in place, so a second attempt stores the same bytes. */
  putFile(key: string, file: string): Promise<number> {
    return this.#retry('put', () => putLocalFile(this.inner, key, file));
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    let failedBefore = false;
    const created = await this.#retry(
      'putIfAbsent',
      () => this.inner.putIfAbsent(key, body),
      () => (failedBefore = true),
    );
    if (created || !failedBefore) return created;
    const existing = await this.get(key);
    return existing !== undefined && sameBytes(existing, body);
  }

  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.#retry('list', () => this.inner.list(prefix, options));
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.#retry('deleteMany', () => this.inner.deleteMany(keys));
  }

  /** The backoff before retry number `attempt` (1 = the first retry). */
  delayMs(attempt: number): number {
    return this.policy.delayMs(attempt);
  }

  #retry<T>(name: string, op: () => Promise<T>, onRetryableFailure?: () => void): Promise<T> {
    return this.policy.run(op, () => {
      onRetryableFailure?.();
      this.#onRetry?.(name);
    });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/**
 * A fault-injecting fake for unit tests: wraps a store and fails scheduled calls with an AppError.
 * 'before' fails without touching the inner store (the request never arrived); 'after' performs
 * the call and then fails (the request landed but the answer was lost — the ambiguous case).
 */
import { AppError, type ErrorCode } from '../../src/errors/index.ts';
import type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from '../../src/object-store/object-store.ts';

type Op = 'get' | 'head' | 'put' | 'putIfAbsent' | 'list' | 'deleteMany';
interface Fault {
  readonly when: 'before' | 'after';
  readonly code: ErrorCode;
}

export class FlakyObjectStore implements ObjectStore {
  readonly url: string;
  readonly calls: Op[] = [];
  readonly #inner: ObjectStore;
  readonly #faults = new Map<Op, Fault[]>();

  constructor(inner: ObjectStore) {
    this.#inner = inner;
    this.url = inner.url;
  }

  /** Schedules the next `times` calls of `op` to fail. */
  fail(op: Op, times: number, when: Fault['when'] = 'before', code: ErrorCode = 'ERR_STORE_UNAVAILABLE'): this {
    const queue = this.#faults.get(op) ?? [];
    for (let i = 0; i < times; i++) queue.push({ when, code });
    this.#faults.set(op, queue);
    return this;
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    return this.#call('get', () => this.#inner.get(key, range));
  }
  head(key: string): Promise<ObjectMeta | undefined> {
    return this.#call('head', () => this.#inner.head(key));
  }
  put(key: string, body: Uint8Array): Promise<void> {
    return this.#call('put', () => this.#inner.put(key, body));
  }
  putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    return this.#call('putIfAbsent', () => this.#inner.putIfAbsent(key, body));
  }
  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.#call('list', () => this.#inner.list(prefix, options));
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.#call('deleteMany', () => this.#inner.deleteMany(keys));
  }

  async #call<T>(op: Op, run: () => Promise<T>): Promise<T> {
    this.calls.push(op);
    const fault = this.#faults.get(op)?.shift();
    if (fault === undefined) return run();
    const error = new AppError(fault.code, `injected ${fault.code} ${fault.when} ${op}`);
    if (fault.when === 'after') await run();
    throw error;
  }
}

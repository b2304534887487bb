/**
 * A store that runs a one-shot hook just before the first create-if-absent of a commit file, to
 * stage a concurrent writer deterministically between a transaction's read and its commit.
 */
import type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from '../../../src/object-store/object-store.ts';

export class HookedStore implements ObjectStore {
  readonly inner: ObjectStore;
  #hook: (() => Promise<void>) | undefined;

  constructor(inner: ObjectStore) {
    this.inner = inner;
  }

  get url(): string {
    return this.inner.url;
  }

  beforeNextCommit(hook: () => Promise<void>): void {
    this.#hook = hook;
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const hook = this.#hook;
    if (hook !== undefined && /_delta_log\/\d{20}\.json$/.test(key)) {
      this.#hook = undefined;
      await hook();
    }
    return this.inner.putIfAbsent(key, body);
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    return this.inner.get(key, range);
  }
  head(key: string): Promise<ObjectMeta | undefined> {
    return this.inner.head(key);
  }
  put(key: string, body: Uint8Array): Promise<void> {
    return this.inner.put(key, body);
  }
  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    return this.inner.list(prefix, options);
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.inner.deleteMany(keys);
  }
}

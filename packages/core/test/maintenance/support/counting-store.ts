/** Records every GET and LIST that reaches the wrapped store (GET-count proofs). */
import type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from '../../../src/object-store/object-store.ts';

export class CountingStore implements ObjectStore {
  readonly inner: ObjectStore;
  readonly gets: string[] = [];
  lists = 0;

  constructor(inner: ObjectStore) {
    this.inner = inner;
  }

  get url(): string {
    return this.inner.url;
  }

  reset(): void {
    this.gets.length = 0;
    this.lists = 0;
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    this.gets.push(key);
    return this.inner.get(key, range);
  }
  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    this.lists++;
    return this.inner.list(prefix, options);
  }
  head(key: string): Promise<ObjectMeta | undefined> {
    return this.inner.head(key);
  }
  put(key: string, body: Uint8Array): Promise<void> {
    return this.inner.put(key, body);
  }
  putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    return this.inner.putIfAbsent(key, body);
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.inner.deleteMany(keys);
  }
}

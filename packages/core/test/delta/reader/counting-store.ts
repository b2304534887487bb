/** Test/bench decorator: records every GET, HEAD and LIST that reaches the wrapped store. */
import type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from '../../../src/object-store/index.ts';

export class CountingObjectStore implements ObjectStore {
  readonly inner: ObjectStore;
  readonly gets: string[] = [];
  readonly lists: { prefix: string; options: ListOptions | undefined }[] = [];
  readonly heads: string[] = [];

  constructor(inner: ObjectStore) {
    this.inner = inner;
  }

  get url(): string {
    return this.inner.url;
  }

  get listScansDirectory(): boolean | undefined {
    return this.inner.listScansDirectory;
  }

  reset(): void {
    this.gets.length = 0;
    this.lists.length = 0;
    this.heads.length = 0;
  }

  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    this.gets.push(key);
    return this.inner.get(key, range);
  }
  head(key: string): Promise<ObjectMeta | undefined> {
    this.heads.push(key);
    return this.inner.head(key);
  }
  put(key: string, body: Uint8Array): Promise<void> {
    return this.inner.put(key, body);
  }
  putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    return this.inner.putIfAbsent(key, body);
  }
  list(prefix: string, options?: ListOptions): Promise<ListResult> {
    this.lists.push({ prefix, options });
    return this.inner.list(prefix, options);
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.inner.deleteMany(keys);
  }
}

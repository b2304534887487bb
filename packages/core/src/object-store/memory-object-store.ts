/**
 * MemoryObjectStore: the in-process adapter for unit tests and K3_STORE=memory. It honours the
 * full ObjectStore contract (atomic putIfAbsent, UTF-8 list order, ranges) so that code tested
 * against it behaves the same on S3. Bytes are copied in and out: callers can never mutate what
 * is stored. Every method yields once so that callers cannot rely on synchronous completion.
 */
import { createHash } from 'node:crypto';
import { assertValidKey, assertValidPrefix } from './assert-valid-key.ts';
import { listFromEntries } from './list-keys.ts';
import type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from './object-store.ts';

interface Entry {
  readonly meta: ObjectMeta;
  readonly body: Uint8Array;
}

export class MemoryObjectStore implements ObjectStore {
  readonly url: string;
  readonly #objects = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(options: { name?: string; now?: () => number } = {}) {
    this.url = `memory://${options.name ?? 'store'}/`;
    this.#now = options.now ?? Date.now;
  }

  async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    assertValidKey(key);
    await Promise.resolve();
    const entry = this.#objects.get(key);
    if (entry === undefined) return undefined;
    return range === undefined ? entry.body.slice() : entry.body.slice(range.start, Math.max(range.start, range.end));
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    assertValidKey(key);
    await Promise.resolve();
    return this.#objects.get(key)?.meta;
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    assertValidKey(key);
    await Promise.resolve();
    this.#set(key, body);
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    assertValidKey(key);
    await Promise.resolve();
    // Check and set happen in one synchronous step: no other caller can interleave.
    if (this.#objects.has(key)) return false;
    this.#set(key, body);
    return true;
  }

  async list(prefix: string, options?: ListOptions): Promise<ListResult> {
    assertValidPrefix(prefix);
    await Promise.resolve();
    return listFromEntries([...this.#objects.values()].map((e) => e.meta), prefix, options);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const key of keys) assertValidKey(key);
    await Promise.resolve();
    for (const key of keys) this.#objects.delete(key);
  }

  #set(key: string, body: Uint8Array): void {
    const copy = body.slice();
    const etag = createHash('md5').update(copy).digest('hex');
    this.#objects.set(key, { body: copy, meta: { key, size: copy.byteLength, lastModified: this.#now(), etag } });
  }
}

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.ts';
import { FileCache } from '../../src/exec/index.ts';
import { LocalObjectStore, MemoryObjectStore, RetryingObjectStore, type ByteRange } from '../../src/object-store/index.ts';

/** A real MemoryObjectStore that counts GETs per key (and can slow them down). */
class CountingStore extends MemoryObjectStore {
  readonly gets = new Map<string, number>();
  delayMs = 0;
  override async get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    this.gets.set(key, (this.gets.get(key) ?? 0) + 1);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    return super.get(key, range);
  }
  count(key: string): number {
    return this.gets.get(key) ?? 0;
  }
}

function bytes(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}

function cachedFiles(dir: string): string[] {
  return readdirSync(dir).filter((d) => d !== 'tmp').flatMap((d) => readdirSync(join(dir, d)));
}

describe('FileCache', () => {
  let dir: string;
  let store: CountingStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k3-file-cache-'));
    store = new CountingStore({ name: 'bucket-a' });
    for (const [k, fill] of [['t/a.parquet', 1], ['t/b.parquet', 2], ['t/c.parquet', 3], ['t/d.parquet', 4]] as const) {
      await store.put(k, bytes(100, fill));
    }
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('downloads a file once and serves later requests from disk', async () => {
    const cache = new FileCache({ dir, maxBytes: 10_000 });
    const p1 = await cache.localPath(store, 't/a.parquet', 100);
    const p2 = await cache.localPath(store, 't/a.parquet');
    expect(p2).toBe(p1);
    expect(p1.startsWith(dir)).toBe(true);
    expect(readFileSync(p1)).toEqual(Buffer.from(bytes(100, 1)));
    expect(store.count('t/a.parquet')).toBe(1);
    expect(cache.bytes).toBe(100);
  });

  it('dedupes concurrent fetches of the same file', async () => {
    store.delayMs = 30;
    const cache = new FileCache({ dir, maxBytes: 10_000 });
    const paths = await Promise.all(Array.from({ length: 5 }, () => cache.localPath(store, 't/b.parquet')));
    expect(new Set(paths).size).toBe(1);
    expect(store.count('t/b.parquet')).toBe(1);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('keys by store URL and key: the same key in another store is another file', async () => {
    const other = new CountingStore({ name: 'bucket-b' });
    await other.put('t/a.parquet', bytes(100, 9));
    const cache = new FileCache({ dir, maxBytes: 10_000 });
    const pa = await cache.localPath(store, 't/a.parquet');
    const pb = await cache.localPath(other, 't/a.parquet');
    expect(pa).not.toBe(pb);
    expect(readFileSync(pb)[0]).toBe(9);
  });

  it('a missing object is ERR_DELTA_DATA_FILE_MISSING naming the file', async () => {
    const cache = new FileCache({ dir, maxBytes: 10_000 });
    const err = await cache.localPath(store, 't/vacuumed.parquet').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ERR_DELTA_DATA_FILE_MISSING');
    expect((err as AppError).message).toContain('t/vacuumed.parquet');
    expect((err as AppError).message).toContain('memory://bucket-a/');
  });

  it('refuses a file whose size differs from the Delta log', async () => {
    const cache = new FileCache({ dir, maxBytes: 10_000 });
    const err = await cache.localPath(store, 't/a.parquet', 99).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('ERR_DELTA_LOG_CORRUPT');
    expect(cachedFiles(dir)).toEqual([]);
  });

  it('evicts the least recently used files beyond maxBytes', async () => {
    const cache = new FileCache({ dir, maxBytes: 250 });
    const pa = await cache.localPath(store, 't/a.parquet');
    const pb = await cache.localPath(store, 't/b.parquet');
    await cache.localPath(store, 't/a.parquet'); // a is now more recent than b
    await cache.localPath(store, 't/c.parquet');
    expect(cache.bytes).toBe(200);
    await new Promise((r) => setTimeout(r, 20)); // unlink is asynchronous
    expect(existsSync(pb)).toBe(false);
    expect(existsSync(pa)).toBe(true);
    await cache.localPath(store, 't/a.parquet');
    await cache.localPath(store, 't/b.parquet');
    expect(store.count('t/a.parquet')).toBe(1);
    expect(store.count('t/b.parquet')).toBe(2);
  });

  it('never evicts files pinned by a lease; evicts once the lease is released', async () => {
    const cache = new FileCache({ dir, maxBytes: 250 });
    const lease = await cache.acquire(store, [{ key: 't/a.parquet', size: 100 }, 't/b.parquet', 't/c.parquet']);
    expect([...lease.paths.keys()].sort()).toEqual(['t/a.parquet', 't/b.parquet', 't/c.parquet']);
    await cache.localPath(store, 't/d.parquet');
    // 400 bytes > 250: a, b, c are pinned and d was just handed out by localPath, so nothing goes yet.
    expect(cache.bytes).toBe(400);
    for (const p of lease.paths.values()) expect(existsSync(p)).toBe(true);
    lease.release();
    lease.release(); // idempotent
    expect(cache.bytes).toBeLessThanOrEqual(250);
  });

  it('localPath of a file larger than the whole cache still returns a readable file', async () => {
    await store.put('t/huge.parquet', bytes(500, 5));
    const cache = new FileCache({ dir, maxBytes: 100 });
    const p = await cache.localPath(store, 't/huge.parquet');
    await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(p)[0]).toBe(5);
  });

  it('releases its pins when a fetch in the lease fails', async () => {
    const cache = new FileCache({ dir, maxBytes: 150 });
    await expect(cache.acquire(store, ['t/a.parquet', 't/missing.parquet', 't/b.parquet'])).rejects.toThrow(/missing/);
    await cache.localPath(store, 't/c.parquet');
    expect(cache.bytes).toBeLessThanOrEqual(150);
  });

  it('adopts the files of an earlier run after a restart', async () => {
    const first = new FileCache({ dir, maxBytes: 10_000 });
    const p = await first.localPath(store, 't/a.parquet');
    await mkdir(join(dir, 'tmp'), { recursive: true });
    await writeFile(join(dir, 'tmp', 'half-written.tmp'), 'x');
    const second = new FileCache({ dir, maxBytes: 10_000 });
    expect(await second.localPath(store, 't/a.parquet')).toBe(p);
    expect(store.count('t/a.parquet')).toBe(1);
    expect(second.bytes).toBe(100);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });
});

describe('FileCache with a local-directory store', () => {
  let dir: string;
  let root: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'k3-file-cache-'));
    root = await mkdtemp(join(tmpdir(), 'k3-local-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  it('copies through the cache when the store is not a local directory', async () => {
    const remote = new MemoryObjectStore();
    await remote.put('t/a.parquet', bytes(10, 7));
    const cache = new FileCache({ dir, maxBytes: 1000 });
    const p = await cache.localPath(remote, 't/a.parquet');
    expect(readFileSync(p)[0]).toBe(7);
    expect(cachedFiles(dir)).toHaveLength(1);
  });

  it('reads a local directory store in place, through decorators, and reports missing files', async () => {
    let gets = 0;
    class CountingLocalStore extends LocalObjectStore {
      override get(key: string, range?: ByteRange) {
        gets++;
        return super.get(key, range);
      }
    }
    const local = new CountingLocalStore(root);
    await local.put('t/a.parquet', bytes(10, 7));
    const wrapped = new RetryingObjectStore(local);
    const cache = new FileCache({ dir, maxBytes: 1000 });
    expect(await cache.localPath(wrapped, 't/a.parquet')).toBe(join(root, 't', 'a.parquet'));
    expect(gets).toBe(0);
    expect(cachedFiles(dir)).toEqual([]);
    await expect(cache.localPath(wrapped, 't/gone.parquet')).rejects.toMatchObject({ code: 'ERR_DELTA_DATA_FILE_MISSING' });
  });
});

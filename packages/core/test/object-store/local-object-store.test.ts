import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { LocalObjectStore, mapFsError } from '../../src/object-store/local-object-store.ts';
import { runObjectStoreContract } from './contract.ts';
import { putLocalFile } from '../../src/object-store/put-local-file.ts';
import { RetryingObjectStore } from '../../src/object-store/retrying-object-store.ts';
import { InstrumentedObjectStore } from '../../src/object-store/instrumented-object-store.ts';
import { FaultyObjectStore } from '../../src/object-store/faulty-object-store.ts';
import { MemoryObjectStore } from '../../src/object-store/memory-object-store.ts';

const base = await fs.mkdtemp(path.join(os.tmpdir(), 'k3-local-store-'));
let n = 0;
// A root that does not exist yet: the store must create it lazily on the first write.
const makeStore = async (): Promise<LocalObjectStore> => new LocalObjectStore(path.join(base, `s${n++}`, 'bucket'));

afterAll(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

runObjectStoreContract('local directory', makeStore, { pagingPastThousand: true });
// The same contract with every PUT through the thread pool (what a slow in-line PUT falls back to).
runObjectStoreContract('local directory, PUTs on the thread pool', async () => new LocalObjectStore(path.join(base, `s${n++}`, 'bucket'), { inlinePutBytes: 0 }));

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(path.relative(dir, path.join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

describe('LocalObjectStore specifics', () => {
  it('maps keys to files under the root and reports a file:// url', async () => {
    const store = await makeStore();
    await store.put('tables/t/_delta_log/00000000000000000000.json', bytes('{}'));
    expect(await fs.readFile(path.join(store.rootDir, 'tables', 't', '_delta_log', '00000000000000000000.json'), 'utf8')).toBe('{}');
    expect(store.url).toMatch(/^file:\/\/.*\/bucket\/$/);
  });

  it('putFile adopts a file on the same file system by a hard link (no copy), through the decorators too', async () => {
    const store = await makeStore();
    const source = path.join(base, `adopt-${n++}.parquet`);
    await fs.writeFile(source, bytes('parquet bytes'));
    const decorated = new InstrumentedObjectStore(new RetryingObjectStore(store));
    expect(await putLocalFile(decorated, 'tables/t/part-0.parquet', source)).toBe(13);
    const [src, obj] = await Promise.all([fs.stat(source), fs.stat(path.join(store.rootDir, 'tables', 't', 'part-0.parquet'))]);
    expect(obj.ino).toBe(src.ino);
    expect(obj.nlink).toBe(2);
    await fs.rm(source);
    expect(new TextDecoder().decode(await store.get('tables/t/part-0.parquet'))).toBe('parquet bytes');
    expect(await filesUnder(store.rootDir)).toEqual(['tables', path.join('tables', 't'), path.join('tables', 't', 'part-0.parquet')]);
  });

  it('putFile copies a file from another file system (link(2) refuses with EXDEV)', async () => {
    const store = await makeStore();
    await store.put('marker', bytes('root exists'));
    const other = await fs.mkdtemp('/dev/shm/k3-put-file-');
    try {
      // /dev/shm is a tmpfs: another device than the store's directory, so link(2) cannot be used.
      expect((await fs.stat(other)).dev).not.toBe((await fs.stat(store.rootDir)).dev);
      const source = path.join(other, 'part.parquet');
      await fs.writeFile(source, bytes('from tmpfs'));
      expect(await store.putFile('x/part.parquet', source)).toBe(10);
      const obj = await fs.stat(path.join(store.rootDir, 'x', 'part.parquet'));
      expect(obj.nlink).toBe(1);
      expect(new TextDecoder().decode(await store.get('x/part.parquet'))).toBe('from tmpfs');
      expect(await fs.readFile(source, 'utf8')).toBe('from tmpfs');
    } finally {
      await fs.rm(other, { recursive: true, force: true });
    }
  });

  it('leaves no temp files behind after put and putIfAbsent (won or lost)', async () => {
    const store = await makeStore();
    await store.put('a/x', bytes('1'));
    await store.put('a/x', bytes('2'));
    expect(await store.putIfAbsent('a/y', bytes('3'))).toBe(true);
    expect(await store.putIfAbsent('a/y', bytes('4'))).toBe(false);
    expect(await filesUnder(store.rootDir)).toEqual(['a', path.join('a', 'x'), path.join('a', 'y')]);
  });

  it('leaves no temp files behind on the thread-pool path either', async () => {
    const store = new LocalObjectStore(path.join(base, `s${n++}`, 'bucket'), { inlinePutBytes: 0 });
    await store.put('a/x', bytes('1'));
    expect(await store.putIfAbsent('a/y', bytes('3'))).toBe(true);
    expect(await store.putIfAbsent('a/y', bytes('4'))).toBe(false);
    expect(await filesUnder(store.rootDir)).toEqual(['a', path.join('a', 'x'), path.join('a', 'y')]);
  });

  it('PUTs small bodies in-line, and sends PUTs to the thread pool for a while after a slow one', async () => {
    // In-line, the object exists when put() returns its promise; through the pool, only once it settles.
    const store = new LocalObjectStore(path.join(base, `s${n++}`, 'bucket'), { inlineSlowMs: -1, inlineBackoffMs: 300, inlinePutBytes: 16 });
    const exists = (key: string): boolean => existsSync(path.join(store.rootDir, key));
    const large = store.put('big', bytes('more than sixteen bytes'));
    expect(exists('big')).toBe(false);
    await large;
    const first = store.putIfAbsent('a/1', bytes('1'));
    expect(exists('a/1')).toBe(true); // in-line; every in-line PUT counts as slow here (inlineSlowMs -1)
    expect(await first).toBe(true);
    const second = store.put('a/2', bytes('2'));
    expect(exists('a/2')).toBe(false); // backing off: the thread pool
    await second;
    expect(await store.get('a/2')).toEqual(bytes('2'));
    await new Promise((r) => setTimeout(r, 350));
    const third = store.put('a/3', bytes('3'));
    expect(exists('a/3')).toBe(true); // the backoff is over
    await third;
  });

  it('sends PUTs to the thread pool while background work (a drain) is declared, through the decorators too', async () => {
    const store = new LocalObjectStore(path.join(base, `s${n++}`, 'bucket'));
    const decorated = new FaultyObjectStore(new InstrumentedObjectStore(new RetryingObjectStore(store)), { seed: 1 });
    const exists = (key: string): boolean => existsSync(path.join(store.rootDir, key));
    const release = decorated.backgroundWork();
    const [a, b] = [store.put('a/1', bytes('1')), store.putIfAbsent('a/2', bytes('2'))];
    expect([exists('a/1'), exists('a/2')]).toEqual([false, false]); // the thread pool
    await Promise.all([a, b]);
    const second = store.backgroundWork();
    release();
    release(); // a second call releases nothing more
    const c = store.put('a/3', bytes('3'));
    expect(exists('a/3')).toBe(false); // one holder is left
    await c;
    second();
    const d = store.put('a/4', bytes('4'));
    expect(exists('a/4')).toBe(true); // in-line again
    await d;
  });

  it('says its LIST reads the whole directory, through the decorators too (the snapshot cache HEADs instead)', async () => {
    const store = new LocalObjectStore(path.join(base, `s${n++}`, 'bucket'));
    const decorated = new FaultyObjectStore(new InstrumentedObjectStore(new RetryingObjectStore(store)), { seed: 1 });
    expect(store.listScansDirectory).toBe(true);
    expect(decorated.listScansDirectory).toBe(true);
    expect(new RetryingObjectStore(new MemoryObjectStore()).listScansDirectory).toBeUndefined();
  });

  it('hides foreign temp files from listings', async () => {
    const store = await makeStore();
    await store.put('a/x', bytes('1'));
    await fs.writeFile(path.join(store.rootDir, 'a', '.k3tmp-crashed-writer'), 'partial');
    expect((await store.list('')).objects.map((o) => o.key)).toEqual(['a/x']);
    expect((await store.list('a/', { delimiter: '/' })).objects.map((o) => o.key)).toEqual(['a/x']);
  });

  it('prunes directories that deleteMany emptied, but never the root', async () => {
    const store = await makeStore();
    await store.put('t/_delta_log/0.json', bytes('1'));
    await store.put('t/part/x.parquet', bytes('2'));
    await store.deleteMany(['t/_delta_log/0.json']);
    expect(await filesUnder(store.rootDir)).toEqual(['t', path.join('t', 'part'), path.join('t', 'part', 'x.parquet')]);
    await store.deleteMany(['t/part/x.parquet']);
    expect(await filesUnder(store.rootDir)).toEqual([]);
    expect((await fs.stat(store.rootDir)).isDirectory()).toBe(true);
  });

  it('keeps writing while a concurrent delete prunes the same directories', async () => {
    const store = await makeStore();
    for (let i = 0; i < 30; i++) {
      await store.put('p/q/old', bytes('o'));
      await Promise.all([store.deleteMany(['p/q/old']), store.put(`p/q/new${i}`, bytes('n'))]);
      expect(await store.get(`p/q/new${i}`)).toEqual(bytes('n'));
      await store.deleteMany([`p/q/new${i}`]);
    }
  });

  it('rejects a key that collides with a directory', async () => {
    const store = await makeStore();
    await store.put('dir/file', bytes('1'));
    const asObject = await store.put('dir', bytes('2')).then(() => undefined, (e: unknown) => e);
    expect(isAppError(asObject, 'ERR_INVALID_NAME')).toBe(true);
    const underFile = await store.put('dir/file/child', bytes('3')).then(() => undefined, (e: unknown) => e);
    expect(isAppError(underFile, 'ERR_INVALID_NAME')).toBe(true);
    expect(await store.get('dir')).toBeUndefined();
    expect(await store.head('dir')).toBeUndefined();
    await store.deleteMany(['dir']);
    expect(await store.get('dir/file')).toEqual(bytes('1'));
  });

  it('maps file-system errors to store error codes', () => {
    const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });
    expect(mapFsError(errno('EACCES'), 'put', 'k').code).toBe('ERR_STORE_ACCESS_DENIED');
    expect(mapFsError(errno('EROFS'), 'put', 'k').code).toBe('ERR_STORE_ACCESS_DENIED');
    expect(mapFsError(errno('ENOTDIR'), 'put', 'k').code).toBe('ERR_INVALID_NAME');
    const transient = mapFsError(errno('EMFILE'), 'get', 'k');
    expect(transient.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(transient.retryable).toBe(true);
  });
});

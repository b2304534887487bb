/**
 * The ObjectStore contract suite: every adapter must pass it (memory, local directory, S3 over HTTP).
 * `makeStore` is called once per test and must return an empty store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import type { ObjectStore } from '../../src/object-store/object-store.ts';
import { putLocalFile } from '../../src/object-store/put-local-file.ts';

export interface ContractOptions {
  /** Run the slow listing test that pages past S3's 1000-key page size. */
  readonly pagingPastThousand?: boolean;
}

const enc = new TextEncoder();
const bytes = (s: string): Uint8Array => enc.encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** Keys whose UTF-8 byte order differs from JS string order and that need escaping on the wire. */
const SPECIAL_KEYS = [
  'a b',
  'a+b',
  'x=A%2FA',
  'x=A/y=B/part-0.parquet',
  'caf\u00e9',
  '\u65e5\u672c/\u30c6\u30fc\u30d6\u30eb',
  '\uff01wide',
  '\u{1f600}emoji',
  'd/e/e/p/l/y/n/e/s/t/e/d/file.json',
  'Upper',
  '_delta_log/00000000000000000000.json',
  'a-b',
  'a/b',
  'a!',
];

function utf8Sorted(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

async function putAll(store: ObjectStore, keys: readonly string[]): Promise<void> {
  for (const key of keys) await store.put(key, bytes(`body of ${key}`));
}

export function runObjectStoreContract(name: string, makeStore: () => Promise<ObjectStore>, options: ContractOptions = {}): void {
  describe(`ObjectStore contract: ${name}`, () => {
    it('returns undefined for a missing key (get and head)', async () => {
      const store = await makeStore();
      expect(await store.get('missing/key.json')).toBeUndefined();
      expect(await store.get('missing/key.json', { start: 0, end: 4 })).toBeUndefined();
      expect(await store.head('missing/key.json')).toBeUndefined();
    });

    it('puts, gets and overwrites', async () => {
      const store = await makeStore();
      await store.put('t/x.json', bytes('first'));
      expect(text(await store.get('t/x.json'))).toBe('first');
      await store.put('t/x.json', bytes('second, longer'));
      expect(text(await store.get('t/x.json'))).toBe('second, longer');
      await store.put('t/x.json', bytes('3'));
      expect(text(await store.get('t/x.json'))).toBe('3');
    });

    it('stores empty and binary bodies byte for byte', async () => {
      const store = await makeStore();
      const binary = randomBytes(70_000);
      await store.put('bin/random.bin', binary);
      await store.put('bin/empty', new Uint8Array(0));
      expect(Buffer.from((await store.get('bin/random.bin')) ?? []).equals(binary)).toBe(true);
      expect((await store.get('bin/empty'))?.byteLength).toBe(0);
      expect((await store.head('bin/empty'))?.size).toBe(0);
    });

    it('round-trips a multi-megabyte object through put and putIfAbsent', async () => {
      const store = await makeStore();
      const big = randomBytes(5 * 1024 * 1024 + 17);
      await store.put('big/a.parquet', big);
      expect(await store.putIfAbsent('big/b.parquet', big)).toBe(true);
      expect(await store.putIfAbsent('big/b.parquet', big)).toBe(false);
      for (const key of ['big/a.parquet', 'big/b.parquet']) {
        expect(Buffer.from((await store.get(key)) ?? []).equals(big)).toBe(true);
        expect((await store.head(key))?.size).toBe(big.byteLength);
      }
      const tail = await store.get('big/a.parquet', { start: big.byteLength - 8, end: big.byteLength });
      expect(Buffer.from(tail ?? []).equals(big.subarray(big.byteLength - 8))).toBe(true);
    });

    it('putLocalFile stores a local file byte for byte (over an object, into a new prefix) and leaves the file', async () => {
      const store = await makeStore();
      const dir = await mkdtemp(join(tmpdir(), 'k3-put-file-'));
      try {
        const file = join(dir, 'part.parquet');
        const body = randomBytes(300_000);
        await writeFile(file, body);
        await store.put('t/part.parquet', bytes('an older object'));
        expect(await putLocalFile(store, 't/part.parquet', file)).toBe(body.byteLength);
        expect((await readFile(file)).equals(body)).toBe(true);
        await rm(file);
        expect(Buffer.from((await store.get('t/part.parquet')) ?? []).equals(body)).toBe(true);
        expect((await store.head('t/part.parquet'))?.size).toBe(body.byteLength);
        const empty = join(dir, 'empty');
        await writeFile(empty, new Uint8Array(0));
        expect(await putLocalFile(store, 'n/e/w/empty', empty)).toBe(0);
        expect((await store.get('n/e/w/empty'))?.byteLength).toBe(0);
        expect((await store.list('')).objects.map((o) => o.key)).toEqual(['n/e/w/empty', 't/part.parquet']);
        await expect(putLocalFile(store, 't/missing', join(dir, 'no-such-file'))).rejects.toThrow();
        expect(await store.head('t/missing')).toBeUndefined();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('does not alias the caller buffer', async () => {
      const store = await makeStore();
      const body = bytes('abc');
      await store.put('alias', body);
      body[0] = 0x7a;
      const read = await store.get('alias');
      expect(text(read)).toBe('abc');
      if (read) read[1] = 0x7a;
      expect(text(await store.get('alias'))).toBe('abc');
    });

    it('reads byte ranges [start, end)', async () => {
      const store = await makeStore();
      await store.put('r', bytes('0123456789'));
      expect(text(await store.get('r', { start: 0, end: 4 }))).toBe('0123');
      expect(text(await store.get('r', { start: 3, end: 7 }))).toBe('3456');
      expect(text(await store.get('r', { start: 8, end: 100 }))).toBe('89');
      expect(text(await store.get('r', { start: 9, end: 10 }))).toBe('9');
      expect((await store.get('r', { start: 5, end: 5 }))?.byteLength).toBe(0);
      expect((await store.get('r', { start: 10, end: 20 }))?.byteLength).toBe(0);
    });

    it('heads size and modification time', async () => {
      const store = await makeStore();
      const before = Date.now();
      await store.put('h/obj', bytes('hello'));
      const meta = await store.head('h/obj');
      expect(meta?.key).toBe('h/obj');
      expect(meta?.size).toBe(5);
      // Second-granularity stores (S3 Last-Modified) may round down by up to a second.
      expect(meta?.lastModified).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(meta?.lastModified).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('lists in UTF-8 byte order, including special characters and deep nesting', async () => {
      const store = await makeStore();
      await putAll(store, SPECIAL_KEYS);
      const listed = await store.list('');
      expect(listed.objects.map((o) => o.key)).toEqual(utf8Sorted(SPECIAL_KEYS));
      expect(listed.prefixes).toEqual([]);
      const meta = listed.objects.find((o) => o.key === 'a b');
      expect(meta?.size).toBe(bytes('body of a b').byteLength);
      expect(meta?.lastModified).toBeGreaterThan(0);
    });

    it('lists only keys under the prefix (a string prefix, not a directory)', async () => {
      const store = await makeStore();
      await putAll(store, ['t/a/1', 't/a/2', 't/ab', 't/b/1', 'u/1', 'ta']);
      expect((await store.list('t/a')).objects.map((o) => o.key)).toEqual(['t/a/1', 't/a/2', 't/ab']);
      expect((await store.list('t/a/')).objects.map((o) => o.key)).toEqual(['t/a/1', 't/a/2']);
      expect((await store.list('nothing/')).objects).toEqual([]);
    });

    it('honours startAfter and limit', async () => {
      const store = await makeStore();
      const keys = Array.from({ length: 12 }, (_, i) => `log/${String(i).padStart(20, '0')}.json`);
      await putAll(store, keys);
      expect((await store.list('log/', { startAfter: keys[4] })).objects.map((o) => o.key)).toEqual(keys.slice(5));
      expect((await store.list('log/', { limit: 3 })).objects.map((o) => o.key)).toEqual(keys.slice(0, 3));
      expect((await store.list('log/', { startAfter: keys[9], limit: 5 })).objects.map((o) => o.key)).toEqual(keys.slice(10));
      // A startAfter that is not itself a key, and one before the prefix.
      expect((await store.list('log/', { startAfter: 'log/00000000000000000010' })).objects.map((o) => o.key)).toEqual(keys.slice(10));
      expect((await store.list('log/', { startAfter: 'a' })).objects.map((o) => o.key)).toEqual(keys);
      expect((await store.list('log/', { startAfter: keys[11] })).objects).toEqual([]);
    });

    it('rolls up keys at the delimiter into common prefixes', async () => {
      const store = await makeStore();
      await putAll(store, ['b/t1/_delta_log/0.json', 'b/t1/part-0.parquet', 'b/t2/x', 'b/top.json', 'b/t3/deep/er/x', 'c/x']);
      const root = await store.list('b/', { delimiter: '/' });
      expect(root.prefixes).toEqual(['b/t1/', 'b/t2/', 'b/t3/']);
      expect(root.objects.map((o) => o.key)).toEqual(['b/top.json']);
      const t1 = await store.list('b/t1/', { delimiter: '/' });
      expect(t1.prefixes).toEqual(['b/t1/_delta_log/']);
      expect(t1.objects.map((o) => o.key)).toEqual(['b/t1/part-0.parquet']);
      const top = await store.list('', { delimiter: '/' });
      expect(top.prefixes).toEqual(['b/', 'c/']);
      expect(top.objects).toEqual([]);
    });

    it('rolls up with startAfter and limit as S3 does: a prefix is listed when a key after startAfter is under it', async () => {
      const store = await makeStore();
      await putAll(store, ['r/t1/_log/0', 'r/t1/_log/1', 'r/t1/data/1', 'r/t2/x', 'r/t3/part/a/b', 'r/z']);
      expect((await store.list('r/', { delimiter: '/' })).prefixes).toEqual(['r/t1/', 'r/t2/', 'r/t3/']);
      // Only keys after startAfter count: t1 still has data/1 after _log/1.
      expect((await store.list('r/', { delimiter: '/', startAfter: 'r/t1/_log/1' })).prefixes).toEqual(['r/t1/', 'r/t2/', 'r/t3/']);
      expect((await store.list('r/', { delimiter: '/', startAfter: 'r/t1/data/1' })).prefixes).toEqual(['r/t2/', 'r/t3/']);
      const limited = await store.list('r/', { delimiter: '/', limit: 2 });
      expect([limited.prefixes, limited.objects.map((o) => o.key)]).toEqual([['r/t1/', 'r/t2/'], []]);
      const all = await store.list('r/', { delimiter: '/', startAfter: 'r/t2/x' });
      expect([all.prefixes, all.objects.map((o) => o.key)]).toEqual([['r/t3/'], ['r/z']]);
    });

    it('deletes many keys, ignoring missing ones', async () => {
      const store = await makeStore();
      await putAll(store, ['d/1', 'd/2', 'd/sub/3', 'keep']);
      await store.deleteMany(['d/1', 'd/sub/3', 'd/never-existed', 'other/missing']);
      expect((await store.list('')).objects.map((o) => o.key)).toEqual(['d/2', 'keep']);
      expect(await store.get('d/1')).toBeUndefined();
      await store.deleteMany([]);
      await store.deleteMany(['d/2', 'keep']);
      expect((await store.list('')).objects).toEqual([]);
      // The key space stays usable after everything under it was deleted.
      await store.put('d/sub/again', bytes('x'));
      expect(text(await store.get('d/sub/again'))).toBe('x');
    });

    it('putIfAbsent creates once and never overwrites', async () => {
      const store = await makeStore();
      expect(await store.putIfAbsent('c/00000000000000000000.json', bytes('winner'))).toBe(true);
      expect(await store.putIfAbsent('c/00000000000000000000.json', bytes('loser'))).toBe(false);
      expect(text(await store.get('c/00000000000000000000.json'))).toBe('winner');
      await store.put('c/plain', bytes('p'));
      expect(await store.putIfAbsent('c/plain', bytes('q'))).toBe(false);
      expect(text(await store.get('c/plain'))).toBe('p');
    });

    it('putIfAbsent: exactly one of 16 concurrent callers wins and its bytes are stored', async () => {
      const store = await makeStore();
      for (let round = 0; round < 3; round++) {
        const key = `race/${String(round).padStart(20, '0')}.json`;
        const bodies = Array.from({ length: 16 }, (_, i) => bytes(`writer ${i} `.repeat(200 + i)));
        const results = await Promise.all(bodies.map((b) => store.putIfAbsent(key, b)));
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        expect(winners).toHaveLength(1);
        const stored = await store.get(key);
        expect(Buffer.from(stored ?? []).equals(Buffer.from(bodies[winners[0] ?? -1] ?? []))).toBe(true);
      }
    });

    it('never exposes a torn object while it is overwritten', async () => {
      const store = await makeStore();
      const size = 256 * 1024;
      const bodies = [0x41, 0x42, 0x43].map((c) => new Uint8Array(size).fill(c));
      await store.put('torn/x', bodies[0] ?? new Uint8Array());
      let writing = true;
      const writer = (async () => {
        for (let i = 1; i < 13; i++) await store.put('torn/x', bodies[i % 3] ?? new Uint8Array());
        writing = false;
      })();
      let reads = 0;
      while (writing || reads < 5) {
        const got = await store.get('torn/x');
        expect(got?.byteLength).toBe(size);
        const first = got?.[0];
        expect(got?.every((b) => b === first)).toBe(true);
        reads++;
      }
      await writer;
      const listed = await store.list('torn/');
      expect(listed.objects.map((o) => o.key)).toEqual(['torn/x']);
    });

    it('rejects invalid keys with ERR_INVALID_NAME', async () => {
      const store = await makeStore();
      for (const key of ['', '/abs', 'a/../b', '..', 'a//b', 'dir/', 'lone\ud800surrogate']) {
        const err = await store.put(key, bytes('x')).then(() => undefined, (e: unknown) => e);
        expect(isAppError(err, 'ERR_INVALID_NAME'), `key ${JSON.stringify(key)}`).toBe(true);
      }
      for (const prefix of ['../', 'a/../', '/abs', 'a//b']) {
        const err = await store.list(prefix).then(() => undefined, (e: unknown) => e);
        expect(isAppError(err, 'ERR_INVALID_NAME'), `prefix ${JSON.stringify(prefix)}`).toBe(true);
      }
      // Dots inside a segment are ordinary characters.
      await store.put('a..b/c.d', bytes('ok'));
      expect(text(await store.get('a..b/c.d'))).toBe('ok');
    });

    if (options.pagingPastThousand) {
      it('pages past 1000 keys', async () => {
        const store = await makeStore();
        const keys = Array.from({ length: 1100 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
        for (let i = 0; i < keys.length; i += 50) {
          await Promise.all(keys.slice(i, i + 50).map((k) => store.put(k, bytes('.'))));
        }
        const all = await store.list('many/');
        expect(all.objects.map((o) => o.key)).toEqual(keys);
        expect((await store.list('many/', { startAfter: keys[20] })).objects).toHaveLength(1079);
        expect((await store.list('many/', { limit: 1050 })).objects.map((o) => o.key)).toEqual(keys.slice(0, 1050));
        await store.deleteMany(keys);
        expect((await store.list('many/')).objects).toEqual([]);
      }, 120_000);
    }
  });
}

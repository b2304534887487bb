/**
 * Property: for any key set and list options, the local directory walk (with its directory
 * skipping and early stop) and the S3 test server list exactly what the in-memory reference does.
 */
import fc from 'fast-check';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from '../../src/object-store/local-object-store.ts';
import { MemoryObjectStore } from '../../src/object-store/memory-object-store.ts';
import type { ListOptions, ObjectStore } from '../../src/object-store/object-store.ts';
import { S3ObjectStore } from '../../src/object-store/s3-object-store.ts';
import { startS3Server, type S3TestServer } from '../support/s3-server.ts';

const chars = ['a', 'b', '-', ' ', 'é', '😀', '!'];
const text = (alphabet: string[], min: number, max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((c) => c.join(''));
const segment = text(chars, 1, 3);
const key = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
// A file system cannot hold `a` and `a/b` at once; S3 can. Keep key sets the local store can represent.
const keySet = fc.uniqueArray(key, { minLength: 0, maxLength: 14 }).map((keys) => keys.filter((k) => !keys.some((o) => o.startsWith(`${k}/`))));
const fragment = text([...chars, '/'], 0, 4).filter((p) => !p.startsWith('/') && !p.includes('//'));
const options: fc.Arbitrary<ListOptions> = fc.record(
  { startAfter: fragment, limit: fc.integer({ min: 1, max: 6 }), delimiter: fc.constantFrom('/', '-') },
  { requiredKeys: [] },
);

let base: string;
let server: S3TestServer;
let n = 0;

beforeAll(async () => {
  base = await fs.mkdtemp(path.join(os.tmpdir(), 'k3-list-eq-'));
  server = await startS3Server({ conditionalWrites: 'honest' });
});

afterAll(async () => {
  await Promise.all([fs.rm(base, { recursive: true, force: true }), server.stop()]);
});

const shape = async (store: ObjectStore, prefix: string, opts: ListOptions) => {
  const r = await store.list(prefix, opts);
  return { keys: r.objects.map((o) => o.key), prefixes: r.prefixes, sizes: r.objects.map((o) => o.size) };
};

async function fill(store: ObjectStore, keys: string[]): Promise<void> {
  await Promise.all(keys.map((k) => store.put(k, new TextEncoder().encode(k))));
}

describe('listing equivalence', () => {
  it('local directory walk lists like the in-memory reference', async () => {
    await fc.assert(
      fc.asyncProperty(keySet, fragment, options, async (keys, prefix, opts) => {
        const memory = new MemoryObjectStore();
        const local = new LocalObjectStore(path.join(base, `l${n++}`));
        await Promise.all([fill(memory, keys), fill(local, keys)]);
        expect(await shape(local, prefix, opts)).toEqual(await shape(memory, prefix, opts));
      }),
      { numRuns: 60 },
    );
  });

  it('S3 over HTTP lists like the in-memory reference', async () => {
    await fc.assert(
      fc.asyncProperty(keySet, fragment, options, async (keys, prefix, opts) => {
        const memory = new MemoryObjectStore();
        const bucket = `eq-${process.pid}-${n++}`;
        await server.createBucket(bucket);
        const s3 = new S3ObjectStore({ bucket, client: server.client });
        await Promise.all([fill(memory, keys), fill(s3, keys)]);
        expect(await shape(s3, prefix, opts)).toEqual(await shape(memory, prefix, opts));
      }),
      { numRuns: 25 },
    );
  });
});

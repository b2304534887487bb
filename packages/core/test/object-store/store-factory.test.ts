import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { isAppError } from '../../src/errors/index.ts';
import { InstrumentedObjectStore } from '../../src/object-store/instrumented-object-store.ts';
import { RetryingObjectStore } from '../../src/object-store/retrying-object-store.ts';
import { createBucketStoreFactory, type BucketStores } from '../../src/object-store/store-factory.ts';
import { startS3Server, type S3TestServer } from '../support/s3-server.ts';

let server: S3TestServer;
let dataDir: string;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: 'honest' });
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'k3-factory-'));
});

afterAll(async () => {
  await Promise.all([server.stop(), fs.rm(dataDir, { recursive: true, force: true })]);
});

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

const factories: Record<string, () => BucketStores> = {
  local: () => createBucketStoreFactory(loadConfig({ K3_STORE: 'local', K3_DATA_DIR: path.join(dataDir, `d${Math.random()}`) })),
  memory: () => createBucketStoreFactory(loadConfig({ K3_STORE: 'memory' })),
  s3: () => createBucketStoreFactory(loadConfig({ K3_STORE: 's3' }), { s3Client: server.client }),
};

describe.each(Object.keys(factories))('createBucketStoreFactory (%s)', (kind) => {
  const make = (): BucketStores => (factories[kind] ?? (() => expect.unreachable()))();

  it('validates bucket names by the S3 rules', async () => {
    const stores = make();
    for (const bad of ['ab', 'a'.repeat(64), 'Upper', 'under_score', '-lead', 'trail-', 'a..b', '192.168.1.1', '../etc', 'a/b', '']) {
      let caught: unknown;
      try {
        stores.open(bad);
      } catch (e) {
        caught = e;
      }
      expect(isAppError(caught, 'ERR_INVALID_NAME'), bad).toBe(true);
      expect(isAppError(await stores.exists(bad).catch((e: unknown) => e), 'ERR_INVALID_NAME')).toBe(true);
    }
    for (const good of ['abc', 'kb-prod', 'my.bucket.1', 'a'.repeat(63)]) expect(() => stores.open(good)).not.toThrow();
  });

  it('opens one retrying store per bucket; buckets are separate key spaces', async () => {
    const stores = make();
    const name = `fac-${kind}-one`;
    const other = `fac-${kind}-two`;
    if (kind === 's3') await Promise.all([server.createBucket(name), server.createBucket(other)]);
    const a = stores.open(name);
    expect(stores.open(name)).toBe(a);
    expect(a).toBeInstanceOf(RetryingObjectStore);
    await a.put('tables/t/x', bytes('1'));
    expect(await stores.open(other).get('tables/t/x')).toBeUndefined();
    expect(await a.get('tables/t/x')).toEqual(bytes('1'));
  });

  it('reports existence and lists buckets; create is idempotent', async () => {
    const stores = make();
    const lazy = `fac-${kind}-lazy`;
    const made = `fac-${kind}-made`;
    expect(await stores.exists(made)).toBe(false);
    await stores.create(made);
    await stores.create(made);
    expect(await stores.exists(made)).toBe(true);
    if (kind !== 's3') {
      // Embedded and memory buckets come into being with their first object.
      expect(await stores.exists(lazy)).toBe(false);
      await stores.open(lazy).put('k', bytes('v'));
      expect(await stores.exists(lazy)).toBe(true);
      expect(await stores.list()).toEqual([lazy, made].sort());
    } else {
      expect(await stores.list()).toContain(made);
    }
  });
});

describe('createBucketStoreFactory specifics', () => {
  it('puts embedded buckets at <K3_DATA_DIR>/<bucket>/', async () => {
    const dir = path.join(dataDir, 'embedded');
    const stores = createBucketStoreFactory(loadConfig({ K3_STORE: 'local', K3_DATA_DIR: dir }));
    expect(await stores.list()).toEqual([]);
    await stores.open('kb-prod').put('tables/events/_delta_log/00000000000000000000.json', bytes('{}'));
    expect(await fs.readFile(path.join(dir, 'kb-prod', 'tables', 'events', '_delta_log', '00000000000000000000.json'), 'utf8')).toBe('{}');
    // Directories that are not valid bucket names are not buckets.
    await fs.mkdir(path.join(dir, 'Not_A_Bucket'));
    expect(await stores.list()).toEqual(['kb-prod']);
  });

  it('instruments stores when a registry is injected', async () => {
    const registry = new Registry();
    const stores = createBucketStoreFactory(loadConfig({ K3_STORE: 'memory' }), { registry });
    const store = stores.open('metered');
    expect(store).toBeInstanceOf(InstrumentedObjectStore);
    await store.put('k', bytes('abc'));
    expect(await registry.metrics()).toContain('k3_store_bytes_total{op="put"} 3');
  });
});

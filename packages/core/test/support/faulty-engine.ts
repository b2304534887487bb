/**
 * A real Engine (sandboxed DuckDB, FileCache) over in-memory buckets, each wrapped in a seeded
 * FaultyObjectStore UNDER the retry decorator — the production stack Retrying(Faulty(adapter)).
 * `retryAttempts: 1` lets every injected fault reach the code under test (the hard case).
 * For the ambiguous-write tests and the deterministic simulation; other suites can take it as is.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { createDuckDB, FileCache, type K3DuckDB } from '../../src/exec/index.ts';
import { createBucketStoreFactory, FaultyObjectStore, type BucketStores } from '../../src/object-store/index.ts';
import { Engine } from '../../src/sql/index.ts';

export interface FaultyEngine {
  readonly engine: Engine;
  readonly stores: BucketStores;
  /** The FaultyObjectStore of a bucket (created on first use, seeded with `seed`). */
  faults(bucket: string): FaultyObjectStore;
  close(): Promise<void>;
}

export async function createFaultyEngine(opts: { seed: number; retryAttempts?: number; clock?: () => number; sleep?: (ms: number) => Promise<void>; env?: Record<string, string> }): Promise<FaultyEngine> {
  const dir = await mkdtemp(path.join(tmpdir(), 'k3-faults-'));
  const cacheDir = path.join(dir, 'cache');
  const config = loadConfig({ K3_STORE: 'memory', K3_CACHE_DIR: cacheDir, ...opts.env });
  const db: K3DuckDB = await createDuckDB({ threads: 1, allowedDirectories: [cacheDir] });
  const faulty = new Map<string, FaultyObjectStore>();
  const stores = createBucketStoreFactory(config, {
    retry: { maxAttempts: opts.retryAttempts ?? 1, sleep: opts.sleep ?? (async () => undefined) },
    wrapAdapter: (adapter, bucket) => {
      const store = new FaultyObjectStore(adapter, { seed: opts.seed, sleep: opts.sleep ?? (async () => undefined) });
      faulty.set(bucket, store);
      return store;
    },
  });
  const engine = new Engine({ stores, db, cache: new FileCache({ dir: cacheDir, maxBytes: 1 << 30 }), config, ...(opts.clock ? { clock: opts.clock } : {}) });
  return {
    engine,
    stores,
    faults(bucket) {
      stores.open(bucket);
      return faulty.get(bucket)!;
    },
    async close() {
      await engine.close();
      db.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

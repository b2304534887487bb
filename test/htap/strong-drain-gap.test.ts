/**
 * A STRONG read racing a drain between its `_delta_log/` LIST and its `_k3_wal/` LIST (found in
 * wip/lookup12; docs/design/hot-path.md "Point lookups and single-row writes on the AMD box"): the
 * warm state (wal/warm-state.ts) and the cold read (`readWalOverlay`) asked the drained markers only
 * when the log LIST found records. A drain that commits AFTER the request's Delta LIST and deletes
 * every record after what the reader had folded BEFORE its log LIST leaves that LIST empty: no
 * marker was asked, and the STRONG answer was the older snapshot without a write acknowledged
 * before the read began. Now the markers are asked after an empty LIST too (a marker precedes every
 * deletion), and the read starts over from the newer snapshot.
 *
 * Reproduced by running another coordinator's drain inside the reader's `_k3_wal/` LIST (the window
 * is sub-millisecond locally, a network round trip on S3). Each case failed before the fix.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { loadConfig } from '../../packages/core/src/config/index.ts';
import { createDuckDB, FileCache, type K3DuckDB } from '../../packages/core/src/exec/index.ts';
import { createBucketStoreFactory, type ObjectStore } from '../../packages/core/src/object-store/index.ts';
import { Engine } from '../../packages/core/src/sql/index.ts';

let dir: string;
let db: K3DuckDB;
let reader: Engine;
let writer: Engine;
const bucket = 'gap-bucket';
/**
 * Run once inside the reader's next read of `_k3_wal/` (before it reads the directory): its LIST,
 * or on the local directory the warm state's first HEAD of a record (wal/list-records.ts `newRecords`).
 */
let inWalList: (() => Promise<void>) | undefined;

function hooked(store: ObjectStore): ObjectStore {
  const once = async (): Promise<void> => {
    const hook = inWalList;
    inWalList = undefined;
    await hook?.();
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'list') {
        return async (prefix: string, opts?: unknown) => {
          if (prefix.endsWith('_k3_wal/')) await once();
          return target.list(prefix, opts as never);
        };
      }
      if (prop === 'head') {
        return async (key: string) => {
          if (/\/_k3_wal\/\d{20}\.rec$/.test(key)) await once();
          return target.head(key);
        };
      }
      const v = (target as unknown as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k3-drain-gap-'));
  const dataDir = path.join(dir, 'data');
  const cacheDir = path.join(dir, 'cache');
  const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: dataDir, K3_CACHE_DIR: cacheDir });
  db = await createDuckDB({ threads: 2, allowedDirectories: [dataDir, cacheDir] });
  reader = new Engine({ stores: createBucketStoreFactory(config, { wrapAdapter: hooked }), db, cache: new FileCache({ dir: path.join(cacheDir, 'r'), maxBytes: 1 << 30 }), config });
  writer = new Engine({ stores: createBucketStoreFactory(config), db, cache: new FileCache({ dir: path.join(cacheDir, 'w'), maxBytes: 1 << 30 }), config });
  await writer.execute({ bucket, sql: 'CREATE TABLE kv (id BIGINT PRIMARY KEY, v VARCHAR)' });
  await writer.execute({ bucket, sql: "INSERT INTO kv VALUES (1, 'a')" });
  while ((await writer.compact(bucket, 'kv')).truncated);
}, 60_000);

afterAll(async () => {
  await reader?.close();
  await writer?.close();
  db?.closeSync();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('a STRONG read racing a drain between its Delta LIST and its write-log LIST', () => {
  const cases: [string, (id: number) => string][] = [
    ['a point lookup (warm state, key lookups only)', (id) => `SELECT v FROM kv WHERE id = ${id}`],
    ['a general STRONG read (warm state, bound view)', (id) => `SELECT v FROM kv WHERE (id = ${id})`],
  ];
  let next = 10;
  for (const [name, sql] of cases) {
    it(`sees a write acknowledged before it began: ${name}`, async () => {
      const id = next++;
      // The reader's warm entry exists and is current.
      const warm = await reader.execute({ bucket, sql: sql(1), freshness: Freshness.STRONG });
      expect('query' in warm && warm.query.rows).toEqual([['a']]);
      // Another coordinator's write, acknowledged before the read below begins.
      const w = await writer.execute({ bucket, sql: `INSERT INTO kv VALUES (${id}, 'acknowledged')` });
      expect('write' in w && w.write.rowsAffected).toBe(1);
      // The drain commits, writes its marker and deletes the record after the reader's Delta LIST,
      // before its write-log LIST.
      inWalList = async () => {
        while ((await writer.compact(bucket, 'kv')).truncated);
      };
      const r = await reader.execute({ bucket, sql: sql(id), freshness: Freshness.STRONG });
      expect(inWalList).toBeUndefined();
      expect('query' in r && r.query.rows).toEqual([['acknowledged']]);
    });
  }

  it('sees it on a cold read too (no warm entry: readWalOverlay)', async () => {
    const dataDir = path.join(dir, 'data');
    const cacheDir = path.join(dir, 'cache');
    const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: dataDir, K3_CACHE_DIR: cacheDir });
    const cold = new Engine({ stores: createBucketStoreFactory(config, { wrapAdapter: hooked }), db, cache: new FileCache({ dir: path.join(cacheDir, 'c'), maxBytes: 1 << 30 }), config });
    try {
      const w = await writer.execute({ bucket, sql: "INSERT INTO kv VALUES (99, 'acknowledged')" });
      expect('write' in w && w.write.rowsAffected).toBe(1);
      inWalList = async () => {
        while ((await writer.compact(bucket, 'kv')).truncated);
      };
      const r = await cold.execute({ bucket, sql: 'SELECT v FROM kv WHERE id = 99', freshness: Freshness.STRONG });
      expect(inWalList).toBeUndefined();
      expect('query' in r && r.query.rows).toEqual([['acknowledged']]);
    } finally {
      await cold.close();
    }
  });
});

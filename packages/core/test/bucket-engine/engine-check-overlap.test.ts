/**
 * wip/lookup12: the engine-state check (one LIST of `__k3_engine/`) runs BESIDE a statement's own
 * store round trips instead of before them — yet nothing leaves before it answered: a point lookup's
 * rows wait for it, a keyed write's record is not PUT before it, and a DISABLED engine's error wins.
 * The engine LIST is held at a gate here; the statement's read of its `_delta_log/` (a LIST, or on
 * the local directory the HEADs of the head commit and the next) must start meanwhile (it did not
 * before this change: the two were one after the other).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../src/api/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createDuckDB, FileCache, type K3DuckDB } from '../../src/exec/index.ts';
import { createBucketStoreFactory, type ObjectStore } from '../../src/object-store/index.ts';
import { Engine } from '../../src/sql/index.ts';
import { failure } from '../support/expect-failure.ts';

let dir: string;
let db: K3DuckDB;
let engine: Engine;
let other: Engine;
const bucket = 'overlap-bucket';
const events: string[] = [];
/** While set, LISTs of `__k3_engine/` wait for it. */
let gate: Promise<void> | undefined;

function gated(store: ObjectStore): ObjectStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'list') {
        return async (prefix: string, opts?: unknown) => {
          const kind = prefix.startsWith('__k3_engine/') ? 'engine' : prefix.includes('_delta_log/') ? 'delta' : prefix.includes('_k3_wal/') ? 'wal' : 'other';
          events.push(kind === 'delta' ? 'read delta start' : `list ${kind} start`);
          if (kind === 'engine' && gate !== undefined) await gate;
          try {
            return await target.list(prefix, opts as never);
          } finally {
            events.push(`list ${kind} end`);
          }
        };
      }
      if (prop === 'head') {
        // The snapshot cache HEADs the head commit and the next on the local directory
        // (ObjectStore.listScansDirectory) instead of LISTing the log: a read of the log all the same.
        return async (key: string) => {
          if (key.includes('_delta_log/')) events.push('read delta start');
          return target.head(key);
        };
      }
      if (prop === 'put' || prop === 'putIfAbsent') {
        return async (key: string, body: Uint8Array) => {
          if (key.includes('_k3_wal/')) events.push('put wal');
          return (target[prop] as (k: string, b: Uint8Array) => Promise<unknown>)(key, body);
        };
      }
      const v = (target as unknown as Record<string | symbol, unknown>)[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

async function until(cond: () => boolean): Promise<boolean> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  return cond();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k3-engine-overlap-'));
  const dataDir = path.join(dir, 'data');
  const cacheDir = path.join(dir, 'cache');
  const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: dataDir, K3_CACHE_DIR: cacheDir });
  db = await createDuckDB({ threads: 2, allowedDirectories: [dataDir, cacheDir] });
  const make = (wrap: boolean): Engine => new Engine({ stores: createBucketStoreFactory(config, wrap ? { wrapAdapter: gated } : {}), db, cache: new FileCache({ dir: cacheDir, maxBytes: 1 << 30 }), config });
  engine = make(true);
  other = make(false);
  await engine.execute({ bucket, sql: 'CREATE TABLE kv (id BIGINT PRIMARY KEY, v VARCHAR)' });
  await engine.execute({ bucket, sql: "INSERT INTO kv VALUES (1, 'a'), (2, 'b')" });
  while ((await engine.compact(bucket, 'kv')).truncated);
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await other?.close();
  db?.closeSync();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Runs `op` with the engine LIST held; returns the events seen while held, then releases it. */
async function held<T>(op: () => Promise<T>, seen: (e: readonly string[]) => boolean): Promise<{ during: string[]; settled: boolean; result: Promise<T> }> {
  let open!: () => void;
  gate = new Promise((r) => (open = r));
  events.length = 0;
  let settled = false;
  const result = op();
  void result.then(() => (settled = true), () => (settled = true));
  await until(() => seen(events));
  await new Promise((r) => setTimeout(r, 20));
  const during = [...events];
  const wasSettled = settled;
  gate = undefined;
  open();
  return { during, settled: wasSettled, result };
}

describe('the engine-state check beside the statement', () => {
  it('a STRONG point lookup pins and reads while the engine LIST runs, and answers only after it', async () => {
    for (const freshness of [Freshness.STRONG, Freshness.EVENTUAL]) {
      const { during, settled, result } = await held(() => engine.execute({ bucket, sql: 'SELECT v FROM kv WHERE id = 2', freshness }), (e) => e.includes('read delta start'));
      expect(during).toContain('list engine start');
      expect(during).not.toContain('list engine end');
      expect(during, freshness.toString()).toContain('read delta start');
      expect(settled).toBe(false);
      const r = await result;
      expect('query' in r && r.query.rows).toEqual([['b']]);
    }
  });

  it('a keyed INSERT pins while the engine LIST runs, but writes nothing before it answered', async () => {
    const { during, settled, result } = await held(() => engine.execute({ bucket, sql: "INSERT INTO kv VALUES (3, 'c')" }), (e) => e.includes('read delta start'));
    expect(during).toContain('read delta start');
    expect(during).not.toContain('put wal');
    expect(settled).toBe(false);
    const r = await result;
    expect('write' in r && r.write.rowsAffected).toBe(1);
    expect(events).toContain('put wal');
  });

  it('a DISABLED engine (set by another process) still refuses lookups and keyed writes, and nothing is written', async () => {
    await other.disableEngine(bucket);
    try {
      for (const sql of ['SELECT v FROM kv WHERE id = 2', "INSERT INTO kv VALUES (4, 'd')", "INSERT OR REPLACE INTO kv VALUES (1, 'z')", 'SELECT v FROM kv WHERE id = 999']) {
        for (const freshness of [Freshness.STRONG, Freshness.EVENTUAL]) {
          events.length = 0;
          const err = await failure(engine.execute({ bucket, sql, freshness }));
          expect(err.code, sql).toBe('ERR_ENGINE_DISABLED');
          expect(events).not.toContain('put wal');
        }
      }
    } finally {
      await other.enableEngine(bucket);
    }
    const r = await engine.execute({ bucket, sql: 'SELECT id, v FROM kv WHERE id = 1', freshness: Freshness.STRONG });
    expect('query' in r && r.query.rows).toEqual([[1n, 'a']]);
  });
});

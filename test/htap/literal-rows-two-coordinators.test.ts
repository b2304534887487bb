/**
 * Rows of plain literals (packages/core/src/sql/literal-row.ts, docs/design/keyed-row-fast-path.md)
 * with two coordinators on one bucket: two engines in this process, each with its own DuckDB, file
 * cache and warm table state, over the same local store. A literal INSERT or blind replace
 * acknowledged by one is seen by the other's STRONG reads at once, and a literal INSERT of a key
 * the other wrote (in the log or drained into Delta) is refused as a duplicate — the clash check
 * reads the log state folded from the store, never only what its own process wrote.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../packages/core/src/index.ts';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { createDuckDB, FileCache, type K3DuckDB } from '../../packages/core/src/exec/index.ts';
import { createBucketStoreFactory } from '../../packages/core/src/object-store/index.ts';
import { Engine } from '../../packages/core/src/sql/index.ts';

const BUCKET = 'lit2';
let dir: string;
const dbs: K3DuckDB[] = [];
let a: Engine;
let b: Engine;

async function coordinator(name: string): Promise<Engine> {
  const cacheDir = path.join(dir, `cache-${name}`);
  const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: path.join(dir, 'data'), K3_CACHE_DIR: cacheDir, K3_COMPACTOR_INTERVAL: '1h' });
  const db = await createDuckDB({ threads: 1, allowedDirectories: [path.join(dir, 'data'), cacheDir] });
  dbs.push(db);
  return new Engine({ stores: createBucketStoreFactory(config), db, cache: new FileCache({ dir: cacheDir, maxBytes: 1 << 28 }), config });
}

async function run(e: Engine, sql: string): Promise<{ rows?: unknown[][]; code?: unknown }> {
  try {
    const r = await e.execute({ bucket: BUCKET, sql, freshness: Freshness.STRONG });
    return 'query' in r ? { rows: r.query.rows } : {};
  } catch (err) {
    return { code: (err as { code?: unknown }).code };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k3-literal-two-'));
  a = await coordinator('a');
  b = await coordinator('b');
  await a.execute({ bucket: BUCKET, sql: 'CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR)' });
  await a.execute({ bucket: BUCKET, sql: "INSERT INTO kv SELECT i, i, 'row' || i FROM range(100) t(i)" });
  while ((await a.compact(BUCKET, 'kv')).truncated);
  // Both warm: their states start at the drained table and must advance from the store.
  expect((await run(a, 'SELECT count(*) FROM kv')).rows).toEqual([[100n]]);
  expect((await run(b, 'SELECT count(*) FROM kv')).rows).toEqual([[100n]]);
}, 60_000);
afterAll(async () => {
  for (const db of dbs) db.closeSync();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('rows of plain literals across two coordinators', () => {
  it('each sees the other\'s acknowledged literal writes and refuses their keys', async () => {
    for (let i = 0; i < 12; i++) {
      const [writer, other] = i % 2 === 0 ? [a, b] : [b, a];
      const key = 1000 + i;
      expect(await run(writer, `INSERT INTO kv VALUES (${key}, ${i}, 'first')`)).toEqual({});
      // Acknowledged in one process: the other reads it STRONG and refuses the same key.
      expect((await run(other, `SELECT v, s FROM kv WHERE id = ${key}`)).rows).toEqual([[BigInt(i), 'first']]);
      expect(await run(other, `INSERT INTO kv VALUES (${key}, 0, 'clash')`)).toEqual({ code: 'ERR_CONSTRAINT_PRIMARY_KEY' });
      // A blind replace by the other process: the writer sees the new image.
      expect(await run(other, `INSERT OR REPLACE INTO kv VALUES (${key}, ${i + 100}, 'replaced')`)).toEqual({});
      expect((await run(writer, `SELECT v, s FROM kv WHERE id = ${key}`)).rows).toEqual([[BigInt(i + 100), 'replaced']]);
      // A drained (Delta) key is refused by both.
      expect(await run(writer, `INSERT INTO kv VALUES (${i}, 0, 'clash with delta')`)).toEqual({ code: 'ERR_CONSTRAINT_PRIMARY_KEY' });
      if (i === 5) while ((await b.compact(BUCKET, 'kv')).truncated);
    }
    // A key drained by the other process's compaction is still refused by the first.
    expect(await run(a, "INSERT INTO kv VALUES (1001, 0, 'clash after the drain')")).toEqual({ code: 'ERR_CONSTRAINT_PRIMARY_KEY' });
    const all = await run(a, 'SELECT count(*), sum(v) FROM kv WHERE id >= 1000');
    expect(all.rows).toEqual([[12n, BigInt(Array.from({ length: 12 }, (_, i) => i + 100).reduce((x, y) => x + y, 0))]]);
  }, 60_000);
});

/**
 * STRONG reads on the local directory find new write-log records by HEADing the seqs after the last
 * one they folded (wal/list-records.ts `newRecords`, docs/design/wal-and-compaction.md): exact only
 * while no writer ever writes above a free seq. Here three coordinators (engines in this process,
 * each with its own DuckDB, warm state and WalWriter head cache, over one local store) insert new
 * keys into one table at the same time — so they lose seqs to each other and retry after a LIST —
 * while a fourth drains the log again and again (records deleted, markers written) and a fifth
 * answers STRONG reads: every key acknowledged before a read began is in its answer.
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

const BUCKET = 'writers';
const WRITERS = 3;
const PER_WRITER = Number(process.env.K3_TEST_STRONG_WRITES ?? 60);
let dir: string;
const dbs: K3DuckDB[] = [];
const engines: Engine[] = [];

async function coordinator(name: string): Promise<Engine> {
  const cacheDir = path.join(dir, `cache-${name}`);
  const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: path.join(dir, 'data'), K3_CACHE_DIR: cacheDir, K3_COMPACTOR_INTERVAL: '1h' });
  const db = await createDuckDB({ threads: 1, allowedDirectories: [path.join(dir, 'data'), cacheDir] });
  dbs.push(db);
  const engine = new Engine({ stores: createBucketStoreFactory(config), db, cache: new FileCache({ dir: cacheDir, maxBytes: 1 << 28 }), config });
  engines.push(engine);
  return engine;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k3-strong-writers-'));
}, 30_000);

afterAll(async () => {
  for (const e of engines) await e.close();
  for (const db of dbs) db.closeSync();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('STRONG reads beside concurrent writers in other coordinators and a draining one (local directory)', () => {
  it('every key acknowledged before a read began is in its answer', async () => {
    const writers = await Promise.all(Array.from({ length: WRITERS }, (_, i) => coordinator(`w${i}`)));
    const drainer = await coordinator('drain');
    const reader = await coordinator('read');
    await writers[0]!.execute({ bucket: BUCKET, sql: 'CREATE TABLE kv (id BIGINT PRIMARY KEY, w INTEGER)' });
    const acked: number[] = [];
    let writing = true;
    const writes = writers.map(async (e, w) => {
      for (let i = 0; i < PER_WRITER; i++) {
        const id = w * 1_000_000 + i;
        const r = await e.execute({ bucket: BUCKET, sql: `INSERT INTO kv VALUES (${id}, ${w})` });
        expect('write' in r && r.write.rowsAffected).toBe(1);
        acked.push(id);
      }
    });
    const drains = (async () => {
      let n = 0;
      while (writing) {
        await drainer.compact(BUCKET, 'kv');
        n++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return n;
    })();
    let reads = 0;
    const checks = (async () => {
      while (writing) {
        const before = [...acked];
        const r = await reader.execute({ bucket: BUCKET, sql: 'SELECT id FROM kv', freshness: Freshness.STRONG });
        const seen = new Set('query' in r ? r.query.rows.map((row) => Number(row[0])) : []);
        const missing = before.filter((id) => !seen.has(id));
        expect(missing).toEqual([]);
        if (before.length > 0) {
          // A point lookup (the key-lookup path of the warm state) of the newest key acknowledged before it.
          const id = before[before.length - 1]!;
          const p = await reader.execute({ bucket: BUCKET, sql: `SELECT w FROM kv WHERE id = ${id}`, freshness: Freshness.STRONG });
          expect('query' in p && p.query.rows.length).toBe(1);
        }
        reads++;
      }
    })();
    await Promise.all(writes).finally(() => { writing = false; });
    const drained = await drains;
    await checks;
    expect(acked).toHaveLength(WRITERS * PER_WRITER);
    // The run exercised what it is about: drains between the writes, reads between both.
    expect(drained).toBeGreaterThan(2);
    expect(reads).toBeGreaterThan(5);
    const all = await reader.execute({ bucket: BUCKET, sql: 'SELECT count(*) FROM kv', freshness: Freshness.STRONG });
    expect('query' in all && Number(all.query.rows[0]![0])).toBe(WRITERS * PER_WRITER);
  }, 120_000);
});

/**
 * timeTravelBench: a table with 10,000 versions (synthetic log, checkpoint every 100 versions)
 * opens any version from the nearest checkpoint at or below it. Proven by counting GETs: exactly
 * one checkpoint (none below the first) plus at most interval−1 commits (one, for its timestamp,
 * when the version is itself a checkpoint), plus the `_last_checkpoint` hint. Timestamp time
 * travel adds only a binary search over commit files (≈ log2(10,000) GETs).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { MemoryObjectStore } from '../../src/object-store/memory-object-store.ts';
import { CountingObjectStore } from '../delta/reader/counting-store.ts';
import { syntheticTimestamp, writeSyntheticLog } from './support/synthetic-log.ts';

const VERSIONS = 10_000;
const INTERVAL = 100;
const root = 'tables/long/';
const store = new CountingObjectStore(new MemoryObjectStore());

beforeAll(async () => {
  await writeSyntheticLog(store.inner, root, { versions: VERSIONS, checkpointInterval: INTERVAL });
}, 120_000);

function kinds(gets: readonly string[]): { checkpoints: number; commits: number; other: number } {
  const checkpoints = gets.filter((k) => k.endsWith('.checkpoint.parquet')).length;
  const commits = gets.filter((k) => /\d{20}\.json$/.test(k)).length;
  return { checkpoints, commits, other: gets.length - checkpoints - commits };
}

describe('time travel on a 10,000-version table', () => {
  const samples = [0, 1, 99, 100, 101, 199, 5000, 5555, 7777, 9900, 9998, 9999, ...Array.from({ length: 12 }, (_, i) => (i * 7919 + 13) % VERSIONS)];
  it.each(samples)('opens version %i from the nearest checkpoint', async (v) => {
    store.reset();
    const snap = await loadSnapshot(store, root, { version: v });
    expect(snap.version).toBe(v);
    expect(snap.timestamp).toBe(syntheticTimestamp(v));
    expect(snap.files.map((f) => f.add.path)).toEqual(Array.from({ length: Math.min(3, v) }, (_, i) => `part-${String(v - i).padStart(6, '0')}.parquet`).reverse());
    const got = kinds(store.gets);
    const cp = Math.floor(v / INTERVAL) * INTERVAL;
    expect(got.checkpoints).toBe(cp > 0 ? 1 : 0);
    expect(got.commits).toBe(cp > 0 ? Math.max(1, v - cp) : v + 1);
    if (cp > 0) expect(got.commits).toBeLessThanOrEqual(INTERVAL - 1); // before the first checkpoint: replay from commit 0
    expect(got.other).toBe(1); // _last_checkpoint
    expect(store.lists.length).toBeLessThanOrEqual(2);
  });

  it('resolves AS OF TIMESTAMP with a binary search, then opens from the checkpoint', async () => {
    store.reset();
    const snap = await loadSnapshot(store, root, { timestamp: syntheticTimestamp(7777) + 500 });
    expect(snap.version).toBe(7777);
    const got = kinds(store.gets);
    expect(got.checkpoints).toBe(1);
    expect(got.commits).toBeLessThanOrEqual(77 + Math.ceil(Math.log2(VERSIONS)) + 2);
  });
});

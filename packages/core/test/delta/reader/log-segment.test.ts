import { describe, expect, it } from 'vitest';
import { getLogSegment, latestVersion, parseLastCheckpoint } from '../../../src/delta/index.ts';
import { isAppError } from '../../../src/errors/index.ts';
import { CountingObjectStore } from './counting-store.ts';
import { memoryStore } from './memory-table.ts';
import { v } from './tables.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const ROOT = 't/';
const LOG = `${ROOT}_delta_log/`;

async function storeWith(names: string[], lastCheckpoint?: string) {
  const store = memoryStore();
  for (const n of names) await store.put(`${LOG}${n}`, enc(n.endsWith('.json') ? '{}\n' : 'PAR1'));
  if (lastCheckpoint !== undefined) await store.put(`${LOG}_last_checkpoint`, enc(lastCheckpoint));
  return new CountingObjectStore(store);
}
const commits = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `${v(from + i)}.json`);

async function errorCode(p: Promise<unknown>): Promise<string | undefined> {
  try { await p; } catch (e) { return isAppError(e) ? e.code : String(e); }
  return undefined;
}

describe('parseLastCheckpoint', () => {
  it('is lenient: nonstandard keys, parts null, junk', () => {
    expect(parseLastCheckpoint(enc('{"version":10,"size":13}'))).toEqual({ version: 10, parts: undefined });
    expect(parseLastCheckpoint(enc('{"size":6,"size_in_bytes":23521,"version":1}'))).toEqual({ version: 1, parts: undefined });
    expect(parseLastCheckpoint(enc('{"parts":null,"size":20622,"version":1}'))).toEqual({ version: 1, parts: undefined });
    expect(parseLastCheckpoint(enc('{"version":1,"parts":2}'))).toEqual({ version: 1, parts: 2 });
    expect(parseLastCheckpoint(enc(''))).toBeUndefined();
    expect(parseLastCheckpoint(enc('{"version":'))).toBeUndefined();
    expect(parseLastCheckpoint(enc('{"version":"3"}'))).toBeUndefined();
    expect(parseLastCheckpoint(undefined)).toBeUndefined();
  });
});

describe('getLogSegment', () => {
  it('uses the checkpoint and lists from the hint', async () => {
    const store = await storeWith([...commits(0, 12), `${v(10)}.checkpoint.parquet`], '{"version":10,"size":3}');
    const seg = await getLogSegment(store, ROOT);
    expect(seg.version).toBe(12);
    expect(seg.checkpoint?.version).toBe(10);
    expect(seg.commits.map((c) => c.version)).toEqual([11, 12]);
    expect(store.lists).toHaveLength(1);
    expect(store.lists[0]?.options?.startAfter).toBe(`${LOG}${v(10)}`);
  });
  it('time travel below the hint lists everything and picks the newest checkpoint ≤ target', async () => {
    const store = await storeWith([...commits(0, 25), `${v(10)}.checkpoint.parquet`, `${v(20)}.checkpoint.parquet`], '{"version":20,"size":3}');
    const seg = await getLogSegment(store, ROOT, 15);
    expect(seg.checkpoint?.version).toBe(10);
    expect(seg.commits.map((c) => c.version)).toEqual([11, 12, 13, 14, 15]);
    const at10 = await getLogSegment(store, ROOT, 10);
    expect(at10.commits).toEqual([]);
    expect(at10.versionCommit?.version).toBe(10);
  });
  it('falls back to a full listing when the hint is stale, empty or points at a missing checkpoint', async () => {
    for (const hint of ['{"version":50,"size":1}', '', 'garbage', '{"version":5,"size":1}']) {
      const store = await storeWith([...commits(0, 7), `${v(3)}.checkpoint.parquet`], hint);
      const seg = await getLogSegment(store, ROOT);
      expect(seg.version).toBe(7);
      expect(seg.checkpoint?.version).toBe(3);
    }
  });
  it('ignores sub-directories, .crc, compaction files, markers and temp checkpoints', async () => {
    const store = await storeWith([
      ...commits(0, 2), `.tmp/${v(3)}.json`, `${v(1)}.crc`, `${v(0)}.${v(2)}.compacted.json`, '.s3-optimization-0',
      `${v(2)}.checkpoint.parquet.tmp.abc`, `_sidecars/x.parquet`, `${v(3)}.json.tmp`,
    ]);
    const seg = await getLogSegment(store, ROOT);
    expect(seg.version).toBe(2);
    expect(seg.checkpoint).toBeUndefined();
    expect(seg.commits.map((c) => c.key)).toEqual(commits(0, 2).map((n) => `${LOG}${n}`));
  });
  it('uses a multi-part checkpoint only when all parts exist', async () => {
    const complete = await storeWith([...commits(0, 3), `${v(2)}.checkpoint.0000000001.0000000002.parquet`, `${v(2)}.checkpoint.0000000002.0000000002.parquet`]);
    const seg = await getLogSegment(complete, ROOT);
    expect(seg.checkpoint?.files.map((f) => f.part)).toEqual([1, 2]);
    const partial = await storeWith([...commits(0, 3), `${v(2)}.checkpoint.0000000001.0000000002.parquet`]);
    expect((await getLogSegment(partial, ROOT)).checkpoint).toBeUndefined();
  });
  it('an empty checkpoint file is not complete', async () => {
    const store = await storeWith(commits(0, 3));
    await store.put(`${LOG}${v(2)}.checkpoint.parquet`, new Uint8Array(0));
    expect((await getLogSegment(store, ROOT)).checkpoint).toBeUndefined();
  });
  it('a gap after the checkpoint is corrupt; a gap before it is fine', async () => {
    const gapAfter = await storeWith([...commits(0, 10), `${v(10)}.checkpoint.parquet`, `${v(11)}.json`, `${v(13)}.json`]);
    expect(await errorCode(getLogSegment(gapAfter, ROOT))).toBe('ERR_DELTA_LOG_CORRUPT');
    const gapBefore = await storeWith([...commits(0, 6), ...commits(8, 12), `${v(10)}.checkpoint.parquet`]);
    expect((await getLogSegment(gapBefore, ROOT)).version).toBe(12);
    // ... but the versions inside the gap's range cannot be rebuilt from before the gap.
    expect(await errorCode(getLogSegment(gapBefore, ROOT, 8))).toBe('ERR_DELTA_LOG_CORRUPT');
  });
  it('cleaned-up history: versions before the oldest checkpoint are not found', async () => {
    const store = await storeWith([...commits(5, 9), `${v(5)}.checkpoint.parquet`]);
    expect(await errorCode(getLogSegment(store, ROOT, 3))).toBe('ERR_DELTA_VERSION_NOT_FOUND');
    expect((await getLogSegment(store, ROOT, 5)).version).toBe(5);
    expect(await errorCode(getLogSegment(store, ROOT, 10))).toBe('ERR_DELTA_VERSION_NOT_FOUND');
  });
  it('no log is no table; latestVersion is undefined', async () => {
    const store = await storeWith([]);
    expect(await errorCode(getLogSegment(store, ROOT))).toBe('ERR_TABLE_NOT_FOUND');
    expect(await latestVersion(store, ROOT)).toBeUndefined();
    const one = await storeWith(commits(0, 4), '{"version":99,"size":1}');
    expect(await latestVersion(one, ROOT)).toBe(4);
  });
  it('UUID (v2) checkpoints are never used; needing one is an unsupported feature', async () => {
    const store = await storeWith([...commits(6, 8), `${v(6)}.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json`]);
    expect(await errorCode(getLogSegment(store, ROOT))).toBe('ERR_DELTA_UNSUPPORTED_FEATURE');
  });
});

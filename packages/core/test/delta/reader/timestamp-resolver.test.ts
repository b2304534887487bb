import { describe, expect, it } from 'vitest';
import { loadSnapshot, resolveVersionAtTimestamp } from '../../../src/delta/index.ts';
import { isAppError } from '../../../src/errors/index.ts';
import { CountingObjectStore } from './counting-store.ts';
import { commitInfo, METADATA, PROTOCOL, writeLog } from './memory-table.ts';
import { MemoryObjectStore } from '../../../src/object-store/index.ts';

const ROOT = 't/';

/** A store whose mtimes are given per put, in order. */
function storeWithClock(times: number[]): MemoryObjectStore {
  let i = 0;
  return new MemoryObjectStore({ now: () => times[Math.min(i++, times.length - 1)] ?? 0 });
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try { await p; } catch (e) { return isAppError(e) ? e.code : String(e); }
  return undefined;
}

describe('resolveVersionAtTimestamp', () => {
  it('uses in-commit timestamps when the table writes them, not mtimes', async () => {
    // mtimes are all equal (e.g. a bulk copy); inCommitTimestamps are 100, 200, ..., 1000.
    const mem = storeWithClock([5]);
    await writeLog(mem, ROOT, Array.from({ length: 10 }, (_, i) => [commitInfo({ timestamp: 100 * (i + 1), inCommitTimestamp: 100 * (i + 1) }), ...(i === 0 ? [PROTOCOL, METADATA()] : [])]));
    const store = new CountingObjectStore(mem);
    expect(await resolveVersionAtTimestamp(store, ROOT, 100)).toBe(0);
    expect(await resolveVersionAtTimestamp(store, ROOT, 550)).toBe(4);
    expect(await resolveVersionAtTimestamp(store, ROOT, 1000)).toBe(9);
    store.reset();
    await resolveVersionAtTimestamp(store, ROOT, 730);
    // The newest commit, the two ends, then a binary search: O(log n) GETs, not n.
    expect(store.gets.length).toBeLessThanOrEqual(8);
    expect(await code(resolveVersionAtTimestamp(store, ROOT, 99))).toBe('ERR_DELTA_TIMESTAMP_OUT_OF_RANGE');
    expect(await code(resolveVersionAtTimestamp(store, ROOT, 1001))).toBe('ERR_DELTA_TIMESTAMP_OUT_OF_RANGE');
    expect((await loadSnapshot(store, ROOT, { timestamp: 350 })).version).toBe(2);
  });
  it('without in-commit timestamps, mtimes are made strictly increasing (clock skew)', async () => {
    // mtimes 1000, 3000, 2000 (skewed), 4000 → effective 1000, 3000, 3001, 4000.
    const mem = storeWithClock([1000, 3000, 2000, 4000]);
    await writeLog(mem, ROOT, [[PROTOCOL, METADATA()], [commitInfo()], [commitInfo()], [commitInfo()]]);
    expect(await resolveVersionAtTimestamp(mem, ROOT, 2500)).toBe(0);
    expect(await resolveVersionAtTimestamp(mem, ROOT, 3000)).toBe(1);
    expect(await resolveVersionAtTimestamp(mem, ROOT, 3001)).toBe(2);
    expect(await resolveVersionAtTimestamp(mem, ROOT, 3999)).toBe(2);
    expect(await resolveVersionAtTimestamp(mem, ROOT, 4000)).toBe(3);
  });
  it('no table → ERR_TABLE_NOT_FOUND; a NaN time → ERR_BAD_REQUEST', async () => {
    const mem = storeWithClock([1]);
    expect(await code(resolveVersionAtTimestamp(mem, ROOT, 5))).toBe('ERR_TABLE_NOT_FOUND');
    expect(await code(resolveVersionAtTimestamp(mem, ROOT, Number.NaN))).toBe('ERR_BAD_REQUEST');
  });
});

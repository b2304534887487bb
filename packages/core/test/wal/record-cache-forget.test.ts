/**
 * WalRecordCache.forgetThrough (wip/bulk11): after a drain, the records at or below its watermark
 * leave the decoded-record cache — the LRU and the own-written records not yet taken — for that
 * table root only; records above the watermark and other tables' records stay cached.
 */
import { describe, expect, it } from 'vitest';
import { WalRecordCache } from '../../src/wal/record-cache.ts';
import type { WalRecord } from '../../src/wal/record-codec.ts';
import { walRecordKey } from '../../src/wal/wal-keys.ts';
import type { ObjectStore } from '../../src/object-store/index.ts';

const record = (n: number): WalRecord => ({
  tableId: 't', schemaFingerprint: 'f', columns: [{ name: 'id', type: 'BIGINT' }], primaryKey: ['id'], upserts: [[String(n)]], deletes: [], writerId: 'w', createdAt: n,
});
const entry = (root: string, seq: number) => ({ seq, key: walRecordKey(root, seq), size: 100 + seq, lastModified: 1_000 + seq });

describe('WalRecordCache.forgetThrough', () => {
  it('forgets the drained records of one root, in the LRU and among the own-written ones', () => {
    const store = {} as ObjectStore;
    const other = {} as ObjectStore;
    const cache = new WalRecordCache();
    for (const root of ['bucket/t1', 'bucket/t10']) for (let seq = 1; seq <= 6; seq++) cache.set(entry(root, seq), record(seq));
    // Own records not yet taken: seq 7 (drained below) and 9 (above), and one in another store.
    for (const seq of [7, 9]) cache.putWritten(store, walRecordKey('bucket/t1', seq), 100 + seq, record(seq));
    cache.putWritten(other, walRecordKey('bucket/t1', 7), 107, record(7));
    expect(cache.size).toBe(12);

    cache.forgetThrough(store, 'bucket/t1', 7);

    // bucket/t1 ≤ 7 gone from the LRU; bucket/t10 (a root that only shares a prefix) untouched.
    expect(cache.size).toBe(6);
    for (let seq = 1; seq <= 6; seq++) {
      expect(cache.get(entry('bucket/t1', seq))).toBeUndefined();
      expect(cache.get(entry('bucket/t10', seq))?.createdAt).toBe(seq);
    }
    // The own record at 7 is forgotten in this store, kept in the other; 9 is still taken once.
    expect(cache.getOrTakeWritten(store, entry('bucket/t1', 7))).toBeUndefined();
    expect(cache.getOrTakeWritten(other, entry('bucket/t1', 7))?.createdAt).toBe(7);
    expect(cache.getOrTakeWritten(store, entry('bucket/t1', 9))?.createdAt).toBe(9);
  });
});

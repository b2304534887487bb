/**
 * A record this process wrote is handed to the decoded-record cache by the WalWriter, so the next
 * fetch of it (the warm state's advance after a write) does not GET and decode it — and returns
 * exactly what decoding the stored bytes returns. A slot whose size differs is read back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalObjectStore } from '../../src/object-store/local-object-store.ts';
import { decodeWalRecord } from '../../src/wal/record-codec.ts';
import { WalRecordCache } from '../../src/wal/record-cache.ts';
import { WalWriter, type WalRecordContent } from '../../src/wal/wal-writer.ts';
import { fetchRecords } from '../../src/wal/wal-reader.ts';
import { listRecords } from '../../src/wal/list-records.ts';

const content = (n: number): WalRecordContent => ({
  tableId: 't', schemaFingerprint: 'fp',
  // An extra field on a column (as a table shape may carry) is not part of the stored record.
  columns: [{ name: 'id', type: 'BIGINT', extra: 1 } as { name: string; type: string }, { name: 's', type: 'VARCHAR' }],
  primaryKey: ['id'], upserts: Array.from({ length: n }, (_, i) => [String(i), i % 3 === 0 ? null : `v${i}`]), deletes: [['999']],
  idempotency: { key: 'req-1', rowsAffected: n },
});

describe('own written records in the decoded-record cache', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'k3-own-rec-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('the fetch after a write answers from the cache, equal to the decoded stored bytes', async () => {
    const store = new LocalObjectStore(join(dir, 'a'));
    const cache = new WalRecordCache();
    const writer = new WalWriter(store, { records: cache });
    const { seq } = await writer.append('tables/t', content(50));
    const gets: string[] = [];
    const counting = Object.assign(Object.create(store) as LocalObjectStore, { get: (k: string) => { gets.push(k); return store.get(k); } });
    const entries = await listRecords(store, 'tables/t', 0);
    expect(entries.map((e) => e.seq)).toEqual([seq]);
    const [fetched] = await fetchRecords(counting, entries, { cache });
    // The counting wrapper is another object: the own record is kept per store, so it is read back.
    expect(gets).toHaveLength(1);
    const [own] = await fetchRecords(store, entries, { cache: new WalRecordCache() });
    expect(own && 'result' in own).toBe(true);
    const direct = new WalRecordCache();
    const writer2 = new WalWriter(store, { records: direct });
    const second = await writer2.append('tables/t', content(7));
    const entries2 = (await listRecords(store, 'tables/t', seq));
    const storedGets: string[] = [];
    const origGet = store.get.bind(store);
    store.get = (k: string) => { storedGets.push(k); return origGet(k); };
    const [hit] = await fetchRecords(store, entries2, { cache: direct });
    expect(storedGets).toEqual([]);
    const stored = decodeWalRecord((await origGet(entries2[0]!.key))!, 'x');
    expect(entries2[0]!.seq).toBe(second.seq);
    expect(hit && 'result' in hit ? hit.result.record : undefined).toStrictEqual(stored);
    expect(fetched && 'result' in fetched ? fetched.result.record : undefined).toStrictEqual(decodeWalRecord((await origGet(entries[0]!.key))!, 'y'));
    store.get = origGet;
  });

  it('a listed size that differs from what was written reads the object back', async () => {
    const store = new LocalObjectStore(join(dir, 'b'));
    const cache = new WalRecordCache();
    await new WalWriter(store, { records: cache }).append('tables/t', content(5));
    const [entry] = await listRecords(store, 'tables/t', 0);
    const gets: string[] = [];
    const origGet = store.get.bind(store);
    store.get = (k: string) => { gets.push(k); return origGet(k); };
    const [r] = await fetchRecords(store, [{ ...entry!, size: entry!.size + 1 }], { cache });
    expect(gets).toEqual([entry!.key]);
    expect(r && 'result' in r ? r.result.record.upserts.length : -1).toBe(5);
    store.get = origGet;
  });
});

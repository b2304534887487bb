/**
 * WarmTables writes a new base only for statements that bind a view (docs/design/hot-path.md,
 * "Warm table state"): key-lookup-only acquires (point lookups, keyed fast paths, blind replaces)
 * never pay a base rewrite, however far the tail outgrows the limit; the next view-binding acquire
 * writes one base over everything and its STRONG view is exact.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTable } from '../../src/compaction/drain.ts';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { WalRecordCache } from '../../src/wal/record-cache.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { WarmTables } from '../../src/wal/warm-state.ts';
import { bindWarmStrongView } from '../../src/wal/bind-fresh.ts';
import { baseName, watchedStore } from '../support/watched-store.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from './support/wal-env.ts';

describe('WarmTables base rewrites', () => {
  let env: WalEnv;
  let writer: WalWriter;
  beforeAll(async () => {
    env = await createWalEnv();
    writer = new WalWriter(env.store);
  });
  afterAll(async () => env.close());

  it('key-lookup-only acquires write no base; the next view-binding acquire writes one and is exact', async () => {
    const root = 'deferred/';
    await createKeyedTable(env, root);
    const dir = join(env.dir, 'warm');
    const warm = new WarmTables({ db: env.db, records: new WalRecordCache(), dir, tailLimit: 4 });
    const bases = async (): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.parquet'));
    for (let round = 0; round < 6; round++) {
      const rows = Array.from({ length: 5 }, (_, i) => wideRow(round * 5 + i, 'eu', round)).join(' UNION ALL ');
      await keyedWrite(env, writer, root, rows);
      const lookup = await warm.acquire(env.store, root, await loadSnapshot(env.store, root), { keyLookupsOnly: true });
      // Every acknowledged key is in the shared overlay (the key index lookups read) …
      expect(lookup.overlay.byKey.size).toBe((round + 1) * 5);
      lookup.release();
      // … and no base was written although the tail holds more than tailLimit keys.
      expect(await bases()).toEqual([]);
    }
    const full = await warm.acquire(env.store, root, await loadSnapshot(env.store, root));
    try {
      expect(full.base?.rows).toBe(30);
      expect(full.tail.byKey.size).toBe(0);
      expect(await bases()).toHaveLength(1);
      const view = await bindWarmStrongView(env.conn, 'warm_strong', env.store, env.cache, full);
      try {
        const got = (await env.conn.runAndReadAll('SELECT * FROM warm_strong')).getRowObjectsJson().map((r) => JSON.stringify(r)).sort();
        expect(got).toEqual(await readRows(env, root, 'strong'));
        expect(got).toHaveLength(30);
      } finally {
        await view.release();
      }
    } finally {
      full.release();
      warm.clear();
    }
  });

  it('the first acquire after a drain forgets the drained records from the decoded-record cache (wip/bulk11)', async () => {
    const root = 'forget/';
    await createKeyedTable(env, root);
    const records = new WalRecordCache();
    const own = new WalWriter(env.store, { records });
    const warm = new WarmTables({ db: env.db, records, dir: join(env.dir, 'warm-forget') });
    for (let i = 0; i < 3; i++) await keyedWrite(env, own, root, wideRow(i, 'eu', i));
    const before = await warm.acquire(env.store, root, await loadSnapshot(env.store, root), { keyLookupsOnly: true });
    before.release();
    // The three own records were taken into the cache by the acquire's fetch.
    expect(records.size).toBe(3);
    // A drain elsewhere (no cache: another process), then one more write above its watermark.
    const drained = await drainTable(env.store, root, { batchSize: 100 }, env.deps);
    expect(drained.walEntriesProcessed).toBe(3);
    await keyedWrite(env, own, root, wideRow(9, 'eu', 9));
    const after = await warm.acquire(env.store, root, await loadSnapshot(env.store, root), { keyLookupsOnly: true });
    try {
      expect(after.watermark).toBe(drained.drainedThrough);
      expect(after.overlay.byKey.size).toBe(1);
      // Only the record above the watermark is still cached.
      expect(records.size).toBe(1);
    } finally {
      after.release();
      warm.clear();
    }
  });

  // hot-path.md "Round 17": the write log's new records by HEADs where a LIST reads the whole directory.
  it('on the local directory an advance HEADs the seqs after the folded one (no LIST of the backlog) and finds every new record', async () => {
    const root = 'probe/';
    await createKeyedTable(env, root);
    expect(env.store.listScansDirectory).toBe(true);
    const reads = { lists: 0, heads: [] as string[] };
    const counting = watchedStore(env.store, {
      list: (prefix) => { if (prefix.endsWith('_k3_wal/')) reads.lists++; },
      head: (key) => { if (key.includes('/_k3_wal/')) reads.heads.push(baseName(key)); },
    });
    // Another process's writer (its own head cache) fills a backlog of 50 records.
    const other = new WalWriter(env.store);
    for (let i = 0; i < 50; i++) await keyedWrite(env, other, root, wideRow(i, 'eu', i));
    const warm = new WarmTables({ db: env.db, records: new WalRecordCache(), dir: join(env.dir, 'warm-probe') });
    const pinned = await loadSnapshot(env.store, root);
    (await warm.acquire(counting, root, pinned, { keyLookupsOnly: true })).release(); // cold: one LIST of the log
    const seq = (n: number): string => `${String(n).padStart(20, '0')}.rec`;
    // Nothing new: one HEAD (seq 51, absent), no LIST of the 50 records.
    reads.lists = 0;
    reads.heads = [];
    const idle = await warm.acquire(counting, root, pinned, { keyLookupsOnly: true });
    expect(idle.overlay.byKey.size).toBe(50);
    idle.release();
    expect(reads).toEqual({ lists: 0, heads: [seq(51)] });
    // Three new records: HEADs of 51, 52, 53 (present) and 54 (absent).
    for (let i = 50; i < 53; i++) await keyedWrite(env, other, root, wideRow(i, 'eu', i));
    reads.heads = [];
    const three = await warm.acquire(counting, root, pinned, { keyLookupsOnly: true });
    expect(three.overlay.byKey.size).toBe(53);
    three.release();
    expect(reads).toEqual({ lists: 0, heads: [51, 52, 53, 54].map(seq) });
    // 40 new records: 32 HEADs, then one LIST after the 32nd finds the other 8.
    for (let i = 53; i < 93; i++) await keyedWrite(env, other, root, wideRow(i, 'eu', i));
    reads.heads = [];
    const forty = await warm.acquire(counting, root, pinned, { keyLookupsOnly: true });
    expect(forty.overlay.byKey.size).toBe(93);
    expect(forty.overlay.lastSeq).toBe(93);
    forty.release();
    expect(reads.lists).toBe(1);
    expect(reads.heads).toEqual(Array.from({ length: 32 }, (_, i) => seq(54 + i)));
    warm.clear();
  });

  // hot-path.md "Round 18": the drained markers are LISTed only when a commit follows the entry's version.
  it('an advance asks for the commit after its version (one HEAD) and LISTs the drained markers only when it exists; a drain that deleted unread records still rebuilds it', async () => {
    const root = 'markers/';
    await createKeyedTable(env, root);
    const reads = { markerLists: 0, commitHeads: [] as string[] };
    const counting = watchedStore(env.store, {
      list: (prefix) => { if (prefix.includes('/_drained/')) reads.markerLists++; },
      head: (key) => { if (key.includes('/_delta_log/')) reads.commitHeads.push(baseName(key)); },
    });
    const other = new WalWriter(env.store);
    for (let i = 0; i < 2; i++) await keyedWrite(env, other, root, wideRow(i, 'eu', i));
    const warm = new WarmTables({ db: env.db, records: new WalRecordCache(), dir: join(env.dir, 'warm-markers') });
    const pinned = await loadSnapshot(env.store, root);
    (await warm.acquire(counting, root, pinned, { keyLookupsOnly: true })).release(); // cold: records 1–2 folded
    const next = `${String(pinned.version + 1).padStart(20, '0')}.json`;
    // No commit after the entry's version: one HEAD of it, no LIST of the markers.
    reads.markerLists = 0;
    reads.commitHeads = [];
    const idle = await warm.acquire(counting, root, pinned, { keyLookupsOnly: true });
    expect(idle.overlay.byKey.size).toBe(2);
    idle.release();
    expect(reads).toEqual({ markerLists: 0, commitHeads: [next] });
    // Record 3 is acknowledged, then a drain commits records 1–3 and deletes them before this process
    // reads record 3. An advance from the old pinned snapshot finds no new record; the commit after its
    // version is there, the markers are LISTed, and the entry is rebuilt at the drain's commit.
    await keyedWrite(env, other, root, wideRow(2, 'eu', 2));
    const drained = await drainTable(env.store, root, { batchSize: 100 }, env.deps);
    expect(drained.drainedThrough).toBe(3);
    reads.markerLists = 0;
    reads.commitHeads = [];
    const raced = await warm.acquire(counting, root, pinned, { keyLookupsOnly: true });
    try {
      expect(reads.commitHeads[0]).toBe(next);
      expect(reads.markerLists).toBeGreaterThanOrEqual(1);
      expect(raced.snapshot.version).toBe(pinned.version + 1);
      expect(raced.watermark).toBe(3);
      expect(raced.overlay.byKey.size).toBe(0);
    } finally {
      raced.release();
      warm.clear();
    }
  });

  // hot-path.md "Round 15": statements of one table that overlap read `_k3_wal/` once per event-loop
  // turn, not once each; a statement alone on its table still reads it at once.
  it('acquires of a table with a state held share one read of the write log per turn; a lone acquire reads it at once', async () => {
    const root = 'coalesce/';
    await createKeyedTable(env, root);
    await keyedWrite(env, writer, root, wideRow(1, 'eu', 1));
    // Reads of the write log: LISTs of `_k3_wal/`, and on this local directory (a LIST reads the
    // whole directory) the HEADs of the seqs after the folded one (list-records.ts `newRecords`).
    expect(env.store.listScansDirectory).toBe(true);
    let walLists = 0;
    const counting = watchedStore(env.store, {
      list: (prefix) => { if (prefix.endsWith('_k3_wal/')) walLists++; },
      head: (key) => { if (/\/_k3_wal\/\d{20}\.rec$/.test(key)) walLists++; },
    });
    const warm = new WarmTables({ db: env.db, records: new WalRecordCache(), dir: join(env.dir, 'warm-coalesce') });
    const pinned = await loadSnapshot(env.store, root);
    (await warm.acquire(counting, root, pinned, { keyLookupsOnly: true })).release();
    // Alone (no state held): the read runs within the call, before it yields (nothing new: one HEAD).
    walLists = 0;
    const lone = warm.acquire(counting, root, pinned, { keyLookupsOnly: true });
    expect(walLists).toBe(1);
    (await lone).release();
    // With a state held (another statement executing), four acquires made in one turn wait the turn
    // and share ONE advance: the new record's HEAD and the next seq's (two advances would read at least
    // three times; before round 15 the first read at once and the other three shared a second).
    const held = await warm.acquire(counting, root, pinned, { keyLookupsOnly: true });
    await keyedWrite(env, writer, root, wideRow(2, 'eu', 2));
    walLists = 0;
    const four = [1, 2, 3, 4].map(() => warm.acquire(counting, root, pinned, { keyLookupsOnly: true }));
    expect(walLists).toBe(0);
    const states = await Promise.all(four);
    expect(walLists).toBe(2);
    // Each saw the record acknowledged before its call.
    for (const s of states) expect(s.overlay.byKey.size).toBe(2);
    // One more write, acknowledged before the next acquire starts: that acquire sees it.
    await keyedWrite(env, writer, root, wideRow(3, 'eu', 3));
    const after = await warm.acquire(counting, root, pinned, { keyLookupsOnly: true });
    expect(after.overlay.byKey.size).toBe(3);
    for (const s of [...states, after, held]) s.release();
    // Released (twice is harmless): alone again, the read runs at once.
    held.release();
    walLists = 0;
    const alone = warm.acquire(counting, root, pinned, { keyLookupsOnly: true });
    expect(walLists).toBe(1);
    (await alone).release();
    warm.clear();
  });
});

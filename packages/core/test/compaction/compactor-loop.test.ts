import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactorLeader } from '../../src/compaction/compactor-leader.ts';
import { compactorTick } from '../../src/compaction/compactor-loop.ts';
import { LocalLease, LocalLeaseRegistry } from '../../src/lease/local-lease.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { SnapshotCache } from '../../src/catalog/index.ts';
import type { ObjectStore } from '../../src/object-store/index.ts';
import { CountingObjectStore } from '../delta/reader/counting-store.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from '../wal/support/wal-env.ts';

describe('compactorTick', () => {
  let env: WalEnv;
  beforeAll(async () => {
    env = await createWalEnv();
  });
  afterAll(async () => env.close());

  it('drains only the tables whose backlog is large or old, in batches, and leaves the rest', async () => {
    const writer = new WalWriter(env.store);
    const reg = new LocalLeaseRegistry();
    const roots = ['big/', 'small/', 'empty/', 'plain/'];
    for (const root of roots) await createKeyedTable(env, root, root === 'plain/' ? { primaryKey: [] } : {});
    for (let i = 1; i <= 5; i++) await keyedWrite(env, writer, 'big/', wideRow(i, 'eu', i));
    await keyedWrite(env, writer, 'small/', wideRow(1, 'eu', 1));
    const tables = roots.map((root) => ({ root, leader: new CompactorLeader(env.store, root, new LocalLease(reg, { holder: 'c1', ttlMs: 10_000 }), env.deps, 'c1') }));
    const policy = { backlogEntries: 3, backlogAgeMs: 60_000 };
    const first = await compactorTick(env.store, tables, { policy, batchSize: 2 });
    expect(first.map((o) => o.status)).toEqual(['drained', 'idle', 'idle', 'not-keyed']);
    const big = first[0]!;
    expect(big.status === 'drained' && big.reason === 'size' && big.results.map((r) => r.walEntriesProcessed)).toEqual([2, 2, 1]);
    // An hour later the one small record is old enough.
    const later = await compactorTick(env.store, tables, { policy, batchSize: 2, clock: () => Date.now() + 3_600_000 });
    expect(later.map((o) => o.status)).toEqual(['idle', 'drained', 'idle', 'not-keyed']);
    expect((await readRows(env, 'big/', 'eventual'))).toHaveLength(5);
    expect((await readRows(env, 'small/', 'eventual'))).toHaveLength(1);
    for (const t of tables) await t.leader.stop();
  });

  it('with the catalog\'s snapshot cache, an idle tick reads none of the log, and a drain\'s commit is seen by the next tick', async () => {
    const store = new CountingObjectStore(env.store);
    const cache = new SnapshotCache();
    const writer = new WalWriter(store);
    const reg = new LocalLeaseRegistry();
    await createKeyedTable(env, 'cached/');
    const tables = [{ root: 'cached/', leader: new CompactorLeader(store, 'cached/', new LocalLease(reg, { holder: 'c2', ttlMs: 10_000 }), env.deps, 'c2') }];
    const opts = { policy: { backlogEntries: 2, backlogAgeMs: 60_000 }, batchSize: 100, snapshot: (s: ObjectStore, root: string) => cache.latest(s, root) };
    expect((await compactorTick(store, tables, opts)).map((o) => o.status)).toEqual(['idle']);
    store.reset();
    expect((await compactorTick(store, tables, opts)).map((o) => o.status)).toEqual(['idle']);
    // The log was not read: no GET of a commit or checkpoint, and on the local directory no LIST of it.
    expect(store.gets.filter((k) => k.includes('_delta_log/'))).toEqual([]);
    expect(store.lists.filter((l) => l.prefix.includes('_delta_log/'))).toEqual([]);
    for (let i = 1; i <= 3; i++) await keyedWrite(env, writer, 'cached/', wideRow(i, 'eu', i));
    const drained = await compactorTick(store, tables, opts);
    expect(drained.map((o) => o.status)).toEqual(['drained']);
    // The next tick's snapshot carries the drain's watermark: nothing is left to drain.
    const after = await compactorTick(store, tables, opts);
    expect(after[0]!.status === 'idle' && after[0]!.backlog.entries).toBe(0);
    expect(await readRows(env, 'cached/', 'eventual')).toHaveLength(3);
    await tables[0]!.leader.stop();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactorLeader } from '../../src/compaction/compactor-leader.ts';
import { compactorTick } from '../../src/compaction/compactor-loop.ts';
import { LocalLease, LocalLeaseRegistry } from '../../src/lease/local-lease.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
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
});

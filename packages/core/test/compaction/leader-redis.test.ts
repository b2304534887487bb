/**
 * Two compactors elected through RedisLease (real redis-server). Redis is restarted without its
 * data while the leader is in the middle of a drain: the other compactor wins a fresh lease and
 * drains; the old leader resumes and is fenced by the storage epoch. Nothing lost or duplicated.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactorLeader } from '../../src/compaction/compactor-leader.ts';
import type { AppError } from '../../src/errors/index.ts';
import { LocalLease, LocalLeaseRegistry } from '../../src/lease/local-lease.ts';
import { RedisLease } from '../../src/lease/redis-lease.ts';
import { WalWriter } from '../../src/wal/wal-writer.ts';
import { startRedisServer, type RedisTestServer } from '../support/redis-server.ts';
import { createKeyedTable, createWalEnv, keyedWrite, readRows, wideRow, type WalEnv } from '../wal/support/wal-env.ts';
import { KeyedHistory, idsOf } from './support/keyed-history.ts';

describe('leader election + storage fencing', () => {
  let env: WalEnv;
  let server: RedisTestServer;
  let clients: Redis[];
  beforeAll(async () => {
    env = await createWalEnv();
    server = await startRedisServer();
    clients = [new Redis(server.url), new Redis(server.url)];
  }, 20_000);
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
    await env.close();
  });

  async function write(writer: WalWriter, root: string, history: KeyedHistory, upserts: [number, string, number][], deletes: [number, string][] = []): Promise<void> {
    const up = upserts.length === 0 ? undefined : upserts.map(([i, r, n]) => wideRow(i, r, n)).join(' UNION ALL ');
    const del = deletes.length === 0 ? undefined : deletes.map(([i, r]) => `SELECT ${i} AS id, '${r}' AS region`).join(' UNION ALL ');
    await keyedWrite(env, writer, root, up, del);
    history.apply({ upserts, deletes });
  }

  it('Redis restart mid-drain: the new leader drains, the old one is fenced', async () => {
    const root = 'redis-restart/';
    await createKeyedTable(env, root);
    const history = new KeyedHistory();
    const writer = new WalWriter(env.store);
    const a = new CompactorLeader(env.store, root, new RedisLease(clients[0]!, { holder: 'A', ttlMs: 5_000, renewEveryMs: 50 }), env.deps, 'A');
    const b = new CompactorLeader(env.store, root, new RedisLease(clients[1]!, { holder: 'B', ttlMs: 5_000, renewEveryMs: 50 }), env.deps, 'B');
    await write(writer, root, history, [[1, 'eu', 1], [2, 'eu', 1]]);
    expect((await a.tick({ batchSize: 100 }))?.walEntriesProcessed).toBe(1);
    expect(await b.tick({ batchSize: 100 })).toBeUndefined();
    await write(writer, root, history, [[1, 'eu', 2]], [[2, 'eu']]);
    let reached!: () => void;
    let resume!: () => void;
    const atPause = new Promise<void>((r) => (reached = r));
    const resumed = new Promise<void>((r) => (resume = r));
    const aTick = a.tick({ batchSize: 100, hooks: { afterWrite: async () => { reached(); await resumed; } } });
    await atPause;
    await server.restart();
    await write(writer, root, history, [[3, 'us', 1]]);
    const bResult = await b.tick({ batchSize: 100 });
    expect(bResult?.walEntriesProcessed).toBe(2);
    expect(b.fence!.epoch).toBeGreaterThan(a.fence!.epoch);
    resume();
    const err = await aTick.catch((e: unknown) => e);
    expect((err as AppError).code).toBe('ERR_COMPACTOR_FENCED');
    await write(writer, root, history, [[4, 'us', 1]], [[1, 'eu']]);
    expect(await a.tick({ batchSize: 100 })).toBeUndefined(); // B holds the lease now
    expect((await b.tick({ batchSize: 100 }))?.walEntriesProcessed).toBe(1);
    expect(idsOf(await readRows(env, root, 'eventual'))).toEqual(history.expected());
    await a.stop();
    await b.stop();
  }, 60_000);

  it('embedded mode: LocalLease elects one of two compactors; ticks of the loser do nothing', async () => {
    const root = 'local-lease/';
    await createKeyedTable(env, root);
    const history = new KeyedHistory();
    const writer = new WalWriter(env.store);
    const reg = new LocalLeaseRegistry();
    const a = new CompactorLeader(env.store, root, new LocalLease(reg, { holder: 'A', ttlMs: 10_000 }), env.deps, 'A');
    const b = new CompactorLeader(env.store, root, new LocalLease(reg, { holder: 'B', ttlMs: 10_000 }), env.deps, 'B');
    for (let i = 1; i <= 3; i++) {
      await write(writer, root, history, [[i, 'eu', i]]);
      const [ra, rb] = await Promise.all([a.tick({ batchSize: 100 }), b.tick({ batchSize: 100 })]);
      expect([ra, rb].filter((r) => r !== undefined)).toHaveLength(1);
    }
    expect(idsOf(await readRows(env, root, 'eventual'))).toEqual(history.expected());
    await a.stop();
    await b.stop();
  }, 60_000);
});

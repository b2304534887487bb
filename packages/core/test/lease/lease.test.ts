/**
 * Lease adapters: LocalLease (in process) and RedisLease against a real redis-server.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLease, LocalLeaseRegistry } from '../../src/lease/local-lease.ts';
import { RedisLease } from '../../src/lease/redis-lease.ts';
import { startRedisServer, type RedisTestServer } from '../support/redis-server.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('LocalLease', () => {
  it('is exclusive until released, then another holder gets it', async () => {
    const reg = new LocalLeaseRegistry();
    const a = new LocalLease(reg, { holder: 'a', ttlMs: 10_000 });
    const b = new LocalLease(reg, { holder: 'b', ttlMs: 10_000 });
    const ha = await a.tryAcquire('t');
    expect(ha?.isHeld()).toBe(true);
    expect(await b.tryAcquire('t')).toBeUndefined();
    await ha!.release();
    expect(ha!.isHeld()).toBe(false);
    const hb = await b.tryAcquire('t');
    expect(hb?.isHeld()).toBe(true);
    await hb!.release();
  });

  it('expires when its holder stops renewing in time (a paused process)', async () => {
    let now = 1_000;
    const reg = new LocalLeaseRegistry(() => now);
    const a = new LocalLease(reg, { holder: 'a', ttlMs: 100, renewEveryMs: 60_000 });
    const b = new LocalLease(reg, { holder: 'b', ttlMs: 100 });
    const ha = await a.tryAcquire('t');
    now += 101;
    expect(ha!.isHeld()).toBe(false);
    const hb = await b.tryAcquire('t');
    expect(hb?.isHeld()).toBe(true);
    // The old holder's late release does not free the new holder's lease.
    await ha!.release();
    expect(hb!.isHeld()).toBe(true);
    expect(await a.tryAcquire('t')).toBeUndefined();
    await hb!.release();
  });
});

describe('RedisLease (real redis-server)', () => {
  let server: RedisTestServer;
  let redisA: Redis;
  let redisB: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redisA = new Redis(server.url);
    redisB = new Redis(server.url);
  }, 20_000);
  afterAll(async () => {
    redisA.disconnect();
    redisB.disconnect();
    await server.stop();
  });

  it('SET NX PX: one holder at a time; release lets the other in', async () => {
    const a = new RedisLease(redisA, { holder: 'a', ttlMs: 5_000 });
    const b = new RedisLease(redisB, { holder: 'b', ttlMs: 5_000 });
    const ha = await a.tryAcquire('excl');
    expect(ha?.isHeld()).toBe(true);
    expect(await b.tryAcquire('excl')).toBeUndefined();
    await ha!.release();
    const hb = await b.tryAcquire('excl');
    expect(hb?.isHeld()).toBe(true);
    await hb!.release();
  });

  it('renewal keeps the lease past its ttl', { timeout: 20_000 }, async () => {
    const a = new RedisLease(redisA, { holder: 'a', ttlMs: 1_500, renewEveryMs: 100 });
    const b = new RedisLease(redisB, { holder: 'b', ttlMs: 1_500 });
    const ha = await a.tryAcquire('renew');
    await sleep(3_500);
    expect(ha!.isHeld()).toBe(true);
    expect(await b.tryAcquire('renew')).toBeUndefined();
    await ha!.release();
  });

  it('an expired holder cannot release (compare-and-delete) or renew the new holder\'s lease', async () => {
    const a = new RedisLease(redisA, { holder: 'a', ttlMs: 150, renewEveryMs: 60_000 });
    const b = new RedisLease(redisB, { holder: 'b', ttlMs: 5_000 });
    const ha = await a.tryAcquire('cad');
    await sleep(250);
    expect(ha!.isHeld()).toBe(false);
    const hb = await b.tryAcquire('cad');
    expect(hb).toBeDefined();
    await ha!.release();
    expect(await redisB.get('k3:lease:cad')).toBe('b');
    await hb!.release();
    expect(await redisB.get('k3:lease:cad')).toBeNull();
  });

  it('a Redis restart loses the lease: the holder notices at its next renewal', async () => {
    const a = new RedisLease(redisA, { holder: 'a', ttlMs: 2_000, renewEveryMs: 50 });
    const ha = await a.tryAcquire('restart');
    await server.restart();
    const deadline = Date.now() + 10_000;
    while (ha!.isHeld() && Date.now() < deadline) await sleep(50);
    expect(ha!.isHeld()).toBe(false);
    const b = new RedisLease(redisB, { holder: 'b', ttlMs: 5_000 });
    const hb = await b.tryAcquire('restart');
    expect(hb?.isHeld()).toBe(true);
    await hb!.release();
    await ha!.release();
  }, 30_000);
});

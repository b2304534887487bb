/**
 * The scanner service in the compactor role: leader-elected per rule through RedisLease (real
 * redis-server). Two scanners over the same bucket: only the lease holder scans a rule; objects
 * uploaded while they run are ingested exactly once; stop() gives the lease back and the other
 * scanner takes over.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineScanner } from '../../src/pipeline/index.ts';
import type { IngestRule, ScanOutcome } from '../../src/pipeline/index.ts';
import { RedisLease } from '../../src/lease/redis-lease.ts';
import { startRedisServer, type RedisTestServer } from '../support/redis-server.ts';
import { createPipelineEnv, csvBody, type PipelineEnv } from './support/pipeline-env.ts';

let env: PipelineEnv;
let redis: RedisTestServer;
let clients: Redis[];
beforeAll(async () => {
  env = await createPipelineEnv('local');
  redis = await startRedisServer();
  clients = [new Redis(redis.url), new Redis(redis.url)];
}, 30_000);
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await redis?.stop();
  await env?.close();
});

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) if (await check()) return;
  throw new Error(`timed out waiting for ${what}`);
}

describe('PipelineScanner with Redis leases', () => {
  it('one scanner per rule; the other takes over after stop(); exactly once throughout', async () => {
    await env.engine.pipelines.createTablePipeline({ bucket: env.bucket, name: 'leased', rule: { globs: ['leased/*.csv'], format: 'csv' } });
    const scansBy: string[][] = [[], []];
    const scanners = clients.map((client, i) => new PipelineScanner({
      pipelines: env.engine.pipelines,
      stores: env.stores,
      lease: new RedisLease(client, { holder: `scanner-${i}`, ttlMs: 5_000 }),
      intervalMs: 100,
      onScan: (_bucket: string, rule: IngestRule, _outcome: ScanOutcome) => void scansBy[i]!.push(rule.table),
    }));
    for (const s of scanners) s.start();
    try {
      for (let i = 0; i < 10; i++) await env.put(`leased/${i}.csv`, csvBody(i, 2));
      await until('10 objects', async () => (await env.count('leased').catch(() => -1)) === 20);
      const leader = scansBy[0]!.length > 0 ? 0 : 1;
      expect(scansBy[1 - leader]).toEqual([]);
      await scanners[leader]!.stop();
      const before = scansBy[1 - leader]!.length;
      for (let i = 10; i < 15; i++) await env.put(`leased/${i}.csv`, csvBody(i, 2));
      await until('5 more objects', async () => (await env.count('leased').catch(() => -1)) === 30);
      expect(scansBy[1 - leader]!.length).toBeGreaterThan(before);
      expect(await env.rows('SELECT count(DISTINCT id), count(DISTINCT _k3_source_key) FROM leased')).toEqual([['30', '15']]);
    } finally {
      for (const s of scanners) await s.stop();
    }
  }, 120_000);
});

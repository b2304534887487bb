/**
 * Distributed query end to end through `k3 cluster up` (separate processes: a real redis-server,
 * the coordinator, workers): SQL over HTTP → planner → one BullMQ scan job per kept partition →
 * workers (DuckDB) → reducer → FINAL SQL on the coordinator.
 *
 * - the seeds' `contracts` GROUP BY: FEDERATED_AGGREGATE, 4 partitions, exact vs DuckDB; a filter
 *   on the partition column scans only the kept partitions (the queue's completed-job count proves it);
 * - a bounded property sample (generated tables/queries) vs DuckDB with the expected strategy;
 * - faults: kill -9 of a worker mid-query (still exact), a coordinator whose deadline is shorter
 *   than the workers' scans (504 ERR_QUERY_TIMEOUT), Redis stopped (503 ERR_QUEUE_UNAVAILABLE);
 * - the same contracts query with every role on the S3 protocol over HTTP (s3rver, honest mode).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_NAMES, queuePrefix } from '../../packages/core/src/jobs/index.ts';
import { startRedisServer, type RedisTestServer } from '../../packages/core/test/support/redis-server.ts';
import { S3_TEST_CREDENTIALS, startS3Server, type S3TestServer } from '../../packages/core/test/support/s3-server.ts';
import { compareResults } from '../support/compare-results.ts';
import { DuckDBReference } from '../support/duckdb-reference.ts';
import { federatedQueryArb, federatedSetup, FLOAT_TOLERANCE } from '../support/federated-queries.ts';
import { k3fetch, registerToken, startServer, type StartedServer } from '../support/server.ts';
import { alive, clusterUp, type Running } from './support/cluster-process.ts';

const BUCKET = 'lake';
const CONTRACTS = [
  'CREATE TABLE contracts (id BIGINT, region VARCHAR NOT NULL, signed_at DATE, amount DOUBLE, channel VARCHAR) PARTITIONED BY (region)',
  `INSERT INTO contracts VALUES
   (9912001, 'UK', DATE '2026-04-01', 58200.00, 'web'), (9912002, 'UK', DATE '2026-04-02', 61250.50, 'sales'),
   (9912003, 'UK', DATE '2026-04-04', 91400.00, 'web'), (9912004, 'EU', DATE '2026-03-15', 45000.25, 'partner'),
   (9912005, 'EU', DATE '2026-04-07', 67300.00, 'web'), (9912006, 'US', DATE '2026-02-01', 60100.00, 'sales'),
   (9912007, 'APAC', DATE '2025-12-30', 12000.00, 'web'), (9912008, 'APAC', DATE '2026-05-05', 30500.75, 'partner'),
   (9912009, 'US', DATE '2025-11-11', 99999.99, 'web')`,
  `INSERT INTO contracts SELECT 10000000 + range, ['UK', 'EU', 'US', 'APAC'][range % 4 + 1], DATE '2025-10-01' + (range % 200)::INTEGER,
     1000 + (range * 37 % 5000) / 4.0, 'bulk' FROM range(2000)`,
];
/** The seeds' query (000: "3 rows · 4 partitions scanned in parallel"). */
const SEEDS_GROUP_BY = `SELECT region, COUNT(*) AS cnt, SUM(amount) AS total, AVG(amount) AS avg_value
FROM contracts WHERE signed_at > '2026-01-01' GROUP BY region ORDER BY total DESC`;

interface Body {
  code?: string;
  query?: { strategy: string; strategyReason: string; partitionsScanned: string; partitionsPruned: string; filesScanned: string; columns: { name: string; type: string }[]; rows: unknown[][]; timings: Record<string, number> };
}

async function post(url: string, sql: string, bucket = BUCKET): Promise<{ status: number; body: Body }> {
  const res = await k3fetch(`${url}/${bucket}/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
  return { status: res.status, body: (await res.json()) as Body };
}

async function ok(url: string, sql: string, bucket = BUCKET): Promise<NonNullable<Body['query']>> {
  const { status, body } = await post(url, sql, bucket);
  expect(status, `${sql}\n${JSON.stringify(body)}`).toBe(200);
  return body.query!;
}

async function run(url: string, sql: string, bucket = BUCKET): Promise<void> {
  const { status, body } = await post(url, sql, bucket);
  expect(status, `${sql}\n${JSON.stringify(body)}`).toBe(200);
}

function killAll(c: Running | undefined): void {
  if (c !== undefined) for (const pid of [c.child.pid!, ...c.pids]) if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Property (bounded sample): generated queries through `url` equal DuckDB with the expected strategy. */
async function generatedQueriesEqualDuckDB(url: string, numRuns: number, seed: number): Promise<void> {
  await fc.assert(fc.asyncProperty(federatedQueryArb, async (g) => {
    const q = await ok(url, g.sql);
    const cmp = compareResults(q, await ref.run(g.sql), { ordered: g.ordered, tolerance: FLOAT_TOLERANCE });
    expect(cmp.equal, `${g.sql}\n${cmp.message}`).toBe(true);
    expect(q.strategy, g.sql).toBe(g.strategy);
  }), { numRuns, seed, endOnFailure: true });
}

let ref: DuckDBReference;
beforeAll(async () => {
  ref = await DuckDBReference.create();
  await ref.runAll([...CONTRACTS, ...federatedSetup(600)]);
});
afterAll(() => ref?.close());

describe('distributed query through k3 cluster up --workers 2 (local directory)', () => {
  const prefix = `k3f${process.pid}`;
  let redis: RedisTestServer;
  let dataDir: string;
  let cluster: Running | undefined;
  let queue: Queue;
  const completed = async (): Promise<number> => (await queue.getJobCounts('completed')).completed ?? 0;

  beforeAll(async () => {
    redis = await startRedisServer();
    dataDir = await mkdtemp(path.join(tmpdir(), 'k3-fedc-'));
    cluster = await clusterUp({
      K3_DATA_DIR: dataDir, K3_REDIS_URL: redis.url, K3_QUEUE_PREFIX: prefix, K3_FEDERATE_MIN_BYTES: '0',
      // Every scan job takes at least 1 s, so a worker can be killed while it holds one; a dead
      // worker's lock lapses within ~2 s and its job runs on the other worker.
      K3_TEST_SCAN_DELAY: '1s', K3_JOB_LOCK_DURATION: '2s', K3_JOB_RETENTION_COUNT: '10000',
    }, 2);
    queue = new Queue(QUEUE_NAMES.scan, { connection: { url: redis.url } as never, prefix: queuePrefix(prefix) });
    for (const sql of CONTRACTS) await run(cluster.url, sql);
    for (const sql of federatedSetup(600)) await run(cluster.url, sql);
  }, 180_000);

  afterAll(async () => {
    await queue?.close();
    killAll(cluster);
    await redis?.stop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it("the seeds' contracts GROUP BY: FEDERATED_AGGREGATE over 4 partitions (4 jobs), equal to DuckDB", async () => {
    const before = await completed();
    const q = await ok(cluster!.url, SEEDS_GROUP_BY);
    expect(q.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
    expect(q.partitionsScanned).toBe('4');
    expect(q.partitionsPruned).toBe('0');
    expect(await completed()).toBe(before + 4);
    expect(q.rows.map((r) => r[0])).toHaveLength(4);
    const cmp = compareResults(q, await ref.run(SEEDS_GROUP_BY), { ordered: true, tolerance: FLOAT_TOLERANCE });
    expect(cmp.equal, cmp.message).toBe(true);
    expect(q.timings['queueMs']).toBeGreaterThanOrEqual(0);
    expect(q.timings['totalMs']).toBeGreaterThanOrEqual(1000); // each job slept K3_TEST_SCAN_DELAY
  }, 60_000);

  it('a filter on the partition column: pruned partitions are not scanned (2 jobs, not 4)', async () => {
    const sql = `SELECT region, COUNT(*) AS cnt, SUM(amount) AS total FROM contracts WHERE region IN ('UK', 'EU') GROUP BY region ORDER BY region`;
    const before = await completed();
    const q = await ok(cluster!.url, sql);
    expect(q.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
    expect(q.partitionsScanned).toBe('2');
    expect(q.partitionsPruned).toBe('2');
    expect(await completed()).toBe(before + 2);
    const cmp = compareResults(q, await ref.run(sql), { ordered: true, tolerance: FLOAT_TOLERANCE });
    expect(cmp.equal, cmp.message).toBe(true);
    // One partition left: no job at all, one node reads it.
    const one = await ok(cluster!.url, `SELECT COUNT(*) AS cnt FROM contracts WHERE region = 'US'`);
    expect(one.strategy).toBe('QUERY_STRATEGY_FEDERATED_TO_SINGLE');
    expect(await completed()).toBe(before + 2);
  }, 60_000);

  it('property (bounded sample through the cluster): generated queries equal DuckDB with the expected strategy', async () => {
    await generatedQueriesEqualDuckDB(cluster!.url, 8, 5007);
  }, 180_000);

  it('K3_FEDERATE_MAX_JOBS=2: the 4 partitions travel as 2 scan jobs, partitionsScanned still 4, answers equal DuckDB (property)', async () => {
    // A second coordinator process on the same Redis, queue and data that packs partitions into 2 jobs.
    let packed: StartedServer | undefined;
    try {
      packed = await startServer({ K3_REDIS_URL: redis.url, K3_QUEUE_PREFIX: prefix, K3_FEDERATE_MIN_BYTES: '0', K3_FEDERATE_MAX_JOBS: '2' }, { dataDir });
      if (cluster?.token !== undefined) registerToken(packed.url, cluster.token);
      const before = await completed();
      const q = await ok(packed.url, SEEDS_GROUP_BY);
      expect(q.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
      expect(q.partitionsScanned).toBe('4');
      expect(await completed()).toBe(before + 2);
      const cmp = compareResults(q, await ref.run(SEEDS_GROUP_BY), { ordered: true, tolerance: FLOAT_TOLERANCE });
      expect(cmp.equal, cmp.message).toBe(true);
      await generatedQueriesEqualDuckDB(packed.url, 6, 5014);
    } finally {
      await packed?.stop({ keepData: true });
    }
  }, 120_000);

  it('a coordinator whose deadline is shorter than the scans → 504 ERR_QUERY_TIMEOUT', async () => {
    // A second coordinator process on the same Redis, queue and data, with a 500 ms deadline.
    let impatient: StartedServer | undefined;
    try {
      impatient = await startServer({ K3_REDIS_URL: redis.url, K3_QUEUE_PREFIX: prefix, K3_FEDERATE_MIN_BYTES: '0', K3_QUERY_TIMEOUT: '500ms' }, { dataDir });
      // Same store, so the same tokens: the one `cluster up` minted.
      if (cluster?.token !== undefined) registerToken(impatient.url, cluster.token);
      const started = Date.now();
      const { status, body } = await post(impatient.url, SEEDS_GROUP_BY);
      expect(status).toBe(504);
      expect(body.code).toBe('ERR_QUERY_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await impatient?.stop({ keepData: true });
    }
  }, 60_000);

  it('kill -9 of a worker during a query: its jobs run on the other worker and the answer is still exact', async () => {
    const workers = [...cluster!.out().matchAll(/worker \d+ ready \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(workers).toHaveLength(2);
    const running = ok(cluster!.url, SEEDS_GROUP_BY);
    for (let i = 0; i < 200 && (await queue.getActiveCount()) < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(await queue.getActiveCount()).toBeGreaterThanOrEqual(2);
    process.kill(workers[0]!, 'SIGKILL');
    const q = await running;
    expect(alive(workers[0]!)).toBe(false);
    expect(q.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
    expect(q.partitionsScanned).toBe('4');
    const cmp = compareResults(q, await ref.run(SEEDS_GROUP_BY), { ordered: true, tolerance: FLOAT_TOLERANCE });
    expect(cmp.equal, cmp.message).toBe(true);
    const stalled = (await queue.getJobs(['completed'], 0, 50)).filter((j) => (j.stalledCounter ?? 0) >= 1);
    expect(stalled.length).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('Redis stopped → 503 ERR_QUEUE_UNAVAILABLE', async () => {
    await queue.close();
    await redis.stop();
    const { status, body } = await post(cluster!.url, SEEDS_GROUP_BY);
    expect(status).toBe(503);
    expect(body.code).toBe('ERR_QUEUE_UNAVAILABLE');
  }, 60_000);
});

describe('distributed query with every role on the S3 protocol over HTTP (s3rver, honest mode)', () => {
  let s3: S3TestServer;
  let cluster: Running | undefined;
  beforeAll(async () => {
    s3 = await startS3Server({ conditionalWrites: 'honest' });
    await s3.createBucket(BUCKET);
  });
  afterAll(async () => {
    killAll(cluster);
    await s3?.stop();
  });

  it("the seeds' contracts GROUP BY through the cluster over S3: FEDERATED_AGGREGATE over 4 partitions, equal to DuckDB", async () => {
    cluster = await clusterUp({
      K3_S3_ENDPOINT: s3.endpoint, K3_S3_FORCE_PATH_STYLE: 'true', K3_S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      K3_FEDERATE_MIN_BYTES: '0', K3_JOB_RESULT_INLINE_MAX_BYTES: '1KiB',
    }, 2);
    expect(cluster.out()).toContain('store s3');
    for (const sql of CONTRACTS) await run(cluster.url, sql);
    const q = await ok(cluster.url, SEEDS_GROUP_BY);
    expect(q.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
    expect(q.partitionsScanned).toBe('4');
    const cmp = compareResults(q, await ref.run(SEEDS_GROUP_BY), { ordered: true, tolerance: FLOAT_TOLERANCE });
    expect(cmp.equal, cmp.message).toBe(true);
    const scan = 'SELECT id, region, amount FROM contracts ORDER BY amount DESC, id LIMIT 5';
    const top = await ok(cluster.url, scan);
    expect(top.strategy).toBe('QUERY_STRATEGY_FEDERATED_SCAN');
    expect(top.rows).toEqual((await ref.run(scan)).rows);
  }, 240_000);
});

/**
 * Federated reads through the real Engine (real DuckDB, real Parquet in a local bucket): the
 * in-process executor (embedded mode) and the BullMQ executor with scan workers on a real
 * redis-server. Generated queries must equal DuckDB on the same rows (floats within
 * FLOAT_TOLERANCE) and report the expected strategy; fixed cases check the response fields.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecuteQueryResult } from '@k3/core/api';
import { loadConfig, type Config } from '@k3/core';
import { BullMQScanExecutor, createScanJobHandler, createScanWorker, type ScanExecutor } from '@k3/core/dispatch';
import { createDuckDB, FileCache, type K3DuckDB } from '@k3/core/exec';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { Engine } from '@k3/core/sql';
import { startRedisServer, type RedisTestServer } from '../../packages/core/test/support/redis-server.ts';
import { inWireForm } from '../../packages/core/test/support/wire-rows.ts';
import { compareResults } from '../support/compare-results.ts';
import { DuckDBReference } from '../support/duckdb-reference.ts';
import { federatedQueryArb, federatedSetup, FLOAT_TOLERANCE, type GeneratedQuery } from '../support/federated-queries.ts';

const BUCKET = 'fedb';

interface Rig {
  readonly engine: Engine;
  readonly db: K3DuckDB;
  readonly config: Config;
  readonly dir: string;
  query(sql: string): Promise<ExecuteQueryResult>;
  close(): Promise<void>;
}

async function createRig(env: Record<string, string>, executorFor?: (parts: { config: Config; db: K3DuckDB; cache: FileCache; stores: ReturnType<typeof createBucketStoreFactory> }) => ScanExecutor, reuseDir?: string): Promise<Rig> {
  const dir = reuseDir ?? await mkdtemp(path.join(tmpdir(), 'k3-fed-'));
  const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: path.join(dir, 'data'), K3_CACHE_DIR: path.join(dir, 'cache'), K3_FEDERATE_MIN_BYTES: '0', ...env });
  const db = await createDuckDB({ threads: 2, allowedDirectories: [path.join(dir, 'data'), path.join(dir, 'cache')] });
  const cache = new FileCache({ dir: path.join(dir, 'cache', 'files'), maxBytes: 1 << 30 });
  const stores = createBucketStoreFactory(config);
  const executor = executorFor?.({ config, db, cache, stores });
  const engine = new Engine({ stores, db, cache, config, ...(executor !== undefined ? { executor } : {}) });
  return {
    engine, db, config, dir,
    async query(sql) {
      const r = await engine.execute({ bucket: BUCKET, sql });
      if (!('query' in r)) throw new Error(`expected a query result for ${sql}`);
      return inWireForm(r.query);
    },
    async close() {
      await engine.close();
      await executor?.close();
      db.closeSync();
      if (reuseDir === undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

let ref: DuckDBReference;
beforeAll(async () => {
  ref = await DuckDBReference.create();
  await ref.runAll(federatedSetup());
});
afterAll(() => ref?.close());

async function setUp(rig: Rig): Promise<void> {
  for (const sql of federatedSetup()) await rig.engine.execute({ bucket: BUCKET, sql });
}

async function checkAgainstReference(rig: Rig, q: GeneratedQuery): Promise<void> {
  const actual = await rig.query(q.sql);
  const expected = await ref.run(q.sql);
  const cmp = compareResults(actual, expected, { ordered: q.ordered, tolerance: FLOAT_TOLERANCE });
  expect(cmp.equal, `${q.sql}\n${cmp.message}`).toBe(true);
  expect(actual.strategy, q.sql).toBe(q.strategy);
}


/** Outputs scan jobs cannot carry (nested, INTERVAL): answered whole on one node, exactly. */
const UNCARRIED = ['SELECT i, [i, k] AS l FROM fed ORDER BY i LIMIT 4', "SELECT i, ts - TIMESTAMP '2024-01-01' AS since FROM fed ORDER BY i DESC LIMIT 3", 'SELECT {a: i, b: s} AS st FROM fed ORDER BY i LIMIT 2'];

async function checkUncarried(rig: Rig): Promise<void> {
  for (const sql of UNCARRIED) {
    const r = await rig.query(sql);
    expect(r.strategy, sql).toBe('QUERY_STRATEGY_UNARY_WAREHOUSE');
    expect(r.strategyReason, sql).toContain('scan jobs do not carry');
    const cmp = compareResults(r, await ref.run(sql), { ordered: true });
    expect(cmp.equal, `${sql}\n${cmp.message}`).toBe(true);
  }
}

describe('federated reads, embedded (in-process executor)', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await createRig({});
    await setUp(rig);
  }, 60_000);
  afterAll(async () => rig?.close());

  it('an aggregate over 5 partitions fans out: FEDERATED_AGGREGATE, stats from the jobs, timings', async () => {
    const r = await rig.query('SELECT g, count(*) AS n, sum(d) AS total, avg(f) AS mean FROM fed GROUP BY g ORDER BY g NULLS FIRST');
    expect(r.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
    expect(r.servedBy).toBe('SERVED_BY_WAREHOUSE');
    expect(r.strategyReason).toBe('');
    expect(r.partitionsScanned).toBe(5);
    expect(r.partitionsPruned).toBe(0);
    expect(Number(r.filesScanned)).toBe(10); // two INSERTs, one file per partition each
    expect(r.rowsScanned).toBe(1200);
    expect(Number(r.bytesScanned)).toBeGreaterThan(0);
    for (const k of ['planMs', 'queueMs', 'scanMs', 'mergeMs', 'totalMs'] as const) expect(r.timings[k]).toBeGreaterThanOrEqual(0);
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(r.timings.planMs + r.timings.mergeMs);
    const cmp = compareResults(r, await ref.run('SELECT g, count(*) AS n, sum(d) AS total, avg(f) AS mean FROM fed GROUP BY g ORDER BY g NULLS FIRST'), { ordered: true, tolerance: FLOAT_TOLERANCE });
    expect(cmp.equal, cmp.message).toBe(true);
    expect(r.version).toBe(2);
    expect(r.versions).toEqual({ fed: 2 });
  });

  it('a filter on the partition column prunes: only the kept partitions are scanned', async () => {
    const r = await rig.query("SELECT g, count(*) AS n FROM fed WHERE g IN ('A', 'C') GROUP BY g ORDER BY g");
    expect(r.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
    expect(r.partitionsScanned).toBe(2);
    expect(r.partitionsPruned).toBe(3);
    expect(r.filesScanned).toBe(4);
    const one = await rig.query("SELECT count(*) AS n FROM fed WHERE g = 'B'");
    expect(one.strategy).toBe('QUERY_STRATEGY_FEDERATED_TO_SINGLE');
    expect(one.strategyReason).toContain('K3_FEDERATE_MIN_PARTITIONS');
    expect(one.partitionsScanned).toBe(1);
    expect(one.partitionsPruned).toBe(4);
    expect(one.filesScanned).toBe(2);
    expect(one.rows).toEqual((await ref.run("SELECT count(*) AS n FROM fed WHERE g = 'B'")).rows);
  });

  it('a scan with ORDER BY … LIMIT is FEDERATED_SCAN (top-k per partition, merged exactly)', async () => {
    const sql = 'SELECT i, g, s FROM fed WHERE k > 3 ORDER BY i DESC LIMIT 7';
    const r = await rig.query(sql);
    expect(r.strategy).toBe('QUERY_STRATEGY_FEDERATED_SCAN');
    expect(r.rows).toEqual((await ref.run(sql)).rows);
  });

  it('an unpartitioned table is FEDERATED_TO_SINGLE with its reason; a shape that does not split is UNARY_WAREHOUSE with its reason', async () => {
    const flat = await rig.query('SELECT count(*) AS n, sum(i) AS s FROM flat');
    expect(flat.strategy).toBe('QUERY_STRATEGY_FEDERATED_TO_SINGLE');
    expect(flat.strategyReason).toBe('the table is not partitioned');
    // count(DISTINCT) grouped by the partition column merges exactly (each group lives in one partition) …
    const byPartition = 'SELECT g, count(DISTINCT s) AS n FROM fed GROUP BY g ORDER BY g';
    expect((await rig.query(byPartition)).strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
    // … across partitions it does not: one node answers.
    const sql = 'SELECT k, count(DISTINCT s) AS n FROM fed GROUP BY k ORDER BY k';
    const distinct = await rig.query(sql);
    expect(distinct.strategy).toBe('QUERY_STRATEGY_UNARY_WAREHOUSE');
    expect(distinct.strategyReason).not.toBe('');
    expect(distinct.rows).toEqual((await ref.run(sql)).rows);
  });

  it('outputs a partial cannot carry (LIST, STRUCT, INTERVAL) fall back to one node with the reason', async () => {
    await checkUncarried(rig);
  });

  it('statements that are not one-table SELECTs keep the single-node path', async () => {
    const join = await rig.query('SELECT count(*) AS n FROM fed JOIN flat USING (i)');
    expect(join.strategy).toBe('QUERY_STRATEGY_UNARY_WAREHOUSE');
    expect(join.rows).toEqual([['1200']]);
    const cte = await rig.query('WITH x AS (SELECT * FROM fed) SELECT count(*) AS n FROM x');
    expect(cte.rows).toEqual([['1200']]);
    // A parameter gets the single-node path's refusal, not a failed job.
    await expect(rig.query('SELECT g, count(*) AS n FROM fed WHERE i > $1 GROUP BY g')).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST' });
  });

  it('a repeated read plans once per table version: a commit adding a partition, a delete emptying one or a table created again under the name plans anew', async () => {
    const run = async (sql: string): Promise<{ rows: unknown; hit: boolean; strategy: string }> => {
      const before = rig.engine.federatedPlanHits;
      const r = await rig.query(sql);
      return { rows: r.rows, hit: rig.engine.federatedPlanHits === before + 1, strategy: r.strategy };
    };
    const exec = (sql: string) => rig.engine.execute({ bucket: BUCKET, sql });
    const sql = 'SELECT g, count(*) AS n, sum(v) AS s FROM planned GROUP BY g ORDER BY g';
    await exec('CREATE TABLE planned (g VARCHAR, v BIGINT) PARTITIONED BY (g)');
    await exec("INSERT INTO planned VALUES ('a', 1), ('b', 2), ('b', 3)");
    expect(await run(sql)).toEqual({ rows: [['a', '1', '1'], ['b', '2', '5']], hit: false, strategy: 'QUERY_STRATEGY_FEDERATED_AGGREGATE' });
    expect(await run(sql)).toEqual({ rows: [['a', '1', '1'], ['b', '2', '5']], hit: true, strategy: 'QUERY_STRATEGY_FEDERATED_AGGREGATE' });
    // A new partition: the plan of the old version would not scan it.
    await exec("INSERT INTO planned VALUES ('c', 10)");
    expect(await run(sql)).toEqual({ rows: [['a', '1', '1'], ['b', '2', '5'], ['c', '1', '10']], hit: false, strategy: 'QUERY_STRATEGY_FEDERATED_AGGREGATE' });
    expect((await run(sql)).hit).toBe(true);
    // Pruning is part of the plan: the same filter after a write that empties a kept partition.
    const pruned = "SELECT g, count(*) AS n FROM planned WHERE g IN ('a', 'c') GROUP BY g ORDER BY g";
    expect((await run(pruned)).rows).toEqual([['a', '1'], ['c', '1']]);
    await exec("DELETE FROM planned WHERE g = 'c'");
    expect(await run(pruned)).toEqual({ rows: [['a', '1']], hit: false, strategy: 'QUERY_STRATEGY_FEDERATED_TO_SINGLE' });
    // Dropped and created again under the name, back at version 0 with other rows.
    await exec('DROP TABLE planned');
    await exec('CREATE TABLE planned (g VARCHAR, v BIGINT) PARTITIONED BY (g)');
    await exec("INSERT INTO planned VALUES ('x', 7), ('y', 8)");
    expect(await run(sql)).toEqual({ rows: [['x', '1', '7'], ['y', '1', '8']], hit: false, strategy: 'QUERY_STRATEGY_FEDERATED_AGGREGATE' });
  });

  it('property: generated queries equal DuckDB and get the expected strategy', async () => {
    await fc.assert(fc.asyncProperty(federatedQueryArb, (q) => checkAgainstReference(rig, q)), { numRuns: 60, seed: 5005, endOnFailure: true });
  }, 240_000);
});

describe('federated reads through BullMQ workers on a real redis-server', () => {
  let redis: RedisTestServer;
  let rig: Rig;
  let worker: Worker | undefined;
  const prefix = `k3fed${process.pid}`;
  beforeAll(async () => {
    redis = await startRedisServer();
    rig = await createRig({ K3_REDIS_URL: redis.url, K3_QUEUE_PREFIX: prefix }, ({ config, db, cache, stores }) => {
      const handler = createScanJobHandler({ stores, db, cache, inlineMaxBytes: config.K3_JOB_RESULT_INLINE_MAX_BYTES, testDelayMs: 0 });
      worker = createScanWorker({ redisUrl: redis.url, prefix, connectTimeoutMs: 2_000, concurrency: 2, lockDurationMs: 30_000, handler });
      return new BullMQScanExecutor({ redisUrl: redis.url, prefix, connectTimeoutMs: 2_000, attempts: 2, backoffMs: 100, retentionMs: 60_000, retentionCount: 100 });
    });
    await setUp(rig);
  }, 60_000);
  afterAll(async () => {
    await worker?.close();
    await rig?.close();
    await redis?.stop();
  });

  it('property: a bounded sample of generated queries equals DuckDB through the queue', async () => {
    await fc.assert(fc.asyncProperty(federatedQueryArb, (q) => checkAgainstReference(rig, q)), { numRuns: 25, seed: 5006, endOnFailure: true });
  }, 240_000);

  it('outputs a partial cannot carry fall back to one node (the refusal comes back from a worker)', async () => {
    await checkUncarried(rig);
  }, 60_000);

  it('Redis stopped → 503 ERR_QUEUE_UNAVAILABLE for a federated read; single-node reads still answer', async () => {
    await redis.stop();
    await expect(rig.query('SELECT g, count(*) AS n FROM fed GROUP BY g')).rejects.toMatchObject({ code: 'ERR_QUEUE_UNAVAILABLE', status: 503 });
    const single = await rig.query("SELECT count(*) AS n FROM fed WHERE g = 'A'");
    expect(single.strategy).toBe('QUERY_STRATEGY_FEDERATED_TO_SINGLE');
    await redis.restart(); // an empty Redis again: the worker and the executor reconnect and close cleanly
    // Back once the clients have reconnected (ioredis retries with backoff).
    let again: ExecuteQueryResult | undefined;
    for (let i = 0; i < 100 && again === undefined; i++) {
      again = await rig.query('SELECT g, count(*) AS n FROM fed GROUP BY g').catch(async (err: { code?: string }) => {
        if (err.code !== 'ERR_QUEUE_UNAVAILABLE') throw err;
        await new Promise((r) => setTimeout(r, 200));
        return undefined;
      });
    }
    expect(again?.partitionsScanned).toBe(5);
  }, 60_000);
});

describe('deadline and cancellation of a federated read (in-process jobs slowed by K3_TEST_SCAN_DELAY)', () => {
  let loader: Rig;
  let rig: Rig;
  beforeAll(async () => {
    // Load with default settings; then a second engine on the same data with slow jobs and a short deadline.
    loader = await createRig({});
    await setUp(loader);
    rig = await createRig({ K3_TEST_SCAN_DELAY: '3s', K3_QUERY_TIMEOUT: '1s' }, undefined, loader.dir);
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
    await loader?.close();
  });

  const SQL = 'SELECT g, count(*) AS n FROM fed GROUP BY g';

  it('jobs slower than K3_QUERY_TIMEOUT → ERR_QUERY_TIMEOUT at the deadline, not after the jobs', async () => {
    const started = Date.now();
    await expect(rig.query(SQL)).rejects.toMatchObject({ code: 'ERR_QUERY_TIMEOUT', status: 504 });
    expect(Date.now() - started).toBeLessThan(2_900);
  });

  it('the client going away → ERR_QUERY_CANCELLED', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const running = rig.engine.execute({ bucket: BUCKET, sql: SQL, signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(running).rejects.toMatchObject({ code: 'ERR_QUERY_CANCELLED' });
    expect(Date.now() - started).toBeLessThan(900);
  });
});

/**
 * Distributed query through a local cluster (`startLocalCluster`, what `k3 cluster up` runs:
 * redis-server, coordinator and N worker processes over one data directory), side by side in the
 * same run with DuckDB in-process reading the SAME Parquet files. Writes bench/results/cluster.json.
 *
 * 1. The seeds' `contracts` GROUP BY over K3_BENCH_ROWS rows (default 10 million, 4 partitions)
 *    with 1, 2 and 4 workers (K3_WORKER_CONCURRENCY=1: workers = parallel jobs).
 * 2. Per-job overhead: an aggregate over K3_BENCH_TINY_PARTITIONS partitions of one row each
 *    (nearly empty jobs), per job = wall time / jobs.
 * 3. A highly selective query on a 100-partition table: one partition survives pruning (no job at
 *    all) and two partitions (two jobs), against DuckDB over all 100 partitions' files.
 *
 * Scan jobs per query: K3_FEDERATE_MAX_JOBS = the cluster's worker slots (workers × 1) unless
 * K3_BENCH_MAX_JOBS says otherwise (0 = one job per partition, the A/B baseline); the per-job row
 * divides by the jobs that actually ran. K3_BENCH_MIN_JOB_BYTES sets K3_FEDERATE_MIN_JOB_BYTES (default 0:
 * no floor; the per-job row's `jobs` then assumes no floor).
 *
 * Results are compared with their types (DuckDB is told p is INTEGER, as declared in k3).
 * Warm = the median of K3_BENCH_RUNS repetitions after one cold run (the contracts query: and K3_BENCH_WARMUP_QUERIES untimed ones). The contracts rows also time
 * DuckDB again in the same rounds, alternating with the cluster's queries (`duckdbSameRounds`,
 * `ratioToDuckDBSameRounds`): on a shared machine whose speed drifts minute to minute, a DuckDB
 * median taken once before the clusters start says little about the minutes each row ran in. Results of both sides are
 * compared (floats with a relative tolerance). Timing never fails anything.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, version as duckdbVersion } from '@duckdb/node-api';
import { loadSnapshot } from '@k3/core/delta';
import { encodeResult, type EncodedResult } from '@k3/core/exec';
import { LocalObjectStore } from '@k3/core/object-store';
import { startLocalCluster } from '../packages/cli/src/cluster/index.ts';
import { compareResults } from '../test/support/compare-results.ts';
import { execute, REPO_ROOT, registerToken, startServer, type StartedServer } from '../test/support/server.ts';

const ROWS = Number(process.env.K3_BENCH_ROWS ?? 10_000_000);
const RUNS = Number(process.env.K3_BENCH_RUNS ?? 3);
/**
 * Untimed contracts queries after the cold one, per cluster size (K3_BENCH_WARMUP_QUERIES, default 30),
 * as the write benches warm their statements up (htap-reads.ts WARMUP: V8 compiles a path's JS after
 * ≈ 100 runs). Round 18 measured no difference here: 30 and 150 gave the same 2-worker ratio
 * (`cluster-round18-1.json`, `cluster-round18-warmup150.json`) — a query is heavy enough.
 */
const WARMUP_QUERIES = Number(process.env.K3_BENCH_WARMUP_QUERIES ?? 30);
const TINY_PARTITIONS = Number(process.env.K3_BENCH_TINY_PARTITIONS ?? 32);
const WIDE_PARTITIONS = 100;
const WORKER_COUNTS = [1, 2, 4] as const;
/** Result file name (without .json): K3_BENCH_RESULT, default `cluster` (e.g. `scratch-<you>` for a loaded-machine check). */
const RESULT = process.env.K3_BENCH_RESULT ?? 'cluster';
const CHUNK = 2_500_000;
/**
 * K3_FEDERATE_MAX_JOBS for a cluster of `workers` (concurrency 1): the worker slots unless
 * K3_BENCH_MAX_JOBS is set. K3_BENCH_MAX_JOBS=0 means one job per partition: `k3 cluster up` would
 * pack a 0 to its worker slots, so it is sent as a bound above any partition count.
 */
const maxJobsFor = (workers: number): number => {
  const given = process.env.K3_BENCH_MAX_JOBS;
  if (given === undefined) return workers;
  return Number(given) === 0 ? 1_000_000 : Number(given);
};
const BUCKET = 'bench';

const GROUP_BY = `SELECT region, COUNT(*) AS cnt, SUM(amount) AS total, AVG(amount) AS avg_value
FROM contracts WHERE signed_at > '2026-01-01' GROUP BY region ORDER BY total DESC`;
const TINY = 'SELECT p, count(*) AS n, sum(v) AS s FROM tiny GROUP BY p ORDER BY p';
const SELECTIVE_ONE = 'SELECT count(*) AS n, sum(v) AS s, max(id) AS top FROM wide WHERE p = 42 AND v > 500';
const SELECTIVE_TWO = 'SELECT p, count(*) AS n, sum(v) AS s FROM wide WHERE p IN (7, 42) AND v > 500 GROUP BY p ORDER BY p';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const round = (ms: number): number => Math.round(ms * 100) / 100;

type QueryBody = NonNullable<Awaited<ReturnType<typeof execute>>['body']['query']>;

async function must(url: string, sql: string): Promise<QueryBody> {
  const res = await execute(url, BUCKET, sql);
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)} for ${sql.slice(0, 120)}`);
  return res.body.query!;
}

async function load(server: StartedServer): Promise<number> {
  const t0 = performance.now();
  await must(server.url, 'CREATE TABLE contracts (id BIGINT NOT NULL, region VARCHAR NOT NULL, signed_at DATE, amount DOUBLE, channel VARCHAR) PARTITIONED BY (region)');
  for (let start = 0; start < ROWS; start += CHUNK) {
    await must(server.url, `INSERT INTO contracts SELECT range AS id, ['UK', 'EU', 'US', 'APAC'][range % 4 + 1] AS region,
         DATE '2025-07-01' + (range % 365)::INTEGER AS signed_at, 1000 + ((range * 7919) % 100000) / 100.0 AS amount,
         ['web', 'sales', 'partner'][range % 3 + 1] AS channel
       FROM range(${start}, ${Math.min(ROWS, start + CHUNK)})`);
  }
  await must(server.url, 'CREATE TABLE tiny (p INTEGER NOT NULL, v BIGINT) PARTITIONED BY (p)');
  await must(server.url, `INSERT INTO tiny SELECT range, range * 10 FROM range(${TINY_PARTITIONS})`);
  const wideRows = Math.max(WIDE_PARTITIONS * 100, Math.floor(ROWS / 10));
  await must(server.url, 'CREATE TABLE wide (id BIGINT NOT NULL, p INTEGER NOT NULL, v BIGINT) PARTITIONED BY (p)');
  await must(server.url, `INSERT INTO wide SELECT range, (range % ${WIDE_PARTITIONS})::INTEGER, (range * 7919) % 1000 FROM range(${wideRows})`);
  return performance.now() - t0;
}

/** cold + warm median of one query over HTTP (`warmup` untimed runs between the cold run and the warm ones). */
async function timeHttp(url: string, sql: string, warmup = 0): Promise<{ coldMs: number; warmMedianMs: number; body: QueryBody }> {
  let t = performance.now();
  let body = await must(url, sql);
  const coldMs = performance.now() - t;
  for (let i = 0; i < warmup; i++) await must(url, sql);
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    t = performance.now();
    body = await must(url, sql);
    warm.push(performance.now() - t);
  }
  return { coldMs: round(coldMs), warmMedianMs: round(median(warm)), body };
}

/** The contracts GROUP BY through the cluster and DuckDB alternately (warm rounds only), medians of each and of their per-round ratio. */
async function timeHttpInterleaved(url: string, sql: string, duck: () => Promise<void>): Promise<{ warmMedianMs: number; duckdbWarmMedianMs: number; ratioMedian: number; roundsMs: { k3: number[]; duckdb: number[] } }> {
  const k3: number[] = [];
  const dk: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await must(url, sql);
    k3.push(performance.now() - t);
    t = performance.now();
    await duck();
    dk.push(performance.now() - t);
  }
  return { warmMedianMs: round(median(k3)), duckdbWarmMedianMs: round(median(dk)), ratioMedian: round(median(k3.map((x, i) => x / dk[i]!))), roundsMs: { k3: k3.map(round), duckdb: dk.map(round) } };
}

/** A kept DuckDB connection running `sql` over the table's snapshot files (for the interleaved rounds); close() ends it. */
async function duckdbRunner(dataDir: string, table: string, sql: string): Promise<{ run: () => Promise<void>; close: () => void }> {
  const snapshot = await loadSnapshot(new LocalObjectStore(path.join(dataDir, BUCKET)), `tables/${table}/`);
  const list = snapshot.files.map((f) => `'${path.join(dataDir, BUCKET, f.key).replaceAll("'", "''")}'`).join(', ');
  const duckSql = sql.replace(`FROM ${table}`, `FROM read_parquet([${list}], hive_partitioning = true)`);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await encodeResult(await conn.run(duckSql));
  return { run: async () => { await encodeResult(await conn.run(duckSql)); }, close: () => { conn.closeSync(); instance.closeSync(); } };
}

/** DuckDB in-process over the table's current snapshot files (hive-partitioned paths). */
async function duckdbSide(dataDir: string, table: string, sql: string): Promise<{ coldMs: number; warmMedianMs: number; result: EncodedResult; files: number }> {
  const snapshot = await loadSnapshot(new LocalObjectStore(path.join(dataDir, BUCKET)), `tables/${table}/`);
  const list = snapshot.files.map((f) => `'${path.join(dataDir, BUCKET, f.key).replaceAll("'", "''")}'`).join(', ');
  // The partition column p is declared INTEGER in k3; DuckDB would infer BIGINT from the paths.
  const hiveTypes = table === 'contracts' ? '' : ", hive_types = {'p': INTEGER}";
  const duckSql = sql.replace(`FROM ${table}`, `FROM read_parquet([${list}], hive_partitioning = true${hiveTypes})`);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    let t = performance.now();
    const result = await encodeResult(await conn.run(duckSql));
    const coldMs = performance.now() - t;
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      await encodeResult(await conn.run(duckSql));
      warm.push(performance.now() - t);
    }
    return { coldMs: round(coldMs), warmMedianMs: round(median(warm)), result, files: snapshot.files.length };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const summary = (q: QueryBody) => ({
  strategy: q.strategy, strategyReason: q.strategyReason, partitionsScanned: q.partitionsScanned, partitionsPruned: q.partitionsPruned,
  filesScanned: q.filesScanned, rowsScanned: q.rowsScanned, serverTimings: q.timings,
});

async function main(): Promise<void> {
  const loadAvgBefore = os.loadavg()[0];
  process.stdout.write(`cluster: ${ROWS} rows, ${RUNS} warm runs, workers ${WORKER_COUNTS.join('/')}\n`);
  const server = await startServer({ K3_LOG_LEVEL: 'error', K3_BODY_LIMIT: '1MiB' });
  const dataDir = server.dataDir;
  const loaderToken = server.token;
  const loadMs = await load(server);
  await server.stop({ keepData: true });
  process.stdout.write(`loaded in ${(loadMs / 1000).toFixed(1)}s\n`);

  const duck = {
    contracts: await duckdbSide(dataDir, 'contracts', GROUP_BY),
    tiny: await duckdbSide(dataDir, 'tiny', TINY),
    selectiveOne: await duckdbSide(dataDir, 'wide', SELECTIVE_ONE),
    selectiveTwo: await duckdbSide(dataDir, 'wide', SELECTIVE_TWO),
  };

  const byWorkers: Record<string, unknown>[] = [];
  let extra: Record<string, unknown> = {};
  for (const workers of WORKER_COUNTS) {
    const cluster = await startLocalCluster({
      workers, port: 0, dataDir,
      env: { ...process.env, K3_DATA_DIR: dataDir, K3_LOG_LEVEL: 'error', K3_QUEUE_PREFIX: `k3bench${process.pid}w${workers}`, K3_FEDERATE_MIN_BYTES: '0', K3_WORKER_CONCURRENCY: '1', K3_FEDERATE_MAX_JOBS: String(maxJobsFor(workers)), K3_FEDERATE_MIN_JOB_BYTES: process.env.K3_BENCH_MIN_JOB_BYTES ?? '0' },
    });
    // Auth is on: the tokens live in the data directory, so the loading server's admin token is valid here.
    const token = loaderToken;
    if (token !== undefined) registerToken(cluster.url, token);
    try {
      const c = await timeHttp(cluster.url, GROUP_BY, WARMUP_QUERIES);
      const same = compareResults(c.body, duck.contracts.result, { ordered: true, tolerance: 1e-9 });
      const duckRunner = await duckdbRunner(dataDir, 'contracts', GROUP_BY);
      const rounds = await timeHttpInterleaved(cluster.url, GROUP_BY, duckRunner.run).finally(() => duckRunner.close());
      byWorkers.push({
        workers, maxJobs: maxJobsFor(workers), coldMs: c.coldMs, warmMedianMs: c.warmMedianMs, ...summary(c.body),
        ratioToDuckDBWarm: round(c.warmMedianMs / duck.contracts.warmMedianMs), resultsEqual: same.equal, resultsNote: same.message,
        duckdbSameRounds: { clusterWarmMedianMs: rounds.warmMedianMs, duckdbWarmMedianMs: rounds.duckdbWarmMedianMs, ratioOfMedians: round(rounds.warmMedianMs / rounds.duckdbWarmMedianMs), medianOfRatios: rounds.ratioMedian, roundsMs: rounds.roundsMs },
      });
      process.stdout.write(`${workers} worker(s), max ${maxJobsFor(workers)} jobs: warm ${c.warmMedianMs} ms (cold ${c.coldMs}), DuckDB warm ${duck.contracts.warmMedianMs} ms; equal ${same.equal}; same rounds: ${rounds.warmMedianMs} vs DuckDB ${rounds.duckdbWarmMedianMs} ms (median ratio ${rounds.ratioMedian})\n`);
      if (workers === 2) {
        const tiny = await timeHttp(cluster.url, TINY);
        const one = await timeHttp(cluster.url, SELECTIVE_ONE);
        const two = await timeHttp(cluster.url, SELECTIVE_TWO);
        const partitions = Number(tiny.body.partitionsScanned);
        const jobs = maxJobsFor(workers) === 0 ? partitions : Math.min(partitions, maxJobsFor(workers));
        extra = {
          perJobOverhead: {
            workers, sql: TINY, partitions, jobs, warmMedianMs: tiny.warmMedianMs, msPerJob: round(tiny.warmMedianMs / jobs), ...summary(tiny.body),
            duckdbWarmMedianMs: duck.tiny.warmMedianMs, overheadPerJobVsDuckDBMs: round((tiny.warmMedianMs - duck.tiny.warmMedianMs) / jobs),
            resultsEqual: compareResults(tiny.body, duck.tiny.result, { ordered: true }).equal,
          },
          selective100Partitions: [
            { workers, sql: SELECTIVE_ONE, coldMs: one.coldMs, warmMedianMs: one.warmMedianMs, ...summary(one.body), duckdbWarmMedianMs: duck.selectiveOne.warmMedianMs, duckdbFiles: duck.selectiveOne.files, ratioToDuckDBWarm: round(one.warmMedianMs / duck.selectiveOne.warmMedianMs), resultsEqual: compareResults(one.body, duck.selectiveOne.result, { ordered: true }).equal },
            { workers, sql: SELECTIVE_TWO, coldMs: two.coldMs, warmMedianMs: two.warmMedianMs, ...summary(two.body), duckdbWarmMedianMs: duck.selectiveTwo.warmMedianMs, duckdbFiles: duck.selectiveTwo.files, ratioToDuckDBWarm: round(two.warmMedianMs / duck.selectiveTwo.warmMedianMs), resultsEqual: compareResults(two.body, duck.selectiveTwo.result, { ordered: true }).equal },
          ],
        };
      }
    } finally {
      await cluster.stop();
    }
  }

  const result = {
    benchmark: 'cluster',
    at: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryBytes: os.totalmem(), platform: `${os.platform()} ${os.release()}`, node: process.version, duckdb: duckdbVersion() },
    scale: { maxJobs: process.env.K3_BENCH_MAX_JOBS ?? 'workers', minJobBytes: process.env.K3_BENCH_MIN_JOB_BYTES ?? '0', rows: ROWS, fullScaleRows: 10_000_000, scaledDown: ROWS < 10_000_000, tinyPartitions: TINY_PARTITIONS, widePartitions: WIDE_PARTITIONS, runs: RUNS, warmupQueries: WARMUP_QUERIES, workerConcurrency: 1 },
    load: { ms: round(loadMs) },
    loadAvgBefore,
    loadAvgAfter: os.loadavg()[0],
    contracts: { sql: GROUP_BY, duckdb: { coldMs: duck.contracts.coldMs, warmMedianMs: duck.contracts.warmMedianMs, files: duck.contracts.files }, cluster: byWorkers },
    ...extra,
  };
  const out = path.join(REPO_ROOT, 'bench', 'results', `${RESULT}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
  await rm(dataDir, { recursive: true, force: true });
}

await main();

/**
 * The `contracts` GROUP BY of the product overview (seeds 000) over K3_BENCH_ROWS rows (default
 * 10 million) in 4 partitions (region), through the HTTP endpoint of a real server process, side
 * by side with DuckDB in-process reading the SAME Parquet files (the table's current Delta
 * snapshot, hive-partitioned paths). Writes bench/results/contracts-groupby.json.
 *
 * cold = first query after a fresh process start (k3: new server on the same data and an empty
 * cache dir; DuckDB: new instance); warm = the median of K3_BENCH_RUNS further repetitions.
 * Both sides' results are compared (floats with a relative tolerance: parallel sums may differ
 * in the last bits). Timing never fails anything.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, version as duckdbVersion } from '@duckdb/node-api';
import { loadSnapshot } from '@k3/core/delta';
import { LocalObjectStore } from '@k3/core/object-store';
import { encodeResult } from '@k3/core/exec';
import { startServer, execute, REPO_ROOT, type StartedServer } from '../test/support/server.ts';
import { compareResults } from '../test/support/compare-results.ts';

const ROWS = Number(process.env.K3_BENCH_ROWS ?? 10_000_000);
const RUNS = Number(process.env.K3_BENCH_RUNS ?? 5);
const CHUNK = 2_500_000;
const BUCKET = 'bench';

const GROUP_BY = `SELECT region,
       COUNT(*)      AS cnt,
       SUM(amount)   AS total,
       AVG(amount)   AS avg_value
FROM contracts
WHERE signed_at > '2026-01-01'
GROUP BY region
ORDER BY total DESC`;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const round = (ms: number): number => Math.round(ms * 100) / 100;

async function must(server: StartedServer, sql: string): Promise<NonNullable<Awaited<ReturnType<typeof execute>>['body']>> {
  const res = await execute(server.url, BUCKET, sql);
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)} for ${sql.slice(0, 120)}`);
  return res.body;
}

async function timeK3(server: StartedServer): Promise<{ ms: number; body: Awaited<ReturnType<typeof must>> }> {
  const t0 = performance.now();
  const body = await must(server, GROUP_BY);
  return { ms: performance.now() - t0, body };
}

async function load(server: StartedServer): Promise<number> {
  await must(server, 'CREATE TABLE contracts (id BIGINT NOT NULL, region VARCHAR NOT NULL, signed_at DATE, amount DOUBLE, channel VARCHAR) PARTITIONED BY (region)');
  const t0 = performance.now();
  for (let start = 0; start < ROWS; start += CHUNK) {
    const end = Math.min(ROWS, start + CHUNK);
    await must(
      server,
      `INSERT INTO contracts SELECT range AS id, ['UK', 'EU', 'US', 'APAC'][range % 4 + 1] AS region,
         DATE '2025-07-01' + (range % 365)::INTEGER AS signed_at, 1000 + ((range * 7919) % 100000) / 100.0 AS amount,
         ['web', 'sales', 'partner'][range % 3 + 1] AS channel
       FROM range(${start}, ${end})`,
    );
  }
  return performance.now() - t0;
}

async function main(): Promise<void> {
  process.stdout.write(`contracts-groupby: ${ROWS} rows, ${RUNS} warm runs\n`);
  let server = await startServer({ K3_LOG_LEVEL: 'error', K3_BODY_LIMIT: '1MiB' });
  const dataDir = server.dataDir;
  const loadMs = await load(server);
  process.stdout.write(`loaded in ${(loadMs / 1000).toFixed(1)}s\n`);
  await server.stop({ keepData: true });

  // k3: cold (fresh process, empty cache) then warm repetitions.
  server = await startServer({ K3_LOG_LEVEL: 'error' }, { dataDir });
  const k3Cold = await timeK3(server);
  const k3Warm: number[] = [];
  let k3Body = k3Cold.body;
  for (let i = 0; i < RUNS; i++) {
    const r = await timeK3(server);
    k3Warm.push(r.ms);
    k3Body = r.body;
  }
  await server.stop({ keepData: true });

  // DuckDB in-process over the snapshot's files.
  const snapshot = await loadSnapshot(new LocalObjectStore(path.join(dataDir, BUCKET)), 'tables/contracts/');
  const files = snapshot.files.map((f) => path.join(dataDir, BUCKET, f.key));
  const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
  const duckSql = GROUP_BY.replace('FROM contracts', `FROM read_parquet(${list}, hive_partitioning = true)`);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const t0 = performance.now();
  const duckCold = await encodeResult(await conn.run(duckSql));
  const duckColdMs = performance.now() - t0;
  const duckWarm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await encodeResult(await conn.run(duckSql));
    duckWarm.push(performance.now() - t);
  }
  conn.closeSync();
  instance.closeSync();

  const query = k3Body.query!;
  const same = compareResults(query, duckCold, { ordered: true, tolerance: 1e-9 });
  const k3WarmMedian = median(k3Warm);
  const duckWarmMedian = median(duckWarm);
  const result = {
    benchmark: 'contracts-groupby',
    at: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryBytes: os.totalmem(), platform: `${os.platform()} ${os.release()}`, node: process.version, duckdb: duckdbVersion() },
    rows: ROWS,
    partitions: new Set(snapshot.files.map((f) => String(f.partitionValues['region']))).size,
    files: files.length,
    deltaVersion: snapshot.version,
    runs: RUNS,
    sql: GROUP_BY,
    load: { ms: round(loadMs), rowsPerSecond: Math.round(ROWS / (loadMs / 1000)) },
    k3: { coldMs: round(k3Cold.ms), warmMedianMs: round(k3WarmMedian), warmMs: k3Warm.map(round), strategy: query.strategy, serverTimings: query.timings },
    duckdb: { coldMs: round(duckColdMs), warmMedianMs: round(duckWarmMedian), warmMs: duckWarm.map(round) },
    ratio: { warm: round(k3WarmMedian / duckWarmMedian), cold: round(k3Cold.ms / duckColdMs) },
    resultsEqual: same.equal,
    resultsNote: same.message,
    result: { columns: query.columns, rows: query.rows },
  };
  const out = path.join(REPO_ROOT, 'bench', 'results', 'contracts-groupby.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`k3 warm median ${round(k3WarmMedian)} ms (cold ${round(k3Cold.ms)}), DuckDB warm median ${round(duckWarmMedian)} ms (cold ${round(duckColdMs)}), ratio ${result.ratio.warm}; results equal: ${same.equal}\nwrote ${out}\n`);
  const { rm } = await import('node:fs/promises');
  await rm(dataDir, { recursive: true, force: true });
}

await main();

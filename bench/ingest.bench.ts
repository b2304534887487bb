/**
 * Concurrent MERGE ingest (issue 14, acceptance "concurrent-ingest bench"): K3_BENCH_INGEST_CLIENTS
 * (default 8) clients each run `MERGE INTO events … USING (batch) ON t.id = s.id` statements of
 * K3_BENCH_INGEST_BATCH rows (default 200; a quarter of each batch re-sends keys of the client's
 * previous batch, so MERGE updates as well as inserts) for K3_BENCH_INGEST_SECONDS (default 60)
 * against a table seeded with K3_BENCH_BASE_ROWS rows (default 100000), while the compactor runs
 * (the embedded CompactorService, K3_COMPACTOR_* defaults but a 200 ms interval) and drains the
 * log into Delta. Every statement is acknowledged only once its write-log object is durable.
 * Side by side: PostgreSQL 15 (pgbench, same clients, same batch as INSERT … ON CONFLICT DO UPDATE,
 * same seconds). Reports sustained rows/s, statement p50/p95/p99, the backlog left and the
 * drains the compactor made, and the process CPU per statement (DuckDB threads + JS, compactor included).
 * K3_MERGE_VALUES_LOAD=false: the VALUES source bound as text (A/B of wip/ingest6).
 * K3_MERGE_CHANGED_ANTI_JOIN=false: the changed rows by EXCEPT (A/B of wip/ingest7).
 * K3_MERGE_ROW_IMAGES=false: every statement through DuckDB's MERGE, not its row images (A/B of wip/ingest11).
 * K3_DUCKDB_THREADS=1: DuckDB without intra-query worker threads, as the server's key sets it (wip/ingest10).
 * K3_KEYED_WRITE_DUCKDB=separate: write-log writes on a second, one-thread DuckDB database (wip/scratch11).
 * Writes bench/results/ingest.json. Timing never fails anything.
 *
 * Full scale (the row): `node bench/ingest.bench.ts` (60 s, 8 clients, 100k-row table).
 * Small check: `K3_BENCH_INGEST_SECONDS=5 K3_BENCH_BASE_ROWS=10000 node bench/ingest.bench.ts`.
 */
import { cpus, loadavg } from 'node:os';
import { Freshness } from '@k3/core/api';
import { benchCompactor, openEmbedded, runClients, writeResult } from './bench-kit.ts';
import { startPostgres, type Postgres } from './htap-postgres.ts';
import { pct, summary } from './htap-reads.ts';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const BASE = env('K3_BENCH_BASE_ROWS', 100_000);
const CLIENTS = env('K3_BENCH_INGEST_CLIENTS', 8);
const BATCH = env('K3_BENCH_INGEST_BATCH', 200);
const SECONDS = env('K3_BENCH_INGEST_SECONDS', 60);
const BUCKET = 'bench';
/** Result file name (without .json): K3_BENCH_RESULT, default `ingest` (e.g. `scratch-<you>` for a loaded-machine check). */
const RESULT = process.env.K3_BENCH_RESULT ?? 'ingest';


/** Client c's batch b: ids from its own range; its first quarter repeats the previous batch's last quarter (updates). */
function batchIds(c: number, b: number): number[] {
  const step = BATCH - Math.floor(BATCH / 4);
  const start = BASE + c * 1_000_000_000 + b * step;
  return Array.from({ length: BATCH }, (_, i) => start + i);
}

async function main(): Promise<void> {
  const embedded = await openEmbedded('ingest', { K3_COMPACTOR_INTERVAL: '200ms', K3_MERGE_VALUES_LOAD: process.env.K3_MERGE_VALUES_LOAD, K3_MERGE_CHANGED_ANTI_JOIN: process.env.K3_MERGE_CHANGED_ANTI_JOIN, K3_MERGE_ROW_IMAGES: process.env.K3_MERGE_ROW_IMAGES, K3_DUCKDB_THREADS: process.env.K3_DUCKDB_THREADS, K3_KEYED_WRITE_DUCKDB: process.env.K3_KEYED_WRITE_DUCKDB });
  // K3_DUCKDB_THREADS as the server applies it (openEmbedded): 0 = DuckDB's default, all cores.
  const { config, engine } = embedded;
  const exec = (sql: string) => engine.execute({ bucket: BUCKET, sql, freshness: Freshness.STRONG });
  const pg: Postgres | undefined = await startPostgres();
  const out: Record<string, unknown> = {
    benchmark: 'ingest', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAvgBefore: loadavg()[0] },
    settings: { BASE, CLIENTS, BATCH, SECONDS, duckdbThreads: config.K3_DUCKDB_THREADS, keyedWriteDuckDB: config.K3_KEYED_WRITE_DUCKDB }, postgres: pg === undefined ? 'not available' : `PostgreSQL 15 (pgbench, ${CLIENTS} connections, fsync on)`,
  };
  let drains = 0;
  let drainedRecords = 0;
  const compactor = benchCompactor(engine, config, (records) => {
    drains++;
    drainedRecords += records;
  });
  try {
    process.stdout.write(`seeding ${BASE} rows\n`);
    await exec('CREATE TABLE events (id BIGINT PRIMARY KEY, device INTEGER, v DOUBLE, ts TIMESTAMP)');
    await exec(`INSERT INTO events SELECT i, i % 1000, i * 0.5, TIMESTAMP '2026-01-01' + to_seconds(i) FROM range(${BASE}) t(i)`);
    for (;;) if (!(await engine.compact(BUCKET, 'events', 100_000)).truncated) break;
    compactor.start();

    process.stdout.write(`${CLIENTS} clients MERGE ${BATCH}-row batches for ${SECONDS} s, compactor running\n`);
    const cpuBefore = process.cpuUsage();
    // The main thread's own CPU and its event-loop utilization: ELU counts the thread as busy while
    // it is descheduled (2 cores, DuckDB's and libuv's threads runnable), its CPU does not (wip/ingest10).
    const mainBefore = process.threadCpuUsage();
    const eluBefore = performance.eventLoopUtilization();
    const { latencies, failures, errors, elapsed } = await runClients(CLIENTS, SECONDS, exec, (c, b) => {
      const values = batchIds(c, b).map((id) => `(${id}, ${id % 1000}, ${b}.5, TIMESTAMP '2026-06-01' + to_seconds(${b}))`).join(', ');
      return `MERGE INTO events AS t USING (VALUES ${values}) AS s(id, device, v, ts) ON t.id = s.id
          WHEN MATCHED THEN UPDATE SET v = s.v, ts = s.ts WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.device, s.v, s.ts)`;
    });
    const rows = latencies.length * BATCH;
    const cpu = process.cpuUsage(cpuBefore);
    const main = process.threadCpuUsage(mainBefore);
    const elu = performance.eventLoopUtilization(eluBefore);
    await compactor.stop();
    const backlog = (await engine.describeTable(BUCKET, 'events')) as unknown as Record<string, unknown>;
    out.k3 = {
      rowsPerSec: Math.round(rows / elapsed), statements: summary(latencies), rows, seconds: Number(elapsed.toFixed(1)),
      failures, errors, cpuMsPerStatement: Number(((cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length)).toFixed(1)),
      mainThreadCpuMsPerStatement: Number(((main.user + main.system) / 1000 / Math.max(1, latencies.length)).toFixed(1)), eventLoopUtilization: Number(elu.utilization.toFixed(3)), compactorDrains: drains, drainedRecords, backlogAfter: backlog.walBacklogEntries ?? null,
    };
    process.stdout.write(`  k3: ${Math.round(rows / elapsed)} rows/s, statement p50 ${pct(latencies, 50)} ms, ${drains} drains, ${failures} failures\n`);

    if (pg !== undefined) {
      pg.psql(`CREATE TABLE events (id BIGINT PRIMARY KEY, device INTEGER, v DOUBLE PRECISION, ts TIMESTAMP); INSERT INTO events SELECT i, i % 1000, i * 0.5, TIMESTAMP '2026-01-01' + i * INTERVAL '1 second' FROM generate_series(0, ${BASE - 1}) i; VACUUM ANALYZE events;`);
      const script = `\\set lo random(${BASE}, 2000000000)\nINSERT INTO events SELECT i, i % 1000, 1.5, TIMESTAMP '2026-06-01' FROM generate_series(:lo, :lo + ${BATCH - 1}) i ON CONFLICT (id) DO UPDATE SET v = excluded.v, ts = excluded.ts;\n`;
      const pgLat = pg.pgbenchTimed(script, CLIENTS, SECONDS);
      out.postgres15 = { rowsPerSec: Math.round((pgLat.length * BATCH) / SECONDS), statements: summary(pgLat) };
      process.stdout.write(`  PostgreSQL: ${Math.round((pgLat.length * BATCH) / SECONDS)} rows/s\n`);
    } else {
      out.postgres15 = null;
    }
    (out.machine as Record<string, unknown>).loadAvgAfter = loadavg()[0];
  } finally {
    await compactor.stop();
    pg?.stop();
    await embedded.close();
  }
  writeResult(RESULT, out);
}

await main();

/**
 * Concurrent single-row writers (issue 14; round 14's overlap rule in wal/wal-writer.ts):
 * K3_BENCH_WRITERS_CLIENTS (default 8) clients each insert one new key per statement
 * (`INSERT INTO t VALUES (…)`, acknowledged only once its write-log object is durable) for
 * K3_BENCH_WRITERS_SECONDS (default 10), client c into table c mod T, for each T in
 * K3_BENCH_WRITERS_TABLES (default `1,8`: every client on one table — group commit's case — and
 * one table per client — the case where statements never share a record and their PUTs overlap).
 * Each table is seeded with K3_BENCH_BASE_ROWS rows (default 10000) and drained; the embedded
 * compactor runs during the timed series (200 ms interval, as in ingest.bench.ts; K3_COMPACTOR_BACKLOG_ENTRIES
 * passes through). Every client first
 * makes K3_BENCH_WARMUP untimed inserts (htap-reads.ts).
 * Side by side: PostgreSQL 15 (pgbench, the same clients, `:client_id % T` picks the table, fsync on,
 * the same seconds). Reports inserts/s, statement p50/p95/p99/max, CPU per statement and the drains.
 * Writes bench/results/writers.json (K3_BENCH_RESULT names another). Timing never fails anything.
 */
import { cpus, loadavg } from 'node:os';
import { Freshness } from '@k3/core/api';
import { benchCompactor, openEmbedded, runClients, writeResult } from './bench-kit.ts';
import { startPostgres, type Postgres } from './htap-postgres.ts';
import { pct, summary, WARMUP } from './htap-reads.ts';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const CLIENTS = env('K3_BENCH_WRITERS_CLIENTS', 8);
const SECONDS = env('K3_BENCH_WRITERS_SECONDS', 10);
const BASE = env('K3_BENCH_BASE_ROWS', 10_000);
const TABLE_COUNTS = (process.env.K3_BENCH_WRITERS_TABLES ?? '1,8').split(',').map(Number);
const BUCKET = 'bench';
const RESULT = process.env.K3_BENCH_RESULT ?? 'writers';

/** Client c's i-th key: its own range, above the seed. */
const keyOf = (c: number, i: number): number => BASE + (c + 1) * 100_000_000 + i;

async function main(): Promise<void> {
  const embedded = await openEmbedded('writers', { K3_COMPACTOR_INTERVAL: '200ms', K3_COMPACTOR_BACKLOG_ENTRIES: process.env.K3_COMPACTOR_BACKLOG_ENTRIES });
  const { config, engine } = embedded;
  const exec = (sql: string) => engine.execute({ bucket: BUCKET, sql, freshness: Freshness.STRONG });
  const pg: Postgres | undefined = await startPostgres();
  const out: Record<string, unknown> = {
    benchmark: 'writers', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAvgBefore: loadavg()[0] },
    settings: { CLIENTS, SECONDS, BASE, TABLE_COUNTS, WARMUP }, postgres: pg === undefined ? 'not available' : `PostgreSQL 15 (pgbench, ${CLIENTS} connections, fsync on)`,
  };
  let drains = 0;
  const compactor = benchCompactor(engine, config, () => drains++);
  const series: Record<string, unknown>[] = [];
  out.series = series;
  try {
    for (const tables of TABLE_COUNTS) {
      const names = Array.from({ length: tables }, (_, t) => `kv_${tables}_${t}`);
      process.stdout.write(`${tables} table(s): seeding ${BASE} rows each\n`);
      for (const name of names) {
        await exec(`CREATE TABLE ${name} (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR)`);
        await exec(`INSERT INTO ${name} SELECT i, i, 'row' || i FROM range(${BASE}) t(i)`);
        for (;;) if (!(await engine.compact(BUCKET, name, 100_000)).truncated) break;
      }
      const tableOf = (c: number): string => names[c % tables]!;
      await Promise.all(Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = 0; i < WARMUP; i++) await exec(`INSERT INTO ${tableOf(c)} VALUES (${keyOf(c, i)}, ${i}, 'warm')`);
      }));
      drains = 0;
      compactor.start();
      process.stdout.write(`  ${CLIENTS} clients insert single rows for ${SECONDS} s, compactor running\n`);
      const cpuBefore = process.cpuUsage();
      const { latencies, failures, errors, elapsed } = await runClients(CLIENTS, SECONDS, exec, (c, i) => `INSERT INTO ${tableOf(c)} VALUES (${keyOf(c, WARMUP + i)}, ${i}, 'new')`);
      const cpu = process.cpuUsage(cpuBefore);
      await compactor.stop();
      const k3 = {
        insertsPerSec: Math.round(latencies.length / elapsed), statements: summary(latencies), seconds: Number(elapsed.toFixed(1)), failures, errors,
        cpuMsPerStatement: Number(((cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length)).toFixed(2)), compactorDrains: drains,
      };
      process.stdout.write(`  k3: ${k3.insertsPerSec} inserts/s, p50 ${pct(latencies, 50)} ms, ${drains} drains, ${failures} failures\n`);
      let postgres15: Record<string, unknown> | null = null;
      if (pg !== undefined) {
        pg.psql(names.map((n) => `CREATE TABLE ${n} (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR); INSERT INTO ${n} SELECT i, i, 'row' || i FROM generate_series(0, ${BASE - 1}) i; VACUUM ANALYZE ${n};`).join('\n') + '\nCHECKPOINT;');
        // New keys from a range no seed row holds; ON CONFLICT DO NOTHING only for the rare random repeat.
        const script = `\\set t :client_id % ${tables}\n\\set id random(${BASE + 1_000_000_000}, 9000000000)\nINSERT INTO kv_${tables}_:t VALUES (:id, 1, 'new') ON CONFLICT DO NOTHING;\n`;
        const pgLat = pg.pgbenchTimed(script, CLIENTS, SECONDS);
        postgres15 = { insertsPerSec: Math.round(pgLat.length / SECONDS), statements: summary(pgLat) };
        process.stdout.write(`  PostgreSQL: ${Math.round(pgLat.length / SECONDS)} inserts/s, p50 ${pct(pgLat, 50)} ms\n`);
      }
      series.push({ tables, clients: CLIENTS, k3, postgres15 });
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

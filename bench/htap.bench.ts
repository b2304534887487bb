/**
 * HTAP benchmark (issue "HTAP", acceptance "bench"): the SQL engine in-process over a local
 * directory store (embedded mode, real DuckDB, real Parquet, real write-log objects), side by side
 * with PostgreSQL 15 on the same machine (bench/htap-postgres.ts: pgbench, one connection).
 *
 *   - keyed single-row write latency (INSERT of a new key; INSERT OR REPLACE of an existing key),
 *     p50/p95/p99 by nearest rank and the maximum, after K3_BENCH_WARMUP (default 200) untimed writes
 *     of each kind on both systems
 *   - bulk upsert throughput (INSERT OR REPLACE … SELECT of K3_BENCH_BULK_ROWS rows per statement), rows/s,
 *     after K3_BENCH_BULK_WARMUP (default 100) untimed statements of the shape on both systems; k3's
 *     are drained with the single-row writes right before its series, so the series starts right
 *     after a drain (the first statements after a drain stay part of its throughput; a process's
 *     first statements of the shape, before V8 compiled their path, do not); then k3's series again
 *     after K3_BENCH_BULK_IDLE_MS (default 3000) of idleness (`k3AfterIdle`), beside PostgreSQL's own
 *     series after as long an idle spell in its session (`postgresAfterIdle`)
 *   - STRONG vs EVENTUAL read latency (count/sum over the table) with 0, 1k, 10k, 100k un-drained rows
 *   - primary-key point lookup latency on STRONG and EVENTUAL (same backlog levels)
 *   - drain throughput (Compact of the whole backlog while one client keeps writing), rows/s
 *
 * Scale with env: K3_BENCH_BASE_ROWS (Delta rows, default 100000), K3_BENCH_WRITES (single-row
 * writes per kind, default 100), K3_BENCH_BULK (bulk statements per series, default 10), K3_BENCH_BULK_ROWS
 * (default 1000), K3_BENCH_READS (reads per point, default 15), K3_BENCH_BACKLOGS (default
 * "0,1000,10000,100000"). Writes bench/results/htap.json (with the machine's load average before
 * and after: numbers from a loaded machine are not the product's; K3_BENCH_RESULT names another file;
 * K3_* settings in the environment reach the engine). Timing never fails anything.
 * Full scale of issue 14 (1M-row table): `K3_BENCH_BASE_ROWS=1000000 node bench/htap.bench.ts`.
 */
import { cpus, loadavg } from 'node:os';
import { Freshness } from '@k3/core/api';
import { openEmbedded, writeResult } from './bench-kit.ts';
import { startPostgres, type Postgres } from './htap-postgres.ts';
import { pgWarm, readsByBacklog, summary, timed, WARMUP } from './htap-reads.ts';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const BASE = env('K3_BENCH_BASE_ROWS', 100_000);
const WRITES = env('K3_BENCH_WRITES', 100);
const BULK = env('K3_BENCH_BULK', 10);
const BULK_ROWS = env('K3_BENCH_BULK_ROWS', 1000);
/**
 * Untimed bulk statements before the bulk series on both systems (K3_BENCH_BULK_WARMUP, default 100):
 * V8 compiles a statement path's JS after ≈ 100 runs of it, so a series after 5 warm-ups measured the
 * compiler as much as the statement (hot-path.md "Round 18"). Not more: PostgreSQL's autovacuum
 * starts at 20 % of the table's rows dead (≈ 200k of 1M), and warm-up plus series update
 * (BULK_WARMUP + BULK) × BULK_ROWS of them.
 */
const BULK_WARMUP = env('K3_BENCH_BULK_WARMUP', 100);
/** Idle time before the after-idle bulk series (k3 only), ms. */
const BULK_IDLE_MS = env('K3_BENCH_BULK_IDLE_MS', 3000);
const READS = env('K3_BENCH_READS', 15);
const BACKLOGS = (process.env.K3_BENCH_BACKLOGS ?? '0,1000,10000,100000').split(',').map(Number);
const BUCKET = 'bench';
/** Result file name (without .json): K3_BENCH_RESULT, default `htap` (e.g. `htap-100k` for a second scale). */
const RESULT = process.env.K3_BENCH_RESULT ?? 'htap';

async function main(): Promise<void> {
  const embedded = await openEmbedded('htap', process.env);
  const { config, engine } = embedded;
  const exec = (sql: string, freshness: Freshness = Freshness.STRONG) => engine.execute({ bucket: BUCKET, sql, freshness });
  const drainAll = async (): Promise<{ rows: number; ms: number }> => {
    let rows = 0;
    const ms = await timed(async () => {
      for (;;) {
        const r = await engine.compact(BUCKET, 'kv', 100_000);
        rows += Number(r.walUniqueKeys);
        if (!r.truncated) break;
      }
    });
    return { rows, ms };
  };
  const pg: Postgres | undefined = await startPostgres();
  const out: Record<string, unknown> = {
    benchmark: 'htap', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model },
    settings: { BASE, WRITES, WARMUP, BULK, BULK_ROWS, BULK_WARMUP, BULK_IDLE_MS, READS, BACKLOGS, K3_KEYED_ROW_GROUP_SIZE: config.K3_KEYED_ROW_GROUP_SIZE, K3_KEYED_FILE_ROWS: config.K3_KEYED_FILE_ROWS }, loadAvgBefore: loadavg()[0], postgres: pg === undefined ? 'not available' : 'PostgreSQL 15 (pgbench, 1 connection, fsync on)',
  };
  try {
    process.stdout.write(`seeding ${BASE} rows\n`);
    // PostgreSQL first, flushed by a CHECKPOINT: its seed writes ≈ 10× the bytes of k3's (heap, index,
    // WAL), and k3's timed series, which come first in each section, ran 40 % slower right after it.
    pg?.psql(`CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR); INSERT INTO kv SELECT i, i, 'row' || i FROM generate_series(0, ${BASE - 1}) i; VACUUM ANALYZE kv; CHECKPOINT;`);
    await exec('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR)');
    await exec(`INSERT INTO kv SELECT i, i, 'row' || i FROM range(${BASE}) t(i)`);
    await drainAll();

    process.stdout.write('single-row writes\n');
    const insert: number[] = [];
    const upsert: number[] = [];
    // Untimed warm-up of each kind (k3 here, PostgreSQL before its timed pgbench runs below).
    for (let i = 0; i < WARMUP; i++) await exec(`INSERT INTO kv VALUES (${900_000_000 + i}, ${i}, 'warm')`);
    for (let i = 0; i < WARMUP; i++) await exec(`INSERT OR REPLACE INTO kv VALUES (${(i * 104_729) % BASE}, ${i}, 'warm')`);
    for (let i = 0; i < WRITES; i++) insert.push(await timed(() => exec(`INSERT INTO kv VALUES (${1_000_000_000 + i}, ${i}, 'new')`)));
    for (let i = 0; i < WRITES; i++) upsert.push(await timed(() => exec(`INSERT OR REPLACE INTO kv VALUES (${(i * 7919) % BASE}, ${i}, 'upd')`)));
    out.singleRowWrite = {
      k3: { insertNewKey: summary(insert), upsertExistingKey: summary(upsert) },
      postgres: pg === undefined ? null : {
        insertNewKey: summary(pgWarm(pg, `\\set id random(2000000000, 3000000000)\nINSERT INTO kv VALUES (:id, 1, 'new') ON CONFLICT DO NOTHING;\n`, WRITES)),
        upsertExistingKey: summary(pgWarm(pg, `\\set id random(0, ${BASE - 1})\nINSERT INTO kv VALUES (:id, 1, 'upd') ON CONFLICT (id) DO UPDATE SET v = excluded.v, s = excluded.s;\n`, WRITES)),
      },
    };

    process.stdout.write('bulk upserts\n');
    const bulkSeries = async (tag: string): Promise<number[]> => {
      const xs: number[] = [];
      for (let b = 0; b < BULK; b++) {
        const lo = (b * BULK_ROWS * 3) % Math.max(1, BASE - BULK_ROWS);
        xs.push(await timed(() => exec(`INSERT OR REPLACE INTO kv SELECT i, i + ${b}, '${tag}' FROM range(${lo}, ${lo + BULK_ROWS}) t(i)`)));
      }
      return xs;
    };
    // The shape's untimed warm-up right before the series, drained with the single-row writes: the
    // timed series starts right after a drain, with no idle gap before it (PostgreSQL's warm-up: the
    // same count of statements in the pgbench run of its series, below).
    for (let i = 0; i < BULK_WARMUP; i++) {
      const lo = (i * BULK_ROWS * 7) % Math.max(1, BASE - BULK_ROWS);
      await exec(`INSERT OR REPLACE INTO kv SELECT i, i, 'warm' FROM range(${lo}, ${lo + BULK_ROWS}) t(i)`);
    }
    await drainAll();
    const bulk = await bulkSeries('bulk');
    const drained = await drainAll();
    const rowsPerSec = (xs: number[]) => Math.round((BULK_ROWS * xs.length) / (xs.reduce((a, c) => a + c, 0) / 1000));
    // PostgreSQL in one session: the warm-up, the series, then BULK_IDLE_MS of idleness (a \\sleep at the
    // start of the next transaction, taken off its latency) and the series again — k3's after-idle
    // series beside PostgreSQL's own, not beside its warm one.
    const pgBulkScript = `\\set n :n + 1\n\\if :n = ${BULK_WARMUP + BULK + 1}\n\\sleep ${BULK_IDLE_MS} ms\n\\endif\n`
      + `\\set lo random(0, ${Math.max(1, BASE - BULK_ROWS)})\nINSERT INTO kv SELECT i, i, 'bulk' FROM generate_series(:lo, :lo + ${BULK_ROWS - 1}) i ON CONFLICT (id) DO UPDATE SET v = excluded.v, s = excluded.s;\n`;
    // The same series again after BULK_IDLE_MS of idleness (before PostgreSQL's bulk run dirties the
    // page cache): what the first statements after a quiet spell cost in this process
    // (docs/design/hot-path.md "Round 18"); PostgreSQL's after-idle series runs in its own session below.
    await new Promise((resolve) => setTimeout(resolve, BULK_IDLE_MS));
    const afterIdle = await bulkSeries('idle');
    await drainAll();
    const pgAll = pg?.pgbench(pgBulkScript, BULK_WARMUP + 2 * BULK, { n: 0 });
    const pgBulk = pgAll?.slice(BULK_WARMUP, BULK_WARMUP + BULK);
    const pgAfterIdle = pgAll?.slice(BULK_WARMUP + BULK).map((ms, i) => (i === 0 ? ms - BULK_IDLE_MS : ms));
    out.bulkUpsert = {
      rowsPerStatement: BULK_ROWS,
      warmupStatements: BULK_WARMUP,
      k3: { rowsPerSec: rowsPerSec(bulk), statement: summary(bulk) },
      postgres: pgBulk === undefined ? null : { rowsPerSec: rowsPerSec(pgBulk), statement: summary(pgBulk) },
      k3AfterIdle: { idleMs: BULK_IDLE_MS, rowsPerSec: rowsPerSec(afterIdle), statement: summary(afterIdle) },
      postgresAfterIdle: pgAfterIdle === undefined ? null : { idleMs: BULK_IDLE_MS, rowsPerSec: rowsPerSec(pgAfterIdle), statement: summary(pgAfterIdle) },
    };
    out.drainAfterBulk = { rows: drained.rows, ms: Math.round(drained.ms), rowsPerSec: Math.round(drained.rows / (drained.ms / 1000)) };

    process.stdout.write('reads by backlog\n');
    const reads = await readsByBacklog({ run: (sql, f) => exec(sql, f === 'STRONG' ? Freshness.STRONG : Freshness.EVENTUAL), backlogs: BACKLOGS, reads: READS, base: BASE, eventualPointLookups: true });
    out.reads = reads;
    out.postgresReads = pg === undefined ? null : {
      aggregate: summary(pg.pgbench('SELECT count(*), sum(v) FROM kv;\n', READS)),
      pointLookup: summary(pg.pgbench(`\\set id random(0, ${BASE - 1})\nSELECT * FROM kv WHERE id = :id;\n`, Math.max(READS, 100))),
    };

    process.stdout.write('drain (a writer running beside it)\n');
    // Issue 14: "keep >= 200k rows/s with a 1M-row table and writers running" — one client keeps
    // inserting single rows (new keys) while the backlog drains (`rows` counts what the drains merged).
    let writing = true;
    let written = 0;
    const writer = (async () => {
      for (let i = 0; writing; i++, written++) await exec(`INSERT INTO kv VALUES (${3_000_000_000 + i}, ${i}, 'during-drain')`);
    })();
    const drain = await drainAll().finally(() => { writing = false; });
    await writer;
    out.drain = { rows: drain.rows, ms: Math.round(drain.ms), rowsPerSec: Math.round(drain.rows / (drain.ms / 1000)), concurrentWriter: { singleRowInserts: written } };
  } finally {
    pg?.stop();
    await embedded.close();
  }
  out.loadAvgAfter = loadavg()[0];
  writeResult(RESULT, out);
}

await main();

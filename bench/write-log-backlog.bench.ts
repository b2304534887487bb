/**
 * An un-drained write log must not slow its table's statements (issue 14: "a write or a lookup of
 * one key should not cost more as the table grows"). Every keyed statement is one write-log object
 * (`_k3_wal/<seq>.rec`) until the compactor drains it: at 1,000 single-row writes per second and a
 * drain every 5 s — or a compactor that is down or behind — thousands of them wait. On the local
 * directory a LIST reads the whole `_k3_wal/` whatever its start-after key says, and every STRONG
 * statement asks its table's write log what is new.
 *
 * The embedded engine on a temporary local directory, no compactor (drains only by hand): a keyed
 * table of K3_BENCH_BASE_ROWS rows (default 10,000), drained; then at each backlog of
 * K3_BENCH_BACKLOG_RECORDS (default "0,1000,5000") un-drained single-row records — written as that
 * many single-row INSERTs, one record each — K3_BENCH_WRITES single-row INSERTs of new keys and as
 * many STRONG point lookups (default 200 each, after K3_BENCH_WARMUP untimed ones). p50/p95/p99 by
 * nearest rank and the maximum, into bench/results/write-log-backlog.json (K3_BENCH_RESULT names
 * another). Timing never fails anything.
 */
import { readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { Freshness } from '@k3/core/api';
import { openEmbedded, writeResult } from './bench-kit.ts';
import { summary, timed, WARMUP } from './htap-reads.ts';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const BASE = env('K3_BENCH_BASE_ROWS', 10_000);
const WRITES = env('K3_BENCH_WRITES', 200);
const BACKLOGS = (process.env.K3_BENCH_BACKLOG_RECORDS ?? '0,1000,5000').split(',').map(Number);
const RESULT = process.env.K3_BENCH_RESULT ?? 'write-log-backlog';
const BUCKET = 'bench';

const embedded = await openEmbedded('write-log-backlog', process.env);
const out: Record<string, unknown> = {
  benchmark: 'write-log-backlog', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model },
  settings: { BASE, WRITES, BACKLOGS, WARMUP, store: 'local directory', compactor: 'none (drained by hand before the first backlog)' }, loadAvgBefore: loadavg()[0],
};
try {
  const exec = (sql: string) => embedded.engine.execute({ bucket: BUCKET, sql, freshness: Freshness.STRONG });
  await exec('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR)');
  await exec(`INSERT INTO kv SELECT i, i, 's' || i FROM range(${BASE}) t(i)`);
  while ((await embedded.engine.compact(BUCKET, 'kv', 100_000)).truncated);
  const walDir = path.join(embedded.config.K3_DATA_DIR, BUCKET, 'tables', 'kv', '_k3_wal');
  const records = (): number => readdirSync(walDir).filter((n) => n.endsWith('.rec')).length;
  let next = 1_000_000_000;
  const rows: Record<string, unknown>[] = [];
  for (const backlog of BACKLOGS) {
    // Sequential single-row INSERTs: one record each (group commit joins only concurrent ones), so
    // the directory is counted once, not after each of them.
    for (let n = backlog - records(); n > 0; n--) await exec(`INSERT INTO kv VALUES (${next++}, 0, 'backlog')`);
    const before = records();
    for (let i = 0; i < WARMUP; i++) await exec(`INSERT INTO kv VALUES (${next++}, 0, 'warm')`);
    const insert: number[] = [];
    for (let i = 0; i < WRITES; i++) insert.push(await timed(() => exec(`INSERT INTO kv VALUES (${next++}, ${i}, 'new')`)));
    for (let i = 0; i < WARMUP; i++) await exec(`SELECT * FROM kv WHERE id = ${i}`);
    const lookup: number[] = [];
    for (let i = 0; i < WRITES; i++) lookup.push(await timed(() => exec(`SELECT * FROM kv WHERE id = ${(i * 7919) % BASE}`)));
    rows.push({ undrainedRecords: before, undrainedRecordsAfter: records(), insertNewKey: summary(insert), strongPointLookup: summary(lookup) });
    process.stdout.write(`backlog ${before} records: INSERT p50 ${summary(insert).p50Ms} ms, STRONG point lookup p50 ${summary(lookup).p50Ms} ms\n`);
  }
  out.byBacklog = rows;
} finally {
  await embedded.close();
}
out.loadAvgAfter = loadavg()[0];
writeResult(RESULT, out);

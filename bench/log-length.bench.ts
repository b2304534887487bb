/**
 * A table's history must not slow its statements (issue 14: "a write or a lookup of one key should
 * not cost more as the table grows"). Every drain of a keyed table is a Delta commit, kept for the
 * log retention (30 days): drained every 5 s, a table gathers ≈ 17,000 commits a day. On the local
 * directory a LIST reads the whole `_delta_log/` whatever its start-after key says, and every
 * statement asks its table's log for the newest commit.
 *
 * The embedded engine on a temporary local directory: a keyed table of K3_BENCH_BASE_ROWS rows
 * (default 10,000), drained; K3_BENCH_WRITES single-row INSERTs of new keys and as many STRONG point
 * lookups (default 200 each, after K3_BENCH_WARMUP untimed ones); then K3_BENCH_LOG_COMMITS
 * (default 10,000) empty commits (commitInfo only: a valid Delta commit that changes nothing, a
 * stand-in for that many drains — writing them by hand takes a second, draining them hours) and the
 * same again, with a checkpoint at the last of them as a writer checkpointing every 10 commits leaves
 * one. At each length also the embedded compactor's idle tick (`tickOnce`, nothing to drain), as many
 * times as reads: it reads every table's log each second. p50/p95/p99 by nearest rank and the maximum, into bench/results/log-length.json
 * (K3_BENCH_RESULT names another). Timing never fails anything.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { Freshness } from '@k3/core/api';
import { loadSnapshot, writeCheckpoint } from '@k3/core/delta';
import { commitKey, LocalObjectStore, parseLogFileName } from '@k3/core/object-store';
import { benchCompactor, openEmbedded, writeResult } from './bench-kit.ts';
import { summary, timed, WARMUP } from './htap-reads.ts';

const env = (k: string, d: number): number => Number(process.env[k] ?? d);
const BASE = env('K3_BENCH_BASE_ROWS', 10_000);
const WRITES = env('K3_BENCH_WRITES', 200);
const COMMITS = env('K3_BENCH_LOG_COMMITS', 10_000);
const RESULT = process.env.K3_BENCH_RESULT ?? 'log-length';
const BUCKET = 'bench';

// The compactor's ticks here must stay idle: no backlog is ever big or old enough to drain.
const embedded = await openEmbedded('log-length', { ...process.env, K3_COMPACTOR_BACKLOG_ENTRIES: '1000000000', K3_COMPACTOR_BACKLOG_AGE: '1h' });
const out: Record<string, unknown> = {
  benchmark: 'log-length', date: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model },
  settings: { BASE, WRITES, COMMITS, WARMUP, store: 'local directory' }, loadAvgBefore: loadavg()[0],
};
try {
  const exec = (sql: string) => embedded.engine.execute({ bucket: BUCKET, sql, freshness: Freshness.STRONG });
  await exec('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT, s VARCHAR)');
  await exec(`INSERT INTO kv SELECT i, i, 's' || i FROM range(${BASE}) t(i)`);
  while ((await embedded.engine.compact(BUCKET, 'kv', 100_000)).truncated);
  let next = 1_000_000_000;
  const measure = async () => {
    for (let i = 0; i < WARMUP; i++) await exec(`INSERT INTO kv VALUES (${next++}, 0, 'warm')`);
    const insert: number[] = [];
    const lookup: number[] = [];
    for (let i = 0; i < WRITES; i++) insert.push(await timed(() => exec(`INSERT INTO kv VALUES (${next++}, ${i}, 'new')`)));
    for (let i = 0; i < WARMUP; i++) await exec(`SELECT * FROM kv WHERE id = ${i}`);
    for (let i = 0; i < WRITES; i++) lookup.push(await timed(() => exec(`SELECT * FROM kv WHERE id = ${(i * 7919) % BASE}`)));
    const tick: number[] = [];
    for (let i = 0; i < WRITES; i++) tick.push(await timed(() => compactor.tickOnce()));
    return { insertNewKey: summary(insert), strongPointLookup: summary(lookup), idleCompactorTick: summary(tick) };
  };
  const compactor = benchCompactor(embedded.engine, embedded.config, () => undefined); // ticked by hand, never started
  const bucketDir = path.join(embedded.config.K3_DATA_DIR, BUCKET);
  const logDir = path.join(bucketDir, 'tables', 'kv', '_delta_log');
  const entries = () => readdirSync(logDir);
  const rows: Record<string, unknown>[] = [{ logEntries: entries().length, ...(await measure()) }];
  let version = Math.max(...entries().map((n) => parseLogFileName(n)).filter((f) => f?.kind === 'commit').map((f) => f!.version));
  for (let i = 0; i < COMMITS; i++) {
    version++;
    const commit = { commitInfo: { timestamp: Date.now(), operation: 'WRITE', operationParameters: { mode: 'Append' }, isBlindAppend: true } };
    writeFileSync(path.join(bucketDir, ...commitKey('tables/kv/', version).split('/')), `${JSON.stringify(commit)}\n`, { flag: 'wx' });
  }
  const store = new LocalObjectStore(bucketDir);
  await writeCheckpoint(store, await loadSnapshot(store, 'tables/kv/'));
  await exec('SELECT count(*) FROM kv'); // the snapshot reads the new commits once
  rows.push({ logEntries: entries().length, ...(await measure()) });
  out.byLogLength = rows;
  await compactor.stop();
} finally {
  await embedded.close();
}
out.loadAvgAfter = loadavg()[0];
writeResult(RESULT, out);

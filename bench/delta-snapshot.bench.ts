/**
 * Snapshot loading at scale: a generated Delta table with 10,000 commits and 100,000 live files
 * (10 adds per commit, partitioned, stats on every file), classic checkpoints at 2500, 5000, 7500
 * and 9990 written by the writer's checkpoint-writer from our own snapshots. Times `loadSnapshot`
 * at the latest version and at a mid version (5123), and counts the object-store GETs through a
 * counting wrapper to show that a load reads `_last_checkpoint`, ONE checkpoint and only the
 * JSON commits after it. Writes bench/results/delta-snapshot.json. Timing never fails anything;
 * a wrong GET count or file count does (exit 1), because that is a correctness bug.
 *
 * Run: node bench/delta-snapshot.bench.ts   (K3_BENCH_RUNS=5 repetitions, median reported)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadSnapshot } from '@k3/core/delta';
import { LocalObjectStore } from '@k3/core/object-store';
import { writeCheckpoint } from '../packages/core/src/delta/checkpoint-writer.ts';
import { CountingObjectStore } from '../packages/core/test/delta/reader/counting-store.ts';

const COMMITS = 10_000;
const ADDS_PER_COMMIT = 10;
const CHECKPOINTS = [2500, 5000, 7500, 9990];
const RUNS = Number(process.env.K3_BENCH_RUNS ?? 5);
const ROOT = 'tables/big/';

const pad = (v: number): string => String(v).padStart(20, '0');
const enc = new TextEncoder();

function commitBody(version: number): Uint8Array {
  const lines: string[] = [JSON.stringify({ commitInfo: { timestamp: 1_700_000_000_000 + version * 1000, operation: 'WRITE', operationParameters: { mode: 'Append' }, isBlindAppend: true, engineInfo: 'k3-bench' } })];
  if (version === 0) {
    lines.push(JSON.stringify({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } }));
    const schema = { type: 'struct', fields: [
      { name: 'id', type: 'long', nullable: true, metadata: {} },
      { name: 'value', type: 'double', nullable: true, metadata: {} },
      { name: 'day', type: 'date', nullable: true, metadata: {} },
    ] };
    lines.push(JSON.stringify({ metaData: { id: 'bench-table', format: { provider: 'parquet', options: {} }, schemaString: JSON.stringify(schema), partitionColumns: ['day'], configuration: {}, createdTime: 1_700_000_000_000 } }));
  }
  for (let i = 0; i < ADDS_PER_COMMIT; i++) {
    const n = version * ADDS_PER_COMMIT + i;
    const day = `2024-${String((n % 12) + 1).padStart(2, '0')}-${String((n % 28) + 1).padStart(2, '0')}`;
    const stats = JSON.stringify({ numRecords: 1000, minValues: { id: n * 1000, value: 0.5 }, maxValues: { id: n * 1000 + 999, value: 99.5 }, nullCount: { id: 0, value: 0 } });
    lines.push(JSON.stringify({ add: { path: `day=${day}/part-${String(n).padStart(6, '0')}-c000.snappy.parquet`, partitionValues: { day }, size: 4096, modificationTime: 1_700_000_000_000 + version * 1000, dataChange: true, stats } }));
  }
  return enc.encode(`${lines.join('\n')}\n`);
}

async function generate(store: LocalObjectStore): Promise<number> {
  const started = performance.now();
  const batch = 200;
  for (let v = 0; v < COMMITS; v += batch) {
    await Promise.all(Array.from({ length: Math.min(batch, COMMITS - v) }, (_, i) => store.put(`${ROOT}_delta_log/${pad(v + i)}.json`, commitBody(v + i))));
  }
  for (const v of CHECKPOINTS) {
    const snap = await loadSnapshot(store, ROOT, { version: v });
    await writeCheckpoint(store, snap, 1_700_000_000_000 + COMMITS * 1000);
    process.stdout.write(`checkpoint ${v}: ${snap.files.length} files (${Math.round(performance.now() - started)} ms so far)\n`);
  }
  return performance.now() - started;
}

interface CaseResult {
  name: string;
  version: number;
  checkpointVersion: number;
  liveFiles: number;
  medianMs: number;
  runsMs: number[];
  /** Median process CPU time (user + system) of a load: less sensitive to a busy shared machine than wall time. */
  medianCpuMs: number;
  gets: number;
  expectedGets: number;
  commitsRead: number;
}

async function measure(store: LocalObjectStore, name: string, version: number | undefined, checkpointVersion: number): Promise<CaseResult> {
  const counting = new CountingObjectStore(store);
  const runs: number[] = [];
  const cpu: number[] = [];
  let last: Awaited<ReturnType<typeof loadSnapshot>> | undefined;
  for (let i = 0; i < RUNS; i++) {
    counting.reset();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    last = await loadSnapshot(counting, ROOT, version === undefined ? {} : { version });
    runs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const snap = last as NonNullable<typeof last>;
  const commitsRead = counting.gets.filter((k) => k.endsWith('.json')).length;
  const checkpointsRead = counting.gets.filter((k) => k.includes('.checkpoint.')).length;
  // _last_checkpoint + one checkpoint + the commits after it; reading exactly the checkpoint
  // version also reads that version's commit, for its commit timestamp.
  const expectedCommits = snap.version === checkpointVersion ? 1 : snap.version - checkpointVersion;
  const expectedGets = 1 + 1 + expectedCommits;
  const problems: string[] = [];
  if (checkpointsRead !== 1) problems.push(`read ${checkpointsRead} checkpoints`);
  if (commitsRead !== expectedCommits) problems.push(`read ${commitsRead} commits, expected ${expectedCommits}`);
  if (snap.files.length !== (snap.version + 1) * ADDS_PER_COMMIT) problems.push(`${snap.files.length} live files`);
  if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}`);
  const median = (xs: number[]): number => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0);
  return {
    name, version: snap.version, checkpointVersion, liveFiles: snap.files.length,
    medianMs: median(runs), runsMs: runs.map(Math.round), medianCpuMs: median(cpu),
    gets: counting.gets.length, expectedGets, commitsRead,
  };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'k3-bench-delta-'));
try {
  const store = new LocalObjectStore(dir);
  process.stdout.write(`generating ${COMMITS} commits / ${COMMITS * ADDS_PER_COMMIT} files in ${dir}\n`);
  const generateMs = await generate(store);
  const cases = [
    await measure(store, 'latest', undefined, 9990),
    await measure(store, 'mid-version-5123', 5123, 5000),
    await measure(store, 'at-checkpoint-7500', 7500, 7500),
  ];
  for (const c of cases) process.stdout.write(`${c.name}: v${c.version} ${c.liveFiles} files, median ${c.medianMs} ms (cpu ${c.medianCpuMs} ms), ${c.gets} GETs (${c.commitsRead} commits after checkpoint ${c.checkpointVersion})\n`);
  const result = {
    benchmark: 'delta-snapshot',
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10),
    table: { commits: COMMITS, liveFilesAtLatest: COMMITS * ADDS_PER_COMMIT, checkpoints: CHECKPOINTS, generateMs: Math.round(generateMs) },
    runs: RUNS,
    cases,
  };
  const out = path.join(import.meta.dirname, 'results', 'delta-snapshot.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

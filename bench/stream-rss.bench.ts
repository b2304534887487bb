/**
 * Streamed results with bounded memory (issue 9, item 6, in-process half): a table of
 * K3_BENCH_STREAM_ROWS rows (default 10,000,000; 4 columns: BIGINT, VARCHAR, DOUBLE, TIMESTAMP)
 * is read whole through `Engine.executeStream` (Execute) and `Engine.queryRowsStream` (typed
 * Query), counting rows and sampling the process RSS after every batch. The result is the RSS
 * growth over the baseline taken just before each stream (after the table was written and, when
 * run with --expose-gc, a GC). A materialized read of the same table would hold every row as JS
 * values (hundreds of bytes per row); a stream holds one DuckDB chunk (2048 rows) at a time.
 * Writes bench/results/stream-rss.json. Nothing fails on the numbers.
 *
 *   node --expose-gc bench/stream-rss.bench.ts                      # full scale
 *   K3_BENCH_STREAM_ROWS=200000 node bench/stream-rss.bench.ts      # a quick check
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@k3/core/config';
import { createDuckDB, FileCache } from '@k3/core/exec';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { Engine, type RowStream } from '@k3/core/sql';
import { encodeRows } from '@k3/client/sdk';

const ROWS = Number(process.env.K3_BENCH_STREAM_ROWS ?? 10_000_000);
const MiB = 1024 * 1024;
const bucket = 'bench';

const dir = await mkdtemp(path.join(tmpdir(), 'k3-stream-bench-'));
const dataDir = path.join(dir, 'data');
const cacheDir = path.join(dir, 'cache');
const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: dataDir, K3_CACHE_DIR: cacheDir, K3_QUERY_TIMEOUT: '10m' });
const db = await createDuckDB({ threads: 2, allowedDirectories: [dataDir, cacheDir] });
const engine = new Engine({ stores: createBucketStoreFactory(config), db, cache: new FileCache({ dir: cacheDir, maxBytes: 8 * 1024 * MiB }), config });

const gc = (globalThis as { gc?: () => void }).gc;

async function measure(name: string, open: () => Promise<RowStream>, view: 'domain' | 'execute' = 'domain'): Promise<Record<string, unknown>> {
  gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let rows = 0;
  let batches = 0;
  const t0 = performance.now();
  const stream = await open();
  const batchesOf = (async function* () {
    for await (const b of stream) yield view === 'domain' ? b.rows : encodeRows(b.rows, stream.columns);
  })();
  for await (const batch of batchesOf) {
    rows += batch.length;
    batches++;
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  }
  const seconds = (performance.now() - t0) / 1000;
  const result = {
    name, view, rows, batches, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(rows / seconds),
    baselineRssMiB: Math.round(baseline / MiB), peakRssMiB: Math.round(peak / MiB), rssGrowthMiB: Math.round((peak - baseline) / MiB),
    strategy: stream.header?.strategy,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

try {
  const t0 = performance.now();
  await engine.execute({ bucket, sql: `CREATE TABLE big AS SELECT range AS id, 'tag-' || (range % 1000) AS tag, range * 0.25 AS v, TIMESTAMP '2026-01-01' + INTERVAL (range) SECOND AS ts FROM range(${ROWS})` });
  const loadSeconds = (performance.now() - t0) / 1000;
  const execute = await measure('executeStream SELECT * FROM big', () => engine.executeStream({ bucket, sql: 'SELECT * FROM big' }));
  const encoded = await measure('executeStream SELECT * FROM big, rows in the JSON wire encoding (encodeRows)', () => engine.executeStream({ bucket, sql: 'SELECT * FROM big' }), 'execute');
  const query = await measure('queryRowsStream big (typed Query, where id >= 0)', () => engine.queryRowsStream({ bucket, tableName: 'big', where: { column: 'id', op: 'GE', value: 0 } }));
  const result = {
    benchmark: 'stream-rss',
    at: new Date().toISOString(),
    rows: ROWS,
    gcExposed: gc !== undefined,
    loadSeconds: Math.round(loadSeconds * 10) / 10,
    machine: '2 shared cores, local disk',
    streams: [execute, encoded, query],
    note: 'RSS growth of the whole process (DuckDB included) over the baseline taken before the stream; the acceptance bound is 200 MiB at 10M rows.',
  };
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'stream-rss.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await engine.close();
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
}

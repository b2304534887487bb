/**
 * Pipeline-table ingest throughput: objects/s and rows/s through the real Engine's scanner
 * (Pipelines.scanBucket: list → ledger check → DuckDB reader → one Delta commit per batch with a
 * txn per object), for small objects (many objects of a few rows: per-object overhead) and large
 * objects (few objects of many rows: reader and Parquet-writer throughput), per format.
 * Store: the local directory (default) or S3 over HTTP (s3rver; K3_BENCH_PIPELINE_STORE=s3).
 * Sizes: K3_BENCH_PIPELINE_SMALL_OBJECTS (default 1000) × K3_BENCH_PIPELINE_SMALL_ROWS (10);
 * K3_BENCH_PIPELINE_LARGE_OBJECTS (default 8) × K3_BENCH_PIPELINE_LARGE_ROWS (200,000).
 * Writes bench/results/pipeline.json; timing never fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapLimit } from '../packages/core/src/maintenance/index.ts';
import { createPipelineEnv, csvBody, ndjsonBody, parquetBodies } from '../packages/core/test/pipeline/support/pipeline-env.ts';

const STORE = process.env.K3_BENCH_PIPELINE_STORE === 's3' ? 's3' : 'local';
const SMALL_OBJECTS = Number(process.env.K3_BENCH_PIPELINE_SMALL_OBJECTS ?? 1000);
const SMALL_ROWS = Number(process.env.K3_BENCH_PIPELINE_SMALL_ROWS ?? 10);
const LARGE_OBJECTS = Number(process.env.K3_BENCH_PIPELINE_LARGE_OBJECTS ?? 8);
const LARGE_ROWS = Number(process.env.K3_BENCH_PIPELINE_LARGE_ROWS ?? 200_000);

const env = await createPipelineEnv(STORE, { K3_PIPELINE_MAX_OBJECT_BYTES: '1GiB' });
const results: Array<Record<string, unknown>> = [];

async function bodies(format: 'csv' | 'ndjson' | 'parquet', objects: number, rows: number): Promise<Array<string | Uint8Array>> {
  if (format === 'parquet') return parquetBodies(0, objects, rows);
  return Array.from({ length: objects }, (_, i) => (format === 'csv' ? csvBody(i, rows) : ndjsonBody(i, rows)));
}

async function measure(size: 'small' | 'large', format: 'csv' | 'ndjson' | 'parquet', objects: number, rows: number): Promise<void> {
  const table = `${size}_${format}`;
  await env.engine.pipelines.createTablePipeline({ bucket: env.bucket, name: table, rule: { globs: [`${table}/*.${format}`], format } });
  const data = await bodies(format, objects, rows);
  const bytes = data.reduce((n, b) => n + (typeof b === 'string' ? Buffer.byteLength(b) : b.byteLength), 0);
  await mapLimit(data.map((b, i) => [i, b] as const), 16, ([i, b]) => env.put(`${table}/${String(i).padStart(6, '0')}.${format}`, b));
  const started = performance.now();
  let scans = 0;
  for (;;) {
    scans++;
    const [r] = await env.engine.pipelines.scanBucket(env.bucket, (rule) => rule.table === table);
    if (r?.error !== undefined) throw r.error;
    if (r?.outcome?.pending === 0) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const landed = await env.count(table);
  if (landed !== objects * rows) throw new Error(`${table}: ${landed} rows landed, expected ${objects * rows}`);
  const row = { size, format, objects, rowsPerObject: rows, bytes, seconds: Math.round(seconds * 100) / 100, scans, objectsPerSecond: Math.round((objects / seconds) * 10) / 10, rowsPerSecond: Math.round((objects * rows) / seconds) };
  results.push(row);
  process.stdout.write(`${JSON.stringify(row)}\n`);
}

try {
  for (const format of ['csv', 'ndjson', 'parquet'] as const) await measure('small', format, SMALL_OBJECTS, SMALL_ROWS);
  for (const format of ['csv', 'parquet'] as const) await measure('large', format, LARGE_OBJECTS, LARGE_ROWS);
  const result = {
    benchmark: 'pipeline-ingest', at: new Date().toISOString(), store: STORE === 's3' ? 'S3 over HTTP (s3rver)' : 'local directory',
    batchObjects: 100, machine: '2 shared cores', note: 'one scanner, sequential DuckDB reads, object fetches 8 in parallel; the final re-scan (pending = 0) is included',
    results,
  };
  const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'pipeline.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await env.close();
}

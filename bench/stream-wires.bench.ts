/**
 * Streamed results over every wire (issue 9, item 6, server half): the started server (main.ts,
 * as `npm start` runs it) streams `SELECT … FROM range(K3_BENCH_STREAM_ROWS)` (default
 * 10,000,000 rows; BIGINT, BIGINT, VARCHAR) to a client that reads and counts it — REST NDJSON,
 * REST Arrow IPC, Connect (ExecuteStream over HTTP/1.1) and native gRPC — while the server's RSS is
 * sampled from /proc every 50 ms. The result is the server's RSS growth over its idle baseline per
 * wire (the bound: 200 MiB, recorded per wire as `withinBound`). Writes
 * bench/results/stream-wires.json and exits 1 when a wire's growth is over the bound.
 * K3_BENCH_STREAM_WIRES=rest-ndjson,grpc runs only those wires (the file is then not written).
 *
 *   node bench/stream-wires.bench.ts                               # full scale
 *   K3_BENCH_STREAM_ROWS=200000 node bench/stream-wires.bench.ts   # a quick check
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { TableService } from '@k3/client';
import { authHeaders, startServer } from '../test/support/server.ts';
import { freePort } from '../test/contract/wire-clients.ts';

const ROWS = Number(process.env.K3_BENCH_STREAM_ROWS ?? 10_000_000);
const WIRES = process.env.K3_BENCH_STREAM_WIRES?.split(',').map((w) => w.trim()).filter((w) => w !== '');
const BOUND_MIB = 200;
const MiB = 1024 * 1024;
const sqlOf = (n: number) => `SELECT range AS i, range * 3 AS j, 'row-' || range::VARCHAR AS s FROM range(${n})`;
let sql = sqlOf(50_000);

const grpcPort = await freePort();
const server = await startServer({ K3_GRPC_PORT: String(grpcPort), K3_QUERY_TIMEOUT: '10m', K3_LOG_LEVEL: 'warn' });
const auth = authHeaders(server.url);
const rssOf = (): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

async function measure(wire: string, read: () => Promise<number>): Promise<Record<string, unknown> | undefined> {
  if (WIRES !== undefined && !WIRES.includes(wire)) return undefined;
  await new Promise((r) => setTimeout(r, 500));
  const baseline = rssOf();
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, rssOf())), 50);
  const t0 = performance.now();
  let rows: number;
  try {
    rows = await read();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, rssOf());
  const seconds = (performance.now() - t0) / 1000;
  const result = { wire, rows, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(rows / seconds), baselineRssMiB: Math.round(baseline / MiB), peakRssMiB: Math.round(peak / MiB), rssGrowthMiB: Math.round((peak - baseline) / MiB), withinBound: peak - baseline < BOUND_MIB * MiB };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result;
}

async function restStream(accept: string, count: (chunk: Uint8Array) => void): Promise<void> {
  const res = await fetch(`${server.url}/bench/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json', accept, ...auth }, body: JSON.stringify({ sql }) });
  if (!res.ok || !res.body) throw new Error(`REST stream failed: ${res.status} ${await res.text()}`);
  for await (const chunk of res.body) count(chunk);
}

async function connectRows(transport: ReturnType<typeof createGrpcTransport>): Promise<number> {
  const client = createClient(TableService, transport);
  let rows = 0;
  for await (const m of client.executeStream({ bucket: 'bench', sql }, { headers: auth })) if (m.chunk.case === 'batch') rows += m.chunk.value.rows.length;
  return rows;
}

const results: Record<string, unknown>[] = [];
const record = (r: Record<string, unknown> | undefined): void => void (r !== undefined && results.push(r));
try {
  // The bucket exists once it has a table (embedded mode).
  await fetch(`${server.url}/bench/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ sql: 'CREATE TABLE t (a INTEGER)' }) });
  // Warm-up (not recorded): first-use allocations of DuckDB, V8 and the encoders on every wire.
  await restStream('application/x-ndjson', () => undefined);
  await restStream('application/vnd.apache.arrow.stream', () => undefined);
  await connectRows(createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }));
  await connectRows(createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}` }));
  sql = sqlOf(ROWS);
  record(await measure('rest-ndjson', async () => {
    let rows = 0;
    let tail = '';
    await restStream('application/x-ndjson', (chunk) => {
      const lines = (tail + Buffer.from(chunk).toString('utf8')).split('\n');
      tail = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('{"batch"')) rows += (JSON.parse(l) as { batch: { rows: unknown[] } }).batch.rows.length;
    });
    return rows;
  }));
  record(await measure('rest-arrow', async () => {
    const { RecordBatchReader } = await import('apache-arrow');
    const res = await fetch(`${server.url}/bench/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/vnd.apache.arrow.stream', ...auth }, body: JSON.stringify({ sql }) });
    if (!res.body) throw new Error('no body');
    let rows = 0;
    const reader = await RecordBatchReader.from(res.body as unknown as AsyncIterable<Uint8Array>);
    for await (const batch of reader) rows += batch.numRows;
    return rows;
  }));
  record(await measure('connect', () => connectRows(createConnectTransport({ baseUrl: server.url, httpVersion: '1.1' }))));
  record(await measure('grpc', () => connectRows(createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}` }))));
} finally {
  await server.stop();
}

if (WIRES === undefined) {
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results', 'stream-wires.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ rowsPerRun: ROWS, boundMiB: BOUND_MIB, measuredAt: new Date().toISOString(), results }, null, 2)}\n`);
  process.stdout.write(`wrote ${out}\n`);
}
if (results.some((r) => r.withinBound !== true)) {
  process.stderr.write(`server RSS growth over ${BOUND_MIB} MiB on: ${results.filter((r) => r.withinBound !== true).map((r) => String(r.wire)).join(', ')}\n`);
  process.exitCode = 1;
}

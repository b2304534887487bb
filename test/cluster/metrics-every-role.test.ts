/**
 * Prometheus on every role: `k3 cluster up` (Redis, coordinator, 1 worker, compactor as separate
 * processes), real keyed writes, a federated read and a drain; then every role's /metrics passes
 * `promtool check metrics` (Debian `prometheus`) and carries the role's operational series with
 * values that follow from what was done: keyed-write latency, store calls per role, cache lookups,
 * DuckDB memory, scan backlog and queue states (coordinator); job outcomes and durations (worker);
 * drain rows, backlog per table (compactor).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../packages/cli/src/cluster/local-cluster.ts';
import { alive, clusterUp, gone, type Running } from './support/cluster-process.ts';
import { k3fetch, registerToken } from '../support/server.ts';

const BUCKET = 'metrics';
let cluster: Running;
let dataDir: string;
let workerOps: string;
let compactorOps: string;

async function execute(sql: string, extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const res = await k3fetch(`${cluster.url}/${BUCKET}/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, ...extra }) });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** `name{labels} value` samples of an exposition text. */
function samples(text: string, name: string, labels: Record<string, string> = {}): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const set = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (Object.entries(labels).every(([k, v]) => set[k] === v)) out.push(Number(m[3]));
  }
  return out;
}
const sum = (text: string, name: string, labels: Record<string, string> = {}): number => samples(text, name, labels).reduce((a, b) => a + b, 0);

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** promtool's verdict: throws with its complaints when the exposition is not clean. */
function promtool(text: string): string {
  return execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'k3-metrics-'));
  const [w, c] = [await freePort(), await freePort()];
  workerOps = `http://127.0.0.1:${w}`;
  compactorOps = `http://127.0.0.1:${c}`;
  cluster = await clusterUp({
    K3_DATA_DIR: dataDir, K3_WORKER_HTTP_PORT: String(w), K3_COMPACTOR_HTTP_PORT: String(c),
    K3_FEDERATE_MIN_BYTES: '0', K3_COMPACTOR_INTERVAL: '200ms', K3_COMPACTOR_BACKLOG_AGE: '200ms',
  }, 1);
  if (cluster.token !== undefined) registerToken(cluster.url, cluster.token);
}, 180_000);

afterAll(async () => {
  if (cluster !== undefined) {
    cluster.child.kill('SIGTERM');
    const left = await gone([cluster.child.pid!, ...cluster.pids], 30_000);
    for (const pid of left) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('Prometheus on every role', () => {
  it('keyed writes, a federated read and a drain show up in every role’s /metrics, and promtool accepts each', async () => {
    await execute('CREATE TABLE m (id BIGINT PRIMARY KEY, region VARCHAR, amount DOUBLE) PARTITIONED BY (region)');
    for (let i = 0; i < 3; i++) await execute(`INSERT INTO m VALUES (${i * 2}, 'EU', ${i}), (${i * 2 + 1}, 'US', ${i})`);
    // Wait for the compactor to drain all 6 rows into Delta, then read them back through the worker.
    let compactor = '';
    for (let t = 0; t < 150 && sum(compactor, 'k3_drain_rows_total', { table: 'm' }) < 6; t++) {
      await new Promise((r) => setTimeout(r, 200));
      compactor = await scrape(compactorOps);
    }
    expect(sum(compactor, 'k3_drain_rows_total', { bucket: BUCKET, table: 'm' })).toBe(6);
    const read = await execute('SELECT region, count(*) AS n FROM m GROUP BY region ORDER BY region');
    expect((read['query'] as { rows: unknown[][]; strategy: string }).rows).toEqual([['EU', '3'], ['US', '3']]);
    expect((read['query'] as { strategy: string }).strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');

    const coordinator = await scrape(cluster.url);
    const worker = await scrape(workerOps);
    compactor = await scrape(compactorOps);
    for (const [role, text] of [['coordinator', coordinator], ['worker', worker], ['compactor', compactor]] as const) {
      expect(() => promtool(text), role).not.toThrow();
      // Every series carries its role; process metrics and object-store calls exist on every role.
      expect(samples(text, 'process_cpu_seconds_total', { role })).toHaveLength(1);
      expect(text).toContain('# TYPE k3_store_requests_total counter');
      expect(text).toContain('# TYPE k3_store_request_duration_seconds histogram');
      // (The worker reads a local store's Parquet in place: no store call there in this mode.)
      if (role !== 'worker') expect(sum(text, 'k3_store_requests_total', { role }), role).toBeGreaterThan(0);
      expect(samples(text, 'k3_store_retries_total', { role })).toEqual(samples(text, 'k3_store_retries_total', { role }).map(() => 0));
      expect(samples(text, 'k3_duckdb_memory_bytes', { role })).toHaveLength(1);
      expect(samples(text, 'k3_cache_hit_ratio', { role })).toHaveLength(1);
    }
    // Coordinator: 3 keyed INSERTs, execute latency by strategy and wire, the scan backlog (drained: 0).
    expect(sum(coordinator, 'k3_keyed_write_duration_seconds_count', { strategy: 'WRITE_STRATEGY_KEYED_INSERT_BULK' })).toBe(3);
    expect(sum(coordinator, 'k3_execute_duration_seconds_count', { kind: 'query', strategy: 'QUERY_STRATEGY_FEDERATED_AGGREGATE', wire: 'rest' })).toBe(1);
    expect(samples(coordinator, 'k3_scan_backlog_jobs')).toEqual([0]);
    // Usage metering: the 5 Execute calls (CREATE, 3 INSERTs, the read) of this bucket.
    expect(samples(coordinator, 'k3_usage_calls_total', { bucket: BUCKET })).toEqual([5]);
    expect(sum(coordinator, 'k3_usage_rows_returned_total', { bucket: BUCKET })).toBe(2);
    expect(samples(coordinator, 'k3_scan_queue_jobs')).toHaveLength(6);
    // Worker: the federated read ran 2 jobs (EU, US) there; their Parquet came through its cache.
    expect(sum(worker, 'k3_worker_jobs_total', { outcome: 'completed' })).toBe(2);
    expect(sum(worker, 'k3_worker_job_duration_seconds_count')).toBe(2);
    expect(sum(worker, 'k3_cache_lookups_total')).toBeGreaterThanOrEqual(2);
    // Compactor: 3 write-log records (one per statement) drained, backlog of table m back to 0, no failure.
    expect(sum(compactor, 'k3_drain_records_total', { table: 'm' })).toBe(3);
    expect(samples(compactor, 'k3_wal_backlog_entries', { bucket: BUCKET, table: 'm' })).toEqual([0]);
    expect(samples(compactor, 'k3_drains_total', { outcome: 'failed' })).toEqual([0]);
    expect(sum(compactor, 'k3_drain_duration_seconds_count')).toBeGreaterThan(0);
  }, 120_000);

  it('GET /internal/scan-backlog answers the KEDA metrics-api shape', async () => {
    const res = await fetch(`${cluster.url}/internal/scan-backlog`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ waiting: 0, prioritized: 0, delayed: 0, delayedDue: 0, active: 0, coordinator: 0, total: 0 });
  });
});

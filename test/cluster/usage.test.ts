/**
 * Usage metering through `k3 cluster up` (coordinator + 2 workers as processes): a federated
 * query's `usage.cpuMs` is exactly the coordinator's CPU ms plus what each of its scan jobs
 * reported on the worker that ran it (the workers' own "scan job completed" log lines), and
 * GET /:bucket/usage adds up exactly the calls run in its window, priced with the configured rates.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, clusterUp, gone, type Running } from './support/cluster-process.ts';
import { k3fetch, registerToken } from '../support/server.ts';

const BUCKET = 'metered';
const PRICE_VCPU_HOUR = 0.0464;
const PRICE_GB_RAM_HOUR = 0.0051;
let cluster: Running;
let dataDir: string;

interface Usage { cpuMs: string; memoryGbSeconds: number; bytesScanned: string; filesScanned: string; rowsReturned: string }
interface Body { query?: { rows: unknown[][]; strategy: string; bytesScanned: string; filesScanned: string }; usage: Usage }

async function execute(sql: string): Promise<Body> {
  const res = await k3fetch(`${cluster.url}/${BUCKET}/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
  const body = (await res.json()) as Body;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** JSON log lines of one child (`[name] {…}` in the cluster's stderr). */
function logs(prefix: RegExp, msg: string): Record<string, unknown>[] {
  return cluster.err().split('\n').flatMap((line) => {
    const m = /^\[([\w-]+)\] (\{.*\})$/.exec(line);
    if (m === null || !prefix.test(m[1]!)) return [];
    const entry = JSON.parse(m[2]!) as Record<string, unknown>;
    return entry['msg'] === msg ? [entry] : [];
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'k3-usage-'));
  cluster = await clusterUp({
    K3_DATA_DIR: dataDir, K3_LOG_LEVEL: 'info', K3_FEDERATE_MIN_BYTES: '0',
    K3_PRICE_VCPU_HOUR: String(PRICE_VCPU_HOUR), K3_PRICE_GB_RAM_HOUR: String(PRICE_GB_RAM_HOUR),
  }, 2);
  if (cluster.token !== undefined) registerToken(cluster.url, cluster.token);
}, 180_000);

afterAll(async () => {
  if (cluster !== undefined) {
    cluster.child.kill('SIGTERM');
    for (const pid of await gone([cluster.child.pid!, ...cluster.pids], 30_000)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(dataDir, { recursive: true, force: true });
});

describe('usage metering', () => {
  const responses: Body[] = [];

  it("a federated query's usage.cpuMs = coordinator CPU ms + the sum of what its jobs report on the workers", async () => {
    responses.push(await execute('CREATE TABLE u (id BIGINT, region VARCHAR, amount DOUBLE) PARTITIONED BY (region)'));
    responses.push(await execute("INSERT INTO u SELECT i, 'r' || (i % 4), i * 1.5 FROM range(4000) t(i)"));
    const body = await execute('SELECT region, count(*) AS n, sum(amount) AS total FROM u GROUP BY region ORDER BY region');
    responses.push(body);
    expect(body.query!.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
    // Log lines travel coordinator → k3 cluster up → this test through pipes: wait for the 3rd call's.
    for (let i = 0; i < 100 && logs(/^coordinator$/, 'execute metered').length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    const metered = logs(/^coordinator$/, 'execute metered')[2]!;
    const jobs = metered['jobs'] as { queryId: string; jobIndex: number; ranBy: string; cpuMs: number; memoryGbSeconds: number }[];
    expect(jobs).toHaveLength(4);
    // What the workers themselves reported for these jobs (their own log lines, their own processes).
    const ofQuery = (): Record<string, unknown>[] => logs(/^worker-\d+$/, 'scan job completed').filter((l) => l['queryId'] === jobs[0]!.queryId);
    for (let i = 0; i < 100 && ofQuery().length < 4; i++) await new Promise((r) => setTimeout(r, 50));
    const reported = ofQuery();
    expect(reported).toHaveLength(4);
    const reportedCpu = reported.reduce((n, l) => n + (l['cpuMs'] as number), 0);
    expect(jobs.reduce((n, j) => n + j.cpuMs, 0)).toBe(reportedCpu);
    expect(new Set(jobs.map((j) => j.ranBy)).size).toBeGreaterThanOrEqual(1);
    expect(jobs.every((j) => !j.ranBy.endsWith(`:${cluster.child.pid}`))).toBe(true);
    // Exact: whole milliseconds, the coordinator's part plus every job's.
    expect(Number(body.usage.cpuMs)).toBe((metered['coordinatorCpuMs'] as number) + reportedCpu);
    expect(body.usage).toMatchObject({ bytesScanned: body.query!.bytesScanned, filesScanned: body.query!.filesScanned, rowsReturned: '4' });
    expect(Number(body.usage.filesScanned)).toBe(4);
    const reportedMemory = reported.reduce((n, l) => n + (l['memoryGbSeconds'] as number), 0);
    expect(body.usage.memoryGbSeconds).toBeGreaterThan(reportedMemory);
  }, 120_000);

  it('GET /:bucket/usage adds up the calls run, priced with the configured rates; since/until select a window', async () => {
    const between = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    const last = await execute("SELECT id, amount FROM u WHERE region = 'r1' ORDER BY id LIMIT 3");
    responses.push(last);
    const res = await k3fetch(`${cluster.url}/${BUCKET}/usage`);
    expect(res.status).toBe(200);
    const totals = (await res.json()) as Record<string, unknown> & { cost: { cpu: number; memory: number; total: number } };
    const sum = (f: (u: Usage) => number): number => responses.reduce((n, r) => n + f(r.usage), 0);
    expect(totals).toMatchObject({
      bucket: BUCKET, calls: String(responses.length), cpuMs: String(sum((u) => Number(u.cpuMs))),
      bytesScanned: String(sum((u) => Number(u.bytesScanned))), filesScanned: String(sum((u) => Number(u.filesScanned))), rowsReturned: String(sum((u) => Number(u.rowsReturned))),
    });
    expect(totals['memoryGbSeconds']).toBeCloseTo(sum((u) => u.memoryGbSeconds), 12);
    expect(totals.cost.cpu).toBeCloseTo((sum((u) => Number(u.cpuMs)) / 3_600_000) * PRICE_VCPU_HOUR, 12);
    expect(totals.cost.memory).toBeCloseTo((sum((u) => u.memoryGbSeconds) / 3600) * PRICE_GB_RAM_HOUR, 12);
    expect(totals.cost.total).toBeCloseTo(totals.cost.cpu + totals.cost.memory, 12);
    const window = (await (await k3fetch(`${cluster.url}/${BUCKET}/usage?since=${between}&until=${new Date(Date.now() + 1000).toISOString()}`)).json()) as Record<string, unknown>;
    expect(window).toMatchObject({ calls: '1', cpuMs: last.usage.cpuMs, rowsReturned: '3', bytesScanned: last.usage.bytesScanned });
    const bad = await k3fetch(`${cluster.url}/${BUCKET}/usage?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('ERR_BAD_REQUEST');
  }, 60_000);
});

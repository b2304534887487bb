/**
 * Scale to zero and autoscaling on the true backlog, through `k3 cluster up --workers 0`:
 * - with no worker alive the coordinator runs the plan itself (exact answer, no wait for a cold
 *   start) and its backlog endpoint still reports that demand, so an autoscaler starts workers;
 * - an autoscaling simulation polls GET /internal/scan-backlog, applies KEDA's formula
 *   (desired = ceil(total / target), activation above 0, min 0, max 3, scale-down after a cooldown)
 *   and starts / stops real worker processes (SIGTERM) while queries run: every answer stays exact;
 * - a worker stopped with SIGTERM takes no new job and finishes the one it holds within the grace
 *   period (exit 0); with a grace period shorter than the job it hands the job back (lock lapses)
 *   and another worker runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, clusterUp, gone, type Running } from './support/cluster-process.ts';
import { k3fetch, registerToken } from '../support/server.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const BUCKET = 'scale';
const SQL = 'SELECT region, count(*) AS n, sum(amount) AS total FROM s GROUP BY region ORDER BY region';
/** 1000 rows, amount = id, region = 'r' || (id % 4): region k has 250 rows summing to 124500 + 250k. */
const EXPECTED = [0, 1, 2, 3].map((k) => [`r${k}`, 250, 124_500 + 250 * k]);

let cluster: Running;
let dataDir: string;
const workers: Worker[] = [];

interface Worker {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  log(): string;
}

interface Backlog { waiting: number; prioritized: number; delayed: number; delayedDue: number; active: number; coordinator: number; total: number }

async function backlog(): Promise<Backlog> {
  const res = await fetch(`${cluster.url}/internal/scan-backlog`);
  expect(res.status).toBe(200);
  return (await res.json()) as Backlog;
}

async function startWorker(env: Record<string, string> = {}): Promise<Worker> {
  const child = spawn(process.execPath, [path.join(REPO, 'services/worker/src/main.ts')], {
    cwd: REPO,
    env: {
      PATH: process.env['PATH'] ?? '', K3_REDIS_URL: cluster.redisUrl, K3_QUEUE_PREFIX: `k3c${process.pid}`, K3_STORE: 'local', K3_DATA_DIR: dataDir,
      K3_CACHE_DIR: path.join(dataDir, '..', `cache-${workers.length}-${Date.now()}`), K3_LOG_LEVEL: 'debug', K3_WORKER_CONCURRENCY: '1', K3_JOB_LOCK_DURATION: '1s', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const worker: Worker = { child, exited, log: () => out };
  workers.push(worker);
  for (let i = 0; i < 600 && !/k3-worker ready/.test(out); i++) {
    if (child.exitCode !== null) throw new Error(`worker exited:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(out).toMatch(/k3-worker ready/);
  return worker;
}

async function query(): Promise<{ rows: unknown[][]; strategy: string }> {
  const res = await k3fetch(`${cluster.url}/${BUCKET}/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: SQL }) });
  const body = (await res.json()) as { query?: { rows: unknown[][]; strategy: string } };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.query!;
}

function expectExact(q: { rows: unknown[][]; strategy: string }): void {
  expect(q.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
  expect(q.rows.map(([r, n, t]) => [r, Number(n), Number(t)])).toEqual(EXPECTED);
}

const completedJobs = (w: Worker): number => (w.log().match(/"msg":"scan job completed"/g) ?? []).length;

beforeAll(async () => {
  dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'k3-autoscale-')), 'data');
  cluster = await clusterUp({ K3_DATA_DIR: dataDir, K3_FEDERATE_MIN_BYTES: '0', K3_SCALE_WAKE_WINDOW: '2s' }, 0);
  if (cluster.token !== undefined) registerToken(cluster.url, cluster.token);
  const res = await k3fetch(`${cluster.url}/${BUCKET}/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'CREATE TABLE s (id BIGINT, region VARCHAR, amount BIGINT) PARTITIONED BY (region)' }) });
  expect(res.status).toBe(200);
  const ins = await k3fetch(`${cluster.url}/${BUCKET}/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: "INSERT INTO s SELECT i, 'r' || (i % 4), i FROM range(1000) t(i)" }) });
  expect(ins.status).toBe(200);
}, 180_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
  if (cluster !== undefined) {
    cluster.child.kill('SIGTERM');
    for (const pid of await gone([cluster.child.pid!, ...cluster.pids], 30_000)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  await rm(path.dirname(dataDir), { recursive: true, force: true });
});

describe('scale to zero (k3 cluster up --workers 0)', () => {
  it('with no worker alive the coordinator runs the plan itself, and the backlog still asks for workers', async () => {
    expectExact(await query());
    const b = await backlog();
    expect(b).toMatchObject({ waiting: 0, prioritized: 0, delayedDue: 0, active: 0, coordinator: 4, total: 4 });
    // The demand fades after K3_SCALE_WAKE_WINDOW (2 s here), so idle workers can scale back to zero.
    await new Promise((r) => setTimeout(r, 2_200));
    expect((await backlog()).total).toBe(0);
  }, 60_000);

  it('autoscaling simulation: KEDA formula on the backlog endpoint starts and stops workers; every answer is exact', async () => {
    const TARGET = 2;
    const MAX = 3;
    const pool: Worker[] = [];
    let below = 0;
    let peak = 0;
    let scaledDown = 0;
    const answers: Promise<void>[] = [];
    const poll = async (): Promise<void> => {
      const { total } = await backlog();
      const desired = total > 0 ? Math.min(MAX, Math.max(1, Math.ceil(total / TARGET))) : 0;
      if (desired > pool.length) {
        below = 0;
        while (pool.length < desired) pool.push(await startWorker({ K3_TEST_SCAN_DELAY: '150ms' }));
      } else if (desired < pool.length && ++below >= 2) {
        // Cooldown passed: scale down by one, the way HPA does, with SIGTERM (graceful).
        below = 0;
        const w = pool.pop()!;
        w.child.kill('SIGTERM');
        expect(await w.exited).toBe(0);
        scaledDown++;
      }
      peak = Math.max(peak, pool.length);
    };
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 3; i++) answers.push(query().then(expectExact));
      await new Promise((r) => setTimeout(r, 250));
      await poll();
    }
    await Promise.all(answers);
    // Load is over: the backlog drains to 0 and the workers go back to zero.
    for (let i = 0; i < 100 && pool.length > 0; i++) {
      await poll();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(peak).toBeGreaterThanOrEqual(2);
    expect(scaledDown).toBeGreaterThanOrEqual(peak);
    expect(pool).toHaveLength(0);
    // And with zero workers again the coordinator answers by itself.
    expectExact(await query());
  }, 240_000);
});

describe('workers on SIGTERM', () => {
  it('finish the job they hold within the grace period, take no new one, exit 0', async () => {
    const slow = await startWorker({ K3_TEST_SCAN_DELAY: '1500ms', K3_SHUTDOWN_TIMEOUT: '20s' });
    const answer = query();
    for (let i = 0; i < 100 && (await backlog()).active === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await backlog()).active).toBe(1);
    slow.child.kill('SIGTERM');
    expect(await slow.exited).toBe(0);
    expect(completedJobs(slow)).toBe(1);
    expect(slow.log()).toMatch(/worker stopping/);
    // The other 3 jobs waited in the queue; the next worker runs them and the answer is exact.
    expect((await backlog()).waiting).toBe(3);
    await startWorker();
    expectExact(await answer);
    workers.at(-1)!.child.kill('SIGTERM');
    expect(await workers.at(-1)!.exited).toBe(0);
  }, 120_000);

  it('with a grace period shorter than the job, hand it back: another worker runs it, the answer is exact', async () => {
    const slow = await startWorker({ K3_TEST_SCAN_DELAY: '4s', K3_SHUTDOWN_TIMEOUT: '300ms' });
    const answer = query();
    for (let i = 0; i < 100 && (await backlog()).active === 0; i++) await new Promise((r) => setTimeout(r, 100));
    slow.child.kill('SIGTERM');
    expect(await slow.exited).toBe(0);
    expect(slow.log()).toMatch(/abandoning running jobs to other workers/);
    expect(completedJobs(slow)).toBe(0);
    const next = await startWorker();
    expectExact(await answer);
    // The worker logs "scan job completed" after BullMQ marks the job done, which can be after the
    // coordinator already answered: wait for the line (bounded), then count.
    for (let i = 0; i < 100 && completedJobs(next) < 4; i++) await new Promise((r) => setTimeout(r, 100));
    expect(completedJobs(next)).toBe(4);
    next.child.kill('SIGTERM');
    expect(await next.exited).toBe(0);
  }, 120_000);
});

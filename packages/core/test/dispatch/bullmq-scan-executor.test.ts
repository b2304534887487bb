/**
 * BullMQScanExecutor against a real redis-server and real worker processes: results equal the
 * in-process executor's; a worker killed mid-job → the job runs on another worker and each partial
 * counts once; deadline, failure and Redis-down behaviour; Redis stays bounded.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQScanExecutor, createScanJobHandler, createScanWorker, InProcessScanExecutor, ScaleToZeroScanExecutor, type BullMQScanExecutorOptions, type ScanExecutor } from '../../src/dispatch/index.ts';
import { AppError } from '../../src/errors/index.ts';
import { JOB_RESULTS_PREFIX, scanJobId, type ScanJobV1, type ScanResultV1 } from '../../src/jobs/index.ts';
import { createBucketStoreFactory } from '../../src/object-store/store-factory.ts';
import { startRedisServer, type RedisTestServer } from '../support/redis-server.ts';
import { S3_TEST_CREDENTIALS, startS3Server, type S3TestServer } from '../support/s3-server.ts';
import { BUCKET, canonical, createScanTable, type ScanTable } from './support/scan-table.ts';
import { startWorker, type WorkerProcess } from './support/worker-process.ts';

let table: ScanTable;
let redis: RedisTestServer;
const workers: WorkerProcess[] = [];
const executors: BullMQScanExecutor[] = [];

function workerEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    K3_REDIS_URL: redis.url, K3_QUEUE_PREFIX: prefix, K3_STORE: 'local', K3_DATA_DIR: table.dataDir,
    K3_WORKER_CONCURRENCY: '1', K3_JOB_LOCK_DURATION: '2s', K3_JOB_ATTEMPTS: '3', K3_SHUTDOWN_TIMEOUT: '2s', ...extra,
  };
}

function executor(prefix: string, over: Partial<BullMQScanExecutorOptions> = {}): BullMQScanExecutor {
  const e = new BullMQScanExecutor({
    redisUrl: redis.url, prefix, connectTimeoutMs: 1_000, attempts: 3, backoffMs: 100, retentionMs: 60_000, retentionCount: 20, pollIntervalMs: 200, ...over,
  });
  executors.push(e);
  return e;
}

async function spawnWorkers(n: number, env: Record<string, string>): Promise<WorkerProcess[]> {
  const started = await Promise.all(Array.from({ length: n }, () => startWorker(env)));
  workers.push(...started);
  return started;
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  table = await createScanTable();
  redis = await startRedisServer();
});

afterAll(async () => {
  await Promise.allSettled(executors.map((e) => e.close()));
  await Promise.allSettled(workers.map((w) => w.stop()));
  await redis?.stop();
  await table?.close();
});

const QUERIES = [
  'SELECT region, count(*) AS n, sum(amount) AS s, min(day) AS d0, max(name) AS m FROM contracts GROUP BY region',
  'SELECT name, count(*) AS n, sum(qty) AS q, sum(id) AS ids FROM contracts WHERE qty > 10 GROUP BY name HAVING sum(qty) > 100',
  'SELECT id, amount, name FROM contracts WHERE qty < 3 ORDER BY amount DESC NULLS LAST, id LIMIT 40',
  'SELECT id, region, amount FROM contracts WHERE qty = 7',
  'SELECT id, amount, name FROM contracts WHERE qty < 5',
];

describe('BullMQScanExecutor with two worker processes', () => {
  const prefix = `k3t${process.pid}a`;

  beforeAll(async () => {
    // A small inline limit, so row-returning scans spill through the object store.
    await spawnWorkers(2, workerEnv(prefix, { K3_JOB_RESULT_INLINE_MAX_BYTES: '2KiB' }));
  }, 120_000);

  it.each(QUERIES)('equals the in-process executor and single-node DuckDB: %s', async (sql) => {
    const inProcess = new InProcessScanExecutor({ handler: createScanJobHandler({ stores: table.stores, db: table.db, cache: table.cache, inlineMaxBytes: 1 << 20 }) });
    const e = executor(prefix);
    const results: ScanResultV1[] = [];
    const spy: ScanExecutor = { kind: e.kind, run: async (jobs, o) => { const r = await e.run(jobs, o); results.push(...r); return r; }, backlog: () => e.backlog(), close: () => e.close() };
    const viaQueue = await table.federate(spy, sql);
    const local = await table.federate(inProcess, sql);
    expect(canonical(viaQueue.result)).toEqual(canonical(local.result));
    expect(canonical(viaQueue.result)).toEqual(canonical(await table.reference(sql)));
    expect(viaQueue.stats).toMatchObject({ jobs: 4, filesScanned: 8, rowsScanned: 4000 });
    // A result travels through the object store exactly when it exceeds the workers' 2 KiB inline limit.
    expect(results.map((r) => r.resultKey !== undefined)).toEqual(results.map((r) => r.bytes > 2048));
    // Spilled results were deleted by the coordinator after merging.
    expect((await table.stores.open(BUCKET).list(JOB_RESULTS_PREFIX)).objects).toEqual([]);
  });

  it('a run reads no job state before its poll interval: the inbox delivers, the poll only covers what it misses', async () => {
    const e = executor(prefix, { pollIntervalMs: 60_000 });
    const sql = 'SELECT region, count(*) AS n FROM contracts GROUP BY region';
    const reference = canonical(await table.reference(sql));
    const queue = e.queue;
    const getJob = queue.getJob.bind(queue);
    let reads = 0;
    queue.getJob = async (id: string) => { reads++; return getJob(id); };
    try {
      for (let i = 0; i < 3; i++) expect(canonical((await table.federate(e, sql)).result)).toEqual(reference);
    } finally {
      queue.getJob = getJob;
    }
    // Two round trips (HGETALL of the job, its state) per job and query were spent right after the
    // add, before any job could have finished.
    expect(reads).toBe(0);
    expect(e.deliveries).toEqual({ inbox: 12, poll: 0 });
  });

  it('results reach the coordinator on its inbox list (one BLMPOP), and no inbox is left behind', async () => {
    const e = executor(prefix, { pollIntervalMs: 60_000 });
    const sql = 'SELECT region, count(*) AS n, sum(amount) AS s FROM contracts GROUP BY region';
    const reference = canonical(await table.reference(sql));
    for (let i = 0; i < 5; i++) expect(canonical((await table.federate(e, sql)).result)).toEqual(reference);
    // 20 results kept, each once, every one from the inbox: no events stream is read, and the poll
    // (one minute here) never ran.
    expect(e.deliveries).toEqual({ inbox: 20, poll: 0 });
    const client = new Redis(redis.url);
    try {
      expect(await client.keys(`${prefix}:scan-v1:inbox:*`)).toEqual([]);
    } finally {
      client.disconnect();
    }
  });

  it('a worker pushes a result onto no key outside the coordinators\' inbox prefix', async () => {
    const e = executor(prefix);
    const seen: ScanJobV1[] = [];
    const spy: ScanExecutor = { kind: e.kind, run: async (jobs, o) => { seen.push(...jobs); return e.run(jobs, o); }, backlog: () => e.backlog(), close: () => e.close() };
    await table.federate(spy, 'SELECT region, count(*) AS n FROM contracts GROUP BY region');
    const queryId = `foreign${process.pid}`;
    const job = { ...seen[0]!, queryId, jobIndex: 0, deadline: Date.now() + 60_000, replyTo: 'foreign:list' };
    await e.queue.add('scan', job, { jobId: scanJobId(queryId, 0) });
    const client = new Redis(redis.url);
    try {
      const until = Date.now() + 20_000;
      while ((await e.queue.getJobState(scanJobId(queryId, 0))) !== 'completed' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(await e.queue.getJobState(scanJobId(queryId, 0))).toBe('completed');
      expect(await client.exists('foreign:list')).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it('a failing partition fails the query with ERR_WORKER_FAILED carrying the worker error, without retries, from the inbox', async () => {
    const started = Date.now();
    // No poll within the test: the failure has to come through the inbox.
    const err = await failure(table.federate(executor(prefix, { pollIntervalMs: 60_000 }), 'SELECT region, count(*) FROM contracts WHERE CAST(name AS INTEGER) > 0 GROUP BY region'));
    expect(err.code).toBe('ERR_WORKER_FAILED');
    const cause = err.details?.['cause'] as { code: string; message: string };
    expect(cause.code).toBe('ERR_TYPE_MISMATCH');
    expect(cause.message).toContain('n');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('Redis keys stay bounded after many queries (retention by count)', async () => {
    const e = executor(prefix, { retentionCount: 5 });
    for (let i = 0; i < 25; i++) await table.federate(e, 'SELECT region, count(*) AS n FROM contracts GROUP BY region');
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys(`${prefix}:*`);
      const jobKeys = keys.filter((k) => /-j\d+$/.test(k));
      // 100 jobs ran; at most `retentionCount` completed (+ a few failed from the test above) remain.
      expect(jobKeys.length).toBeLessThanOrEqual(5 + 8);
      expect(await client.zcard(`${prefix}:scan-v1:completed`)).toBeLessThanOrEqual(5);
      expect(keys.length).toBeLessThan(40);
    } finally {
      client.disconnect();
    }
  });
});

describe('faults with slow workers (K3_TEST_SCAN_DELAY)', () => {
  const prefix = `k3t${process.pid}b`;
  let slow: WorkerProcess[];

  beforeAll(async () => {
    slow = await spawnWorkers(2, workerEnv(prefix, { K3_TEST_SCAN_DELAY: '3s' }));
  }, 120_000);

  it('a worker slower than the deadline → ERR_QUERY_TIMEOUT quickly; jobs not yet taken are removed or fail at once', async () => {
    const e = executor(prefix);
    const started = Date.now();
    const err = await failure(table.federate(e, 'SELECT region, count(*) FROM contracts GROUP BY region', { deadline: Date.now() + 500, queryId: 'timeout1' }));
    expect(err.code).toBe('ERR_QUERY_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await e.queue.getWaitingCount()).toBe(0);
    // The two jobs that were running are cancelled (or stop at their deadline), not 3 s later.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await e.queue.getActiveCount()).toBe(0);
    // ...failed once, never retried: a job of a query that is over is useless. The two running jobs
    // fail at the same deadline on their workers, which then take the next waiting job — in a race
    // with this coordinator's removal of the jobs not yet taken (removal before the cancel, as the
    // cancellation test below proves deterministically). A waiting job a worker wins that race for
    // fails at once (its deadline has passed) without a scan.
    const left = (await Promise.all([0, 1, 2, 3].map((i) => e.queue.getJob(scanJobId('timeout1', i))))).filter((j) => j !== undefined);
    expect(left.length).toBeGreaterThanOrEqual(2);
    for (const j of left) {
      expect(j!.failedReason).toMatch(/ERR_QUERY_(CANCELLED|TIMEOUT)/);
      expect(j!.attemptsMade).toBe(1);
      expect(j!.finishedOn! - j!.processedOn!).toBeLessThan(2_000); // never slept its 3 s, never scanned
    }
  });

  it('a cancelled query (client gone) → ERR_QUERY_CANCELLED, and the workers abort its running jobs at once', async () => {
    const e = executor(prefix);
    const controller = new AbortController();
    const pending = failure(table.federate(e, 'SELECT region, count(*) FROM contracts GROUP BY region', { signal: controller.signal, queryId: 'cancel1' }));
    for (let i = 0; i < 100 && (await e.queue.getActiveCount()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await e.queue.getActiveCount()).toBe(2);
    const abortedAt = Date.now();
    controller.abort();
    expect((await pending).code).toBe('ERR_QUERY_CANCELLED');
    // Each job would sleep 3 s before scanning; cancelled, they end long before that.
    while ((await e.queue.getActiveCount()) > 0 && Date.now() - abortedAt < 5_000) await new Promise((r) => setTimeout(r, 20));
    expect(Date.now() - abortedAt).toBeLessThan(2_000);
    const jobs = await Promise.all([0, 1, 2, 3].map((i) => e.queue.getJob(scanJobId('cancel1', i))));
    const failed = jobs.filter((j) => j !== undefined);
    // The two running jobs failed as cancelled (no retry); the two waiting ones were removed.
    expect(failed.length).toBe(2);
    for (const j of failed) {
      expect(j!.failedReason).toContain('ERR_QUERY_CANCELLED');
      expect(j!.attemptsMade).toBe(1);
    }
  });

  it('kill -9 of a worker mid-job: the job runs on the other worker, each partial counted once', async () => {
    const e = executor(prefix);
    const sql = 'SELECT region, count(*) AS n, sum(amount) AS s, sum(id) AS ids FROM contracts GROUP BY region';
    const running = table.federate(e, sql, { queryId: 'kill1' });
    // Wait until both workers hold a job, then kill one of them without warning.
    for (let i = 0; i < 100 && (await e.queue.getActiveCount()) < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await e.queue.getActiveCount()).toBe(2);
    const victim = slow[0]!;
    victim.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    const { result, stats } = await running;
    expect(canonical(result)).toEqual(canonical(await table.reference(sql)));
    expect(stats.jobs).toBe(4);
    expect(stats.rowsScanned).toBe(4000);
    // Two workers, four 3-second jobs: the last jobs waited in the queue for at least one job's time.
    expect(stats.queueMs).toBeGreaterThan(2_500);
    // Proof that a job was taken over: one of the query's jobs stalled once and completed.
    const jobs = await Promise.all([0, 1, 2, 3].map((i) => e.queue.getJob(scanJobId('kill1', i))));
    expect(jobs.every((j) => j?.finishedOn !== undefined)).toBe(true);
    expect(jobs.some((j) => (j?.stalledCounter ?? 0) >= 1)).toBe(true);
  }, 60_000);
});

describe('scale to zero: the liveness question beside the enqueue (wip/cluster13)', () => {
  const prefix = `k3t${process.pid}z`;
  const sql = 'SELECT region, count(*) AS n, sum(amount) AS s FROM contracts GROUP BY region';

  /** Records, at each liveness answer, how many jobs the queue had seen by then. */
  class Watched extends ScaleToZeroScanExecutor {
    readonly seenAtAnswer: number[] = [];
    override async liveWorkers(): Promise<number> {
      const live = await super.liveWorkers();
      // Give an enqueue that runs beside this question the time to land (a sequential run has none yet).
      await new Promise((resolve) => setTimeout(resolve, 300));
      const counts = await this.remote.queue.getJobCounts('wait', 'active', 'completed', 'failed');
      this.seenAtAnswer.push(Object.values(counts).reduce((a, b) => a + b, 0));
      return live;
    }
  }

  function scaleToZero(): Watched {
    const local = new InProcessScanExecutor({ handler: createScanJobHandler({ stores: table.stores, db: table.db, cache: table.cache, inlineMaxBytes: 1 << 20 }) });
    return new Watched(executor(prefix, { retentionCount: 1000 }), local, { redisUrl: redis.url, connectTimeoutMs: 1_000 });
  }

  it('once workers were seen, the jobs are queued before the answer; with none left, the jobs are taken back and run here', async () => {
    const [worker] = await spawnWorkers(1, workerEnv(prefix));
    const e = scaleToZero();
    const reference = canonical(await table.reference(sql));
    // First query: nothing known yet, so asked first (no job queued at the answer), then queued.
    expect(canonical((await table.federate(e, sql)).result)).toEqual(reference);
    expect(e.seenAtAnswer).toEqual([0]);
    // Second: workers were there, so its 4 jobs were already in the queue when the answer came.
    expect(canonical((await table.federate(e, sql)).result)).toEqual(reference);
    expect(e.seenAtAnswer[1]).toBeGreaterThan(4);
    expect(e.ranLocally).toBe(0);
    // The worker goes away: the next query is queued, then called off and answered here, exactly.
    await worker!.stop();
    const started = Date.now();
    expect(canonical((await table.federate(e, sql)).result)).toEqual(reference);
    expect(e.ranLocally).toBe(4);
    expect(Date.now() - started).toBeLessThan(10_000);
    // Nothing of it is left waiting for a worker; the query after that asks first again.
    expect(await e.remote.queue.getJobCounts('wait')).toEqual({ wait: 0 });
    expect(canonical((await table.federate(e, sql)).result)).toEqual(reference);
    expect(e.ranLocally).toBe(8);
  }, 60_000);
});

describe('outcomes through the inbox only (a worker in this process, no poll within the test)', () => {
  const prefix = `k3t${process.pid}f`;
  const sql = 'SELECT region, count(*) AS n, sum(amount) AS s FROM contracts GROUP BY region';
  const worker: { close(): Promise<void> }[] = [];
  afterAll(async () => { await Promise.allSettled(worker.map((w) => w.close())); });

  /** A worker whose first `failures` attempts of every job fail with a retryable store error. */
  function flakyWorker(failures: number): Map<string, number> {
    const attempts = new Map<string, number>();
    const real = createScanJobHandler({ stores: table.stores, db: table.db, cache: table.cache, inlineMaxBytes: 1 << 20 });
    const w = createScanWorker({
      redisUrl: redis.url, prefix, connectTimeoutMs: 1_000, concurrency: 2, lockDurationMs: 5_000,
      handler: async (job) => {
        const id = scanJobId(job.queryId, job.jobIndex);
        const n = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, n);
        if (n <= failures) throw new AppError('ERR_STORE_UNAVAILABLE', `attempt ${n} of ${id}: the store did not answer`);
        return real(job);
      },
    });
    worker.push(w);
    return attempts;
  }

  it('a retryable failure is not the end of a job: the retry\'s result answers, and a job failed on its last attempt ends the query at once', async () => {
    // Three attempts per job (K3_JOB_ATTEMPTS), each job's first fails: the query still answers exactly.
    const attempts = flakyWorker(1);
    const e = executor(prefix, { pollIntervalMs: 60_000, attempts: 3, backoffMs: 10 });
    const { result } = await table.federate(e, sql, { queryId: 'flaky1' });
    expect(canonical(result)).toEqual(canonical(await table.reference(sql)));
    expect([...attempts].filter(([id]) => id.startsWith('flaky1')).map(([, n]) => n)).toEqual([2, 2, 2, 2]);
    expect(e.deliveries).toEqual({ inbox: 4, poll: 0 });
    // Every attempt fails: the query ends with the cause after the third attempt, not at its deadline.
    await worker.pop()!.close();
    const always = flakyWorker(Number.POSITIVE_INFINITY);
    const started = Date.now();
    const err = await failure(table.federate(executor(prefix, { pollIntervalMs: 60_000, attempts: 3, backoffMs: 10 }), sql, { queryId: 'flaky2', deadline: Date.now() + 30_000 }));
    expect(err.code).toBe('ERR_WORKER_FAILED');
    expect((err.details?.['cause'] as { code: string }).code).toBe('ERR_STORE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(Math.max(...[...always].filter(([id]) => id.startsWith('flaky2')).map(([, n]) => n))).toBe(3);
  }, 60_000);
});

describe('workers over the S3 protocol (s3rver over HTTP)', () => {
  const prefix = `k3t${process.pid}s`;
  let s3: S3TestServer;

  beforeAll(async () => {
    s3 = await startS3Server({ conditionalWrites: 'ignore' });
    await s3.createBucket(BUCKET);
    const bucket = createBucketStoreFactory({ K3_STORE: 's3', K3_DATA_DIR: '', K3_S3_ENDPOINT: s3.endpoint, K3_S3_REGION: 'us-east-1', K3_S3_FORCE_PATH_STYLE: true }, { s3Client: s3.client }).open(BUCKET);
    const local = table.stores.open(BUCKET);
    for (const f of table.snapshot.files) await bucket.put(f.key, (await local.get(f.key))!);
    await spawnWorkers(2, workerEnv(prefix, {
      K3_STORE: 's3', K3_DATA_DIR: '/nonexistent', K3_S3_ENDPOINT: s3.endpoint, K3_S3_FORCE_PATH_STYLE: 'true', K3_S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey, K3_JOB_RESULT_INLINE_MAX_BYTES: '2KiB',
    }));
  }, 120_000);
  afterAll(async () => s3?.stop());

  it('fetch Parquet through the S3 API into their caches, spill large results to S3, and the coordinator deletes them', async () => {
    const stores = createBucketStoreFactory({ K3_STORE: 's3', K3_DATA_DIR: '', K3_S3_ENDPOINT: s3.endpoint, K3_S3_REGION: 'us-east-1', K3_S3_FORCE_PATH_STYLE: true }, { s3Client: s3.client });
    for (const [sql, spilled] of [[QUERIES[0]!, 0], ['SELECT id, amount, name FROM contracts WHERE qty < 5', 4]] as const) {
      const { result, stats } = await table.federate(executor(prefix), sql, { stores });
      expect(canonical(result)).toEqual(canonical(await table.reference(sql)));
      expect(stats).toMatchObject({ jobs: 4, filesScanned: 8, rowsScanned: 4000, spilled });
    }
    expect((await stores.open(BUCKET).list(JOB_RESULTS_PREFIX)).objects).toEqual([]);
  });
});

describe('queue depth (what KEDA scales workers on)', () => {
  it('waiting scan jobs are the entries of the list <prefix>:scan-v1:wait, and a timed-out query leaves none', async () => {
    const prefix = `k3t${process.pid}e`;
    const e = executor(prefix);
    const client = new Redis(redis.url);
    try {
      // No worker consumes this prefix: all four jobs wait until the deadline.
      const pending = failure(table.federate(e, 'SELECT region, count(*) FROM contracts GROUP BY region', { deadline: Date.now() + 1_500 }));
      let depth = 0;
      for (let i = 0; i < 50 && depth < 4; i++) {
        await new Promise((r) => setTimeout(r, 50));
        depth = await client.llen(`${prefix}:scan-v1:wait`);
      }
      expect(depth).toBe(4);
      expect((await pending).code).toBe('ERR_QUERY_TIMEOUT');
      expect(await client.llen(`${prefix}:scan-v1:wait`)).toBe(0);
    } finally {
      client.disconnect();
    }
  });
});

describe('Redis unreachable', () => {
  it('→ ERR_QUEUE_UNAVAILABLE within about the connect timeout, for a connected and a fresh executor', async () => {
    const prefix = `k3t${process.pid}c`;
    const connected = executor(prefix);
    await connected.queue.waitUntilReady();
    await redis.stop();
    for (const e of [connected, executor(`${prefix}d`)]) {
      const started = Date.now();
      const err = await failure(table.federate(e, 'SELECT region, count(*) FROM contracts GROUP BY region'));
      expect(err.code).toBe('ERR_QUEUE_UNAVAILABLE');
      expect(err.status).toBe(503);
      expect(err.message).toContain(`127.0.0.1:${redis.port}`);
      expect(Date.now() - started).toBeLessThan(4_000);
    }
  });
});

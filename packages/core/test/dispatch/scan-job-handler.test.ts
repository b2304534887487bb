import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScanExecutor, createScanJobHandler, InProcessScanExecutor, runFederatedPlan, readScanResult, sweepJobResults, toScanJobs, type ScanJobHandler } from '../../src/dispatch/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { AppError } from '../../src/errors/index.ts';
import { JOB_RESULTS_PREFIX, type ScanJobV1 } from '../../src/jobs/index.ts';
import { PARTITION_VIEW, planFederated } from '../../src/plan/index.ts';
import { BUCKET, canonical, createScanTable, REGIONS, SCHEMA, TABLE_ROOT, type ScanTable } from './support/scan-table.ts';

let table: ScanTable;
let handler: ScanJobHandler;

beforeAll(async () => {
  table = await createScanTable();
  handler = createScanJobHandler({ stores: table.stores, db: table.db, cache: table.cache, inlineMaxBytes: 1024 * 1024 });
});
afterAll(async () => table.close());

function jobFor(region: string, partialSql: string, over: Partial<ScanJobV1> = {}): ScanJobV1 {
  const files = table.snapshot.files.filter((f) => f.partitionValues['region'] === region);
  return {
    v: 1, queryId: `h${Date.now()}`, jobIndex: REGIONS.indexOf(region as never), bucket: BUCKET, tableRoot: TABLE_ROOT,
    files: files.map((f) => ({ key: f.key, size: f.add.size, partitionValues: { ...f.add.partitionValues } })),
    schema: SCHEMA, partitionColumns: ['region'], viewName: PARTITION_VIEW, partialSql, deadline: Date.now() + 30_000, ...over,
  };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof AppError ? e.code : `not an AppError: ${String(e)}`;
  }
}

describe('scan-job handler over real Parquet', () => {
  it('binds only the job files as the view (partition column as a constant) and returns exact partials', async () => {
    const sql = `SELECT region, count(*) AS n, sum(amount) AS s, min(id) AS lo, max(day) AS d FROM ${PARTITION_VIEW} GROUP BY region`;
    const result = await handler(jobFor('US', sql));
    expect(result).toMatchObject({ v: 1, jobIndex: 1, rows: 1, filesScanned: 2, rowsScanned: 1000 });
    expect(result.bytesScanned).toBe(table.snapshot.files.filter((f) => f.partitionValues['region'] === 'US').reduce((n, f) => n + f.add.size, 0));
    expect(result.ipc).toBeDefined();
    const partial = await readScanResult(result, table.stores, BUCKET);
    const expected = await table.reference(`SELECT region, count(*) AS n, sum(amount) AS s, min(id) AS lo, max(day) AS d FROM contracts WHERE region = 'US' GROUP BY region`);
    expect(canonical(partial)).toEqual(canonical(expected));
    expect(partial.columns.map((c) => c.type)).toEqual(['VARCHAR', 'BIGINT', 'DECIMAL(38,2)', 'BIGINT', 'DATE']);
  });

  it('reports exact rowsScanned when the files row counts are already known (wip/agg: footers read once per process)', async () => {
    const sql = `SELECT count(*) AS n FROM ${PARTITION_VIEW}`;
    const first = await handler(jobFor('EU', sql));
    const again = await handler(jobFor('EU', sql));
    const expected = await table.reference(`SELECT count(*) AS n FROM contracts WHERE region = 'EU'`);
    expect(again.rowsScanned).toBe(first.rowsScanned);
    expect(String(first.rowsScanned)).toBe(String(expected.rows[0]![0]));
  });

  it('spills results above the inline limit to _k3/results/<queryId>/<jobIndex>.arrow', async () => {
    const small = createScanJobHandler({ stores: table.stores, db: table.db, cache: table.cache, inlineMaxBytes: 100 });
    const job = jobFor('EU', `SELECT id, amount, name FROM ${PARTITION_VIEW}`, { queryId: 'spill1' });
    const result = await small(job);
    expect(result.ipc).toBeUndefined();
    expect(result.resultKey).toBe('_k3/results/spill1/0.arrow');
    expect(result.rows).toBe(1000);
    const partial = await readScanResult(result, table.stores, BUCKET);
    expect(canonical(partial)).toEqual(canonical(await table.reference(`SELECT id, amount, name FROM contracts WHERE region = 'EU'`)));
    // The sweeper leaves fresh results alone and removes stale ones.
    const store = table.stores.open(BUCKET);
    expect(await sweepJobResults(store, 60_000)).toEqual([]);
    expect(await sweepJobResults(store, 60_000, Date.now() + 120_000)).toEqual(['_k3/results/spill1/0.arrow']);
    expect((await store.list(JOB_RESULTS_PREFIX)).objects).toEqual([]);
  });

  it('an empty file list binds an empty view with the table columns', async () => {
    const result = await handler({ ...jobFor('EU', `SELECT count(*) AS n, sum(amount) AS s FROM ${PARTITION_VIEW}`), files: [] });
    const partial = await readScanResult(result, table.stores, BUCKET);
    expect(partial.rows).toEqual([[0n, null]]);
    expect(result.rowsScanned).toBe(0);
  });

  it('fails with precise codes: past deadline, bad SQL, missing file, cancelled', async () => {
    expect(await codeOf(handler(jobFor('EU', `SELECT 1 FROM ${PARTITION_VIEW}`, { deadline: Date.now() - 1 })))).toBe('ERR_QUERY_TIMEOUT');
    expect(await codeOf(handler(jobFor('EU', `SELECT nope FROM ${PARTITION_VIEW}`)))).toBe('ERR_SQL_BIND');
    const missing = jobFor('EU', `SELECT count(*) FROM ${PARTITION_VIEW}`);
    expect(await codeOf(handler({ ...missing, files: [{ key: `${TABLE_ROOT}region=EU/gone.parquet`, size: 10, partitionValues: { region: 'EU' } }] }))).toBe('ERR_DELTA_DATA_FILE_MISSING');
    const aborted = AbortSignal.abort();
    expect(await codeOf(handler(jobFor('EU', `SELECT 1`), { signal: aborted }))).toBe('ERR_QUERY_CANCELLED');
  });

  it('a slow query is interrupted at the job deadline (ERR_QUERY_TIMEOUT, not a short result)', async () => {
    const slow = `SELECT count(*) FROM ${PARTITION_VIEW} a, range(200000000) r WHERE a.id + r.range = -1`;
    const started = Date.now();
    expect(await codeOf(handler(jobFor('EU', slow, { deadline: Date.now() + 300 })))).toBe('ERR_QUERY_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('InProcessScanExecutor', () => {
  const queries = [
    'SELECT region, count(*) AS n, sum(amount) AS s, min(qty) AS lo, max(qty) AS hi FROM contracts GROUP BY region',
    'SELECT name, count(*) AS n, sum(qty) AS q, round(avg(amount), 6) AS a FROM contracts WHERE day >= DATE \'2024-01-10\' GROUP BY name HAVING count(*) > 10',
    'SELECT count(*) AS n, sum(id) AS s, count(amount) AS c FROM contracts',
    'SELECT id, amount FROM contracts WHERE qty = 7 ORDER BY id DESC LIMIT 5',
  ];

  it.each(queries)('federated result equals single-node DuckDB: %s', async (sql) => {
    const executor = new InProcessScanExecutor({ handler, concurrency: 2 });
    const { result, stats } = await table.federate(executor, sql);
    expect(canonical(result)).toEqual(canonical(await table.reference(sql)));
    expect(stats.jobs).toBe(4);
    expect(stats.filesScanned).toBe(8);
    expect(stats.rowsScanned).toBe(4000);
  });

  it('deadline → ERR_QUERY_TIMEOUT, cancel → ERR_QUERY_CANCELLED, a failing job fails the run with its cause', async () => {
    const slowHandler = createScanJobHandler({ stores: table.stores, db: table.db, cache: table.cache, inlineMaxBytes: 1 << 20, testDelayMs: 2_000 });
    const slow = new InProcessScanExecutor({ handler: slowHandler, concurrency: 2 });
    const sql = 'SELECT region, count(*) FROM contracts GROUP BY region';
    expect(await codeOf(table.federate(slow, sql, { deadline: Date.now() + 200 }))).toBe('ERR_QUERY_TIMEOUT');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    expect(await codeOf(table.federate(slow, sql, { signal: controller.signal }))).toBe('ERR_QUERY_CANCELLED');
    const executor = new InProcessScanExecutor({ handler, concurrency: 2 });
    const jobs = toScanJobs({ jobs: [{ partitionValues: {}, files: [], partialSql: `SELECT nope FROM ${PARTITION_VIEW}` }], relations: { partition: PARTITION_VIEW, merged: 'm', rows: 'r' } },
      { queryId: 'fail1', bucket: BUCKET, tableRoot: TABLE_ROOT, schema: SCHEMA, partitionColumns: ['region'], deadline: Date.now() + 10_000 });
    expect(await codeOf(executor.run(jobs, { deadline: Date.now() + 10_000 }))).toBe('ERR_SQL_BIND');
  });
});

describe('createScanExecutor', () => {
  it('embedded without K3_REDIS_URL (and equal to single-node DuckDB); BullMQ with it, failing fast when Redis does not answer', async () => {
    const local = createScanExecutor(loadConfig({}), { stores: table.stores, db: table.db, cache: table.cache });
    expect(local.kind).toBe('in-process');
    const sql = 'SELECT region, max(amount) AS m FROM contracts GROUP BY region';
    expect(canonical((await table.federate(local, sql)).result)).toEqual(canonical(await table.reference(sql)));
    // Port 1 on loopback: nothing listens there, so the connection is refused.
    const remote = createScanExecutor(loadConfig({ K3_REDIS_URL: 'redis://127.0.0.1:1', K3_REDIS_CONNECT_TIMEOUT: '500ms' }), { stores: table.stores, db: table.db, cache: table.cache });
    try {
      expect(remote.kind).toBe('bullmq');
      const started = Date.now();
      expect(await codeOf(table.federate(remote, sql))).toBe('ERR_QUEUE_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await remote.close();
    }
  });
});

describe('runFederatedPlan', () => {
  it('refuses a plan that does not fan out', async () => {
    const conn = await table.db.connect();
    try {
      const plan = await planFederated(table.snapshot, 'SELECT count(*) FROM contracts', conn, { minPartitions: 100, minBytes: 0 });
      expect(plan.strategy).toBe('QUERY_STRATEGY_FEDERATED_TO_SINGLE');
      const executor = new InProcessScanExecutor({ handler });
      expect(await codeOf(runFederatedPlan(conn, plan, {
        executor, stores: table.stores, queryId: 'single1', bucket: BUCKET, tableRoot: TABLE_ROOT, schema: SCHEMA, partitionColumns: ['region'], deadline: Date.now() + 10_000,
      }))).toBe('ERR_INTERNAL');
    } finally {
      conn.closeSync();
    }
  });
});

/**
 * `k3 cluster up` over the S3 protocol: with K3_S3_ENDPOINT set, the coordinator, the workers and
 * the compactor all use one S3 bucket (a real S3 API over HTTP: s3rver). SQL through the
 * coordinator writes a Delta table into the bucket; the cluster's workers scan Parquet fetched
 * over S3 and spill large results there (deleted after merging).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BullMQScanExecutor } from '../../packages/core/src/dispatch/index.ts';
import { JOB_RESULTS_PREFIX } from '../../packages/core/src/jobs/index.ts';
import { createBucketStoreFactory, type BucketStores } from '../../packages/core/src/object-store/store-factory.ts';
import { BUCKET, canonical, createScanTable, type ScanTable } from '../../packages/core/test/dispatch/support/scan-table.ts';
import { S3_TEST_CREDENTIALS, startS3Server, type S3TestServer } from '../../packages/core/test/support/s3-server.ts';
import { alive, clusterUp, gone, type Running } from './support/cluster-process.ts';

let table: ScanTable;
let s3: S3TestServer;
let stores: BucketStores;
let cluster: Running | undefined;

beforeAll(async () => {
  table = await createScanTable({ rowsPerFile: 300, filesPerRegion: 1 });
  s3 = await startS3Server({ conditionalWrites: 'honest' });
  await s3.createBucket(BUCKET);
  stores = createBucketStoreFactory({ K3_STORE: 's3', K3_DATA_DIR: '', K3_S3_ENDPOINT: s3.endpoint, K3_S3_REGION: 'us-east-1', K3_S3_FORCE_PATH_STYLE: true }, { s3Client: s3.client });
  const local = table.stores.open(BUCKET);
  for (const f of table.snapshot.files) await stores.open(BUCKET).put(f.key, (await local.get(f.key))!);
}, 60_000);

afterAll(async () => {
  if (cluster !== undefined) for (const pid of [cluster.child.pid!, ...cluster.pids]) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await s3?.stop();
  await table?.close();
});

async function execute(sql: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${cluster!.url}/${BUCKET}/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${cluster!.token}` }, body: JSON.stringify({ sql }) });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

describe('k3 cluster up over S3 (s3rver over HTTP)', () => {
  it('starts every role on the S3 store', async () => {
    cluster = await clusterUp({
      K3_S3_ENDPOINT: s3.endpoint, K3_S3_FORCE_PATH_STYLE: 'true', K3_S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      K3_JOB_RESULT_INLINE_MAX_BYTES: '1KiB',
    }, 2);
    expect(cluster.out()).toContain('store s3');
    expect(cluster.pids.every(alive)).toBe(true);
  }, 150_000);

  it('SQL through the coordinator writes a Delta table into the S3 bucket and reads it back', async () => {
    await execute('CREATE TABLE e2e_orders (id BIGINT, region VARCHAR, amount DOUBLE) PARTITIONED BY (region)');
    await execute("INSERT INTO e2e_orders VALUES (1, 'EU', 10.50), (2, 'US', 7.25), (3, 'EU', 1.00)");
    const body = await execute('SELECT region, count(*) AS n, sum(amount) AS total FROM e2e_orders GROUP BY region ORDER BY region');
    const query = body['query'] as { rows: unknown[][] };
    expect(query.rows).toEqual([['EU', '2', 11.5], ['US', '1', 7.25]]);
    const log = await stores.open(BUCKET).list('tables/e2e_orders/_delta_log/');
    expect(log.objects.map((o) => o.key)).toContain('tables/e2e_orders/_delta_log/00000000000000000000.json');
  }, 60_000);

  it("the cluster's workers scan Parquet over S3, spill results to S3, and the coordinator deletes them", async () => {
    const executor = new BullMQScanExecutor({
      redisUrl: cluster!.redisUrl, prefix: `k3c${process.pid}`, connectTimeoutMs: 2_000, attempts: 2, backoffMs: 100, retentionMs: 60_000, retentionCount: 50,
    });
    try {
      const sql = 'SELECT id, amount, name FROM contracts WHERE qty < 10';
      const { result, stats } = await table.federate(executor, sql, { stores });
      expect(canonical(result)).toEqual(canonical(await table.reference(sql)));
      expect(stats).toMatchObject({ jobs: 4, filesScanned: 4, rowsScanned: 1200, spilled: 4 });
      expect((await stores.open(BUCKET).list(JOB_RESULTS_PREFIX)).objects).toEqual([]);
    } finally {
      await executor.close();
    }
  }, 60_000);

  it('SIGTERM stops every child', async () => {
    const c = cluster!;
    c.child.kill('SIGTERM');
    expect(await c.exited).toEqual({ code: 0, signal: null });
    expect(await gone(c.pids, 5_000)).toEqual([]);
  }, 60_000);
});

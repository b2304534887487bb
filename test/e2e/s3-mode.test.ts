/**
 * End-to-end in S3 mode: the server process on a real S3 API over HTTP (s3rver from the core test
 * support, with the "honest" conditional-write proxy), and the start-up refusal on a store that
 * ignores If-None-Match (plain s3rver), where Delta commits would not be safe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3_TEST_CREDENTIALS, startS3Server, type S3TestServer } from '../../packages/core/test/support/s3-server.ts';
import { k3fetch, execute, startServer, type StartedServer } from '../support/server.ts';

const BUCKET = 'k3-e2e-s3';

function s3Env(s3: S3TestServer): Record<string, string> {
  return {
    K3_STORE: 's3',
    K3_S3_ENDPOINT: s3.endpoint,
    K3_S3_REGION: 'us-east-1',
    K3_S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
  };
}

describe('S3 mode over an S3 API that honours conditional creates', () => {
  let s3: S3TestServer;
  let server: StartedServer;
  beforeAll(async () => {
    s3 = await startS3Server({ conditionalWrites: 'honest' });
    await s3.createBucket(BUCKET);
    server = await startServer(s3Env(s3));
  });
  afterAll(async () => {
    await server?.stop();
    await s3?.stop();
  });

  async function ok(sql: string) {
    const res = await execute(server.url, BUCKET, sql);
    expect(res.status, `${sql}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body;
  }

  it('creates, writes and reads a partitioned table stored in the S3 bucket', async () => {
    await ok('CREATE TABLE contracts (id BIGINT PRIMARY KEY, region VARCHAR NOT NULL, amount DOUBLE, meta JSON) PARTITIONED BY (region)');
    await ok(`INSERT INTO contracts VALUES (1, 'UK', 10.5, '{"a":1}'), (2, 'EU', 20.25, NULL), (3, 'UK', 1.25, '[1,2]'), (4, 'US', 7, NULL)`);
    await ok("UPDATE contracts SET amount = amount * 2 WHERE region = 'UK'");
    await ok('DELETE FROM contracts WHERE id = 4');
    const body = await ok('SELECT region, count(*) AS n, sum(amount) AS total FROM contracts GROUP BY region ORDER BY region');
    expect(body.query!.rows).toEqual([
      ['EU', '1', 20.25],
      ['UK', '2', 23.5],
    ]);
    expect(body.query!.version).toBe('3');
    const described = (await (await k3fetch(`${server.url}/${BUCKET}/tables/contracts`)).json()) as { deltaVersion: string; rowCount: string };
    expect(described).toMatchObject({ deltaVersion: '3', rowCount: '3' });
  });

  it('refuses a duplicate key and keeps the table unchanged', async () => {
    const res = await execute(server.url, BUCKET, "INSERT INTO contracts VALUES (1, 'EU', 0, NULL)");
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ERR_CONSTRAINT_PRIMARY_KEY');
    expect((await ok('SELECT count(*) FROM contracts')).query!.rows).toEqual([['3']]);
  });
});

describe('S3 mode over a store that ignores If-None-Match', () => {
  it('refuses to start with ERR_STORE_NO_CONDITIONAL_PUT', async () => {
    const s3 = await startS3Server({ conditionalWrites: 'ignore' });
    try {
      await s3.createBucket(BUCKET);
      const started = await startServer(s3Env(s3)).then(
        async (s) => {
          await s.stop();
          return undefined;
        },
        (e: unknown) => String(e),
      );
      expect(started).toBeDefined();
      expect(started).toContain('ERR_STORE_NO_CONDITIONAL_PUT');
    } finally {
      await s3.stop();
    }
  });
});

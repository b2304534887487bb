import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { S3ObjectStore } from '../../src/object-store/s3-object-store.ts';
import { createS3Client } from '../../src/object-store/create-s3-client.ts';
import { startS3Server, type S3TestServer } from '../support/s3-server.ts';
import { runObjectStoreContract } from './contract.ts';

let server: S3TestServer;
let n = 0;

beforeAll(async () => {
  server = await startS3Server({ conditionalWrites: 'honest' });
});

afterAll(async () => {
  await server.stop();
});

async function freshBucket(): Promise<string> {
  const bucket = `contract-${process.pid}-${n++}`;
  await server.createBucket(bucket);
  return bucket;
}

runObjectStoreContract('S3 over HTTP (honest conditional writes)', async () => new S3ObjectStore({ bucket: await freshBucket(), client: server.client }), {
  pagingPastThousand: true,
});

runObjectStoreContract('S3 over HTTP, under a key prefix', async () => new S3ObjectStore({ bucket: await freshBucket(), prefix: 'deployments/k3', client: server.client }));

describe('S3ObjectStore specifics', () => {
  it('keeps keys under its prefix and strips it from listings', async () => {
    const bucket = await freshBucket();
    const scoped = new S3ObjectStore({ bucket, prefix: 'p/', client: server.client });
    const whole = new S3ObjectStore({ bucket, client: server.client });
    expect(scoped.url).toBe(`s3://${bucket}/p/`);
    await scoped.put('a/b', new Uint8Array([1]));
    await whole.put('outside', new Uint8Array([2]));
    expect((await whole.list('')).objects.map((o) => o.key)).toEqual(['outside', 'p/a/b']);
    expect((await scoped.list('')).objects.map((o) => o.key)).toEqual(['a/b']);
    expect((await scoped.list('', { delimiter: '/' })).prefixes).toEqual(['a/']);
  });

  it('reports a missing bucket as ERR_BUCKET_NOT_FOUND', async () => {
    const store = new S3ObjectStore({ bucket: 'no-such-bucket-here', client: server.client });
    const err = await store.put('k', new Uint8Array([1])).then(() => undefined, (e: unknown) => e);
    expect(isAppError(err, 'ERR_BUCKET_NOT_FOUND')).toBe(true);
  });

  it('reports unknown credentials (InvalidAccessKeyId) as ERR_STORE_ACCESS_DENIED', async () => {
    const bucket = await freshBucket();
    const client = createS3Client({ endpoint: server.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'NOT-A-KNOWN-KEY', secretAccessKey: 'wrong' } });
    try {
      const err = await new S3ObjectStore({ bucket, client }).put('k', new Uint8Array([1])).then(() => undefined, (e: unknown) => e);
      expect(isAppError(err, 'ERR_STORE_ACCESS_DENIED'), String(err)).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('reports an unreachable endpoint as retryable ERR_STORE_UNAVAILABLE', async () => {
    const client = createS3Client({ endpoint: 'http://127.0.0.1:1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    try {
      const err = await new S3ObjectStore({ bucket: 'any-bucket', client }).get('k').then(() => undefined, (e: unknown) => e);
      expect(isAppError(err, 'ERR_STORE_UNAVAILABLE')).toBe(true);
      expect(isAppError(err) && err.retryable).toBe(true);
    } finally {
      client.destroy();
    }
  });
});

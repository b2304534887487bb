import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createS3Client } from '../../src/object-store/create-s3-client.ts';
import { isS3ConditionFailed, isS3NotFound, mapS3Error } from '../../src/object-store/map-s3-error.ts';

const s3Error = (name: string, status?: number): Error =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });
const ctx = { op: 'get', url: 's3://b/', key: 'k' };

describe('mapS3Error', () => {
  it('maps credential and permission failures to ERR_STORE_ACCESS_DENIED', () => {
    for (const [name, status] of [['AccessDenied', 403], ['InvalidAccessKeyId', 403], ['SignatureDoesNotMatch', 403], ['ExpiredToken', 400], ['Whatever', 401]] as const) {
      const err = mapS3Error(s3Error(name, status), ctx);
      expect(err.code, name).toBe('ERR_STORE_ACCESS_DENIED');
      expect(err.retryable).toBe(false);
    }
  });

  it('maps 5xx, throttling and network failures to retryable ERR_STORE_UNAVAILABLE', () => {
    const cases = [
      s3Error('InternalError', 500),
      s3Error('ServiceUnavailable', 503),
      s3Error('SlowDown', 503),
      s3Error('TooManyRequests', 429),
      s3Error('RequestTimeout', 400),
      s3Error('Unknown', 502),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} }),
      s3Error('TimeoutError'),
    ];
    for (const raw of cases) {
      const err = mapS3Error(raw, ctx);
      expect(err.code, raw.message).toBe('ERR_STORE_UNAVAILABLE');
      expect(err.retryable).toBe(true);
      expect(err.cause).toBe(raw);
      expect(err.message).toContain('s3://b/');
    }
  });

  it('maps a missing bucket and other 4xx to non-retryable codes', () => {
    expect(mapS3Error(s3Error('NoSuchBucket', 404), ctx).code).toBe('ERR_BUCKET_NOT_FOUND');
    const rejected = mapS3Error(s3Error('InvalidArgument', 400), ctx);
    expect(rejected.code).toBe('ERR_STORE_REJECTED');
    expect(rejected.retryable).toBe(false);
    expect(rejected.details).toMatchObject({ op: 'get', key: 'k', s3Code: 'InvalidArgument', httpStatus: 400 });
  });

  it('recognises not-found and lost conditional creates', () => {
    expect(isS3NotFound(s3Error('NoSuchKey', 404))).toBe(true);
    expect(isS3NotFound(s3Error('NotFound', 404))).toBe(true);
    expect(isS3NotFound(s3Error('NoSuchBucket', 404))).toBe(false);
    expect(isS3NotFound(s3Error('AccessDenied', 403))).toBe(false);
    expect(isS3ConditionFailed(s3Error('PreconditionFailed', 412))).toBe(true);
    expect(isS3ConditionFailed(s3Error('ConditionalRequestConflict', 409))).toBe(true);
    expect(isS3ConditionFailed(s3Error('BucketNotEmpty', 409))).toBe(false);
  });
});

describe('createS3Client', () => {
  it('builds a client from K3_S3_* configuration with SDK retries off', async () => {
    const client = createS3Client(loadConfig({ K3_S3_ENDPOINT: 'http://127.0.0.1:9000', K3_S3_REGION: 'eu-west-1', K3_S3_FORCE_PATH_STYLE: 'true' }));
    try {
      expect(await client.config.region()).toBe('eu-west-1');
      expect(client.config.forcePathStyle).toBe(true);
      expect(await client.config.maxAttempts()).toBe(1);
      const endpoint = await client.config.endpoint?.();
      expect(endpoint?.hostname).toBe('127.0.0.1');
      expect(endpoint?.port).toBe(9000);
    } finally {
      client.destroy();
    }
  });
});

/**
 * Builds the S3 client every S3ObjectStore uses, from the K3_S3_* configuration.
 *
 * Decisions: the SDK's own retries are off (maxAttempts 1) because RetryingObjectStore retries with
 * its own budget and knows which operations are safe to repeat; flexible checksums are computed
 * only when an operation requires them, because several S3-compatible servers reject the
 * aws-chunked trailer encoding the SDK otherwise uses. Credentials come from the default AWS chain
 * (env, profile, IMDS, ...) unless given explicitly.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { Config } from '../config/index.ts';

export interface S3ClientOptions {
  readonly endpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
  readonly credentials?: S3ClientConfig['credentials'];
}

type S3Config = Pick<Config, 'K3_S3_ENDPOINT' | 'K3_S3_REGION' | 'K3_S3_FORCE_PATH_STYLE'>;

/** Accepts the process Config (K3_S3_* keys) or explicit options (tests, other endpoints). */
export function createS3Client(input: S3Config | S3ClientOptions = {}): S3Client {
  const options = 'K3_S3_REGION' in input ? s3ClientOptionsFromConfig(input) : input;
  const config: S3ClientConfig = {
    region: options.region ?? 'us-east-1',
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (options.endpoint !== undefined && options.endpoint !== '') config.endpoint = options.endpoint;
  if (options.credentials !== undefined) config.credentials = options.credentials;
  return new S3Client(config);
}

export function s3ClientOptionsFromConfig(config: S3Config): S3ClientOptions {
  return { endpoint: config.K3_S3_ENDPOINT, region: config.K3_S3_REGION, forcePathStyle: config.K3_S3_FORCE_PATH_STYLE };
}

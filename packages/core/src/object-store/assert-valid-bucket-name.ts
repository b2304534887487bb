/**
 * Bucket names follow the S3 rules in every mode, so that an embedded (local-directory) deployment
 * can move to S3 unchanged: 3–63 characters of lowercase letters, digits, dots and hyphens,
 * starting and ending with a letter or digit, no `..`, not shaped like an IPv4 address. These
 * rules also make a bucket name a safe single directory name.
 */
import { AppError } from '../errors/index.ts';

const SHAPE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function isValidBucketName(name: string): boolean {
  return SHAPE.test(name) && !name.includes('..') && !name.includes('.-') && !name.includes('-.') && !IPV4.test(name);
}

export function assertValidBucketName(name: string): void {
  if (!isValidBucketName(name)) {
    throw new AppError(
      'ERR_INVALID_NAME',
      `Bucket name ${JSON.stringify(name)} is not valid: use 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit.`,
      { bucket: name },
    );
  }
}

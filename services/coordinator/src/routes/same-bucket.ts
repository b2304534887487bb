/** A request body may repeat the bucket (pbjson shape of the RPC); it must then equal the path's. */
import { AppError } from '@k3/core';

export function assertSameBucket(pathBucket: string, bodyBucket: string | undefined): void {
  if (bodyBucket !== undefined && bodyBucket !== '' && bodyBucket !== pathBucket) {
    throw new AppError('ERR_BAD_REQUEST', `The body names bucket "${bodyBucket}" but the path names "${pathBucket}"; send one bucket or make them equal.`, {
      field: 'body.bucket',
    });
  }
}

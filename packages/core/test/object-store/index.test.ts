import { describe, expect, it } from 'vitest';
import * as api from '@k3/core/object-store';

describe('@k3/core/object-store', () => {
  it('exports the names other modules depend on', () => {
    const expected = [
      'MemoryObjectStore', 'LocalObjectStore', 'S3ObjectStore', 'createS3Client', 'RetryingObjectStore', 'InstrumentedObjectStore',
      'probeConditionalPut', 'assertConditionalPut', 'createBucketStoreFactory', 'tableRoot', 'deltaLogPrefix', 'commitKey',
      'checkpointKey', 'multiPartCheckpointKey', 'lastCheckpointKey', 'walPrefix', 'parseLogFileName', 'joinKey',
    ];
    for (const name of expected) expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
  });
});

/**
 * Public surface of the object-store layer (design note: docs/design/object-store.md): the port,
 * key layout (paths), adapters (memory, local directory, S3), decorators (retry, metrics, seeded faults), the
 * conditional-put probe and the per-bucket store factory.
 */
export type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from './object-store.ts';
export {
  checkpointKey,
  commitKey,
  deltaLogPrefix,
  joinKey,
  lastCheckpointKey,
  LOG_FILE_KINDS,
  multiPartCheckpointKey,
  parseLogFileName,
  tableRoot,
  walPrefix,
  ENGINE_STATE_PREFIX,
  engineStateKey,
  type LogFileKind,
  type LogFileName,
} from './paths.ts';
export { assertValidKey } from './assert-valid-key.ts';
export { putIfAbsentResolved } from './put-if-absent-resolved.ts';
export { putLocalFile } from './put-local-file.ts';
export { compareKeys } from './list-keys.ts';
export { MemoryObjectStore } from './memory-object-store.ts';
export { LocalObjectStore } from './local-object-store.ts';
export { localPathOf } from './local-path.ts';
export { createS3Client, s3ClientOptionsFromConfig, type S3ClientOptions } from './create-s3-client.ts';
export { isS3ConditionFailed, isS3NotFound, mapS3Error, type S3ErrorContext } from './map-s3-error.ts';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store.ts';
export { InstrumentedObjectStore, objectStoreMetrics, type ObjectStoreMetrics } from './instrumented-object-store.ts';
export { RetryingObjectStore, RetryPolicy, type RetryOptions } from './retrying-object-store.ts';
export { FaultyObjectStore, STORE_OPS, WRITE_OPS, type FaultEvent, type FaultKind, type FaultRule, type FaultyStoreOptions, type StoreOp } from './faulty-object-store.ts';
export { assertConditionalPut, probeConditionalPut, PROBE_PREFIX, type ConditionalPutSupport } from './probe.ts';
export { assertValidBucketName, isValidBucketName } from './assert-valid-bucket-name.ts';
export { createBucketStoreFactory, type BucketStoreDeps, type BucketStores } from './store-factory.ts';

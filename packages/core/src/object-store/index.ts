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
  type LogFileKind,
  type LogFileName,
} from './paths.ts';
export { assertValidKey } from './assert-valid-key.ts';
export { compareKeys } from './list-keys.ts';
export { MemoryObjectStore } from './memory-object-store.ts';
export { LocalObjectStore } from './local-object-store.ts';

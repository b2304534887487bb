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

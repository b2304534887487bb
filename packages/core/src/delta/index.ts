export * from './actions.ts';
export * from './schema.ts';
// ── reader ──────────────────────────────────────────────────────────────────────────
export { advanceSnapshot, loadBasedSnapshot, loadSnapshot, latestVersion, type ActiveFile, type BasedSnapshot, type Snapshot, type SnapshotAt, type FileStats } from './snapshot.ts';
export { readHistory, type HistoryEntry, type HistoryOptions, type HistoryPage } from './history.ts';
export { resolveVersionAtTimestamp } from './timestamp-resolver.ts';
export { assertReadable, assertWritable, READABLE_FEATURES } from './features.ts';
export { parseStats, toFileStats } from './stats.ts';
export { decodeLogPath, resolveDataFileKey, parsePartitionValue, parsePartitionValues, parseTimestampMicros, type PartitionValue } from './partition-values.ts';
export { getLogSegment, listLogFiles, buildLogSegment, type LogFile, type LogSegment, type CheckpointRef } from './log-segment.ts';
export { readLastCheckpoint, parseLastCheckpoint, type LastCheckpointHint } from './last-checkpoint.ts';
export { readCheckpoint, decodeCheckpointPart, type CheckpointActions } from './checkpoint-reader.ts';
export { parseCommit, readCommits, commitTimestamp, type CommitActions } from './commit-reader.ts';
export { applyActions, createReplayState, reconciliationKey, type ReplayInput, type ReplayState } from './replay.ts';
// ── writer ──────────────────────────────────────────────────────────────────────────
export { Transaction, DEFAULT_ENGINE_INFO, SYSTEM_USER, type TransactionOptions, type CommitRequest, type CommitResult, type ChangeDataRequest, type ChangeDataStager } from './transaction.ts';
export { createTableMetadata, K3_TABLE_PROTOCOL, CDF_TABLE_PROTOCOL, CHANGE_DATA_FEED_PROPERTY, isChangeDataFeedEnabled, protocolFor, type NewTableMetadata } from './table-metadata.ts';
export { checkConstraintsOf, constraintConfiguration, CONSTRAINT_PREFIX, protocolForNewTable, type CheckConstraint } from './check-constraints.ts';
export { serializeActions, tryWriteCommit, readCommitActions, parseCommitActions } from './commit.ts';
export { buildCommitInfo, encodeOperationMetrics, encodeOperationParameters, DELTA_OPERATIONS, ISOLATION_LEVELS, type DeltaOperation, type IsolationLevel } from './commit-info.ts';
export { checkForConflicts, normalizeLogPath, type PartitionPredicate, type TransactionFootprint, type WinningCommit } from './conflict-checker.ts';
export { assertValidIdempotencyKey, isExpiredRequestTxn, recordedRequest, requestTxnAppId, REQUEST_TXN_PREFIX, REQUEST_TXN_RETENTION_MS } from './request-txns.ts';
export { COMMIT_CONFLICT_CODES, commitConflictRetry, isCommitConflict } from './commit-conflict.ts';
export { writeCheckpoint, checkpointIfDue, encodeCheckpoint, liveTombstones, parseDeltaInterval, type CheckpointInfo } from './checkpoint-writer.ts';
export { assertCommitAllowed } from './write-guards.ts';
export { validateCommit, type ValidateOptions } from './validator.ts';

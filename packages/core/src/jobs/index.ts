/** The coordinator↔worker wire contract: scan jobs and results (versioned), queue names, Arrow partials (docs/design/distributed-execution.md). */
export { parseScanJob, parseScanResult, scanJobV1Schema, scanResultV1Schema, SCAN_JOB_VERSION, type ScanFileV1, type ScanJobV1, type ScanResultV1 } from './scan-job.ts';
export { QUEUE_NAMES, queryIdOfJob, queuePrefix, SCAN_INBOX_TTL_MS, scanCancelChannel, scanInboxKey, scanInboxPrefix, scanJobId, type QueueName } from './queue-names.ts';
export { decodeJobFailure, encodeJobFailure, type JobFailure } from './job-failure.ts';
export { JOB_RESULTS_PREFIX, jobResultKey, jobResultsPrefix } from './result-key.ts';
export { decodeArrowPartial, encodeArrowPartial, DUCKDB_TYPE_META, type DecodedPartial, type PartialColumn } from './arrow-partial.ts';

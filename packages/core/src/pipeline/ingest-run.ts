/**
 * IngestRun: the outcome of one object version through a rule (ListIngestRuns): SUCCEEDED with
 * its rows and the Delta version that holds them, FAILED with the error (the table unchanged by
 * it), or SKIPPED (already in the ledger: another ingester or an earlier attempt committed it).
 */
export const IngestRunStatus = {
  SUCCEEDED: 'INGEST_RUN_STATUS_SUCCEEDED',
  FAILED: 'INGEST_RUN_STATUS_FAILED',
  SKIPPED: 'INGEST_RUN_STATUS_SKIPPED',
} as const;
export type IngestRunStatus = (typeof IngestRunStatus)[keyof typeof IngestRunStatus];

export type IngestTrigger = 'INGEST_TRIGGER_SCAN' | 'INGEST_TRIGGER_MANUAL';

export interface IngestRun {
  readonly runId: string;
  readonly objectKey: string;
  readonly etag: string;
  readonly status: IngestRunStatus;
  readonly trigger: IngestTrigger;
  readonly rows: number;
  /** The Delta version of the commit holding the rows (0 when none). */
  readonly deltaVersion: number;
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly startedAt: number;
  readonly finishedAt: number;
}

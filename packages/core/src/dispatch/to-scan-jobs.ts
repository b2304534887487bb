/**
 * toScanJobs: a federated plan's jobs (plan/federate.ts) as ScanJobV1 wire payloads, one per kept
 * partition, numbered in plan order. Files carry the Delta log's own partition-value strings
 * (JSON-safe; the worker types them again from the schema) and their `add.size`.
 */
import type { StructType } from '../delta/schema.ts';
import { SCAN_JOB_VERSION, type ScanJobV1 } from '../jobs/index.ts';
import type { FederatedPlan } from '../plan/index.ts';

export interface ScanJobContext {
  readonly queryId: string;
  readonly bucket: string;
  readonly tableRoot: string;
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  /** Epoch milliseconds. */
  readonly deadline: number;
}

export function toScanJobs(plan: Pick<FederatedPlan, 'jobs' | 'relations'>, ctx: ScanJobContext): ScanJobV1[] {
  return plan.jobs.map((job, jobIndex) => ({
    v: SCAN_JOB_VERSION,
    queryId: ctx.queryId,
    jobIndex,
    bucket: ctx.bucket,
    tableRoot: ctx.tableRoot,
    files: job.files.map((f) => ({ key: f.key, size: f.add.size, partitionValues: { ...f.add.partitionValues } })),
    schema: ctx.schema,
    partitionColumns: [...ctx.partitionColumns],
    viewName: plan.relations.partition,
    partialSql: job.partialSql,
    deadline: ctx.deadline,
  }));
}

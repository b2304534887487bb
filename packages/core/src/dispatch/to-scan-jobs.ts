/**
 * toScanJobs: a federated plan's jobs (plan/federate.ts) as ScanJobV1 wire payloads, one per kept
 * partition (or, with `maxJobs`, partitions packed into at most that many jobs), numbered in plan order. Files carry the Delta log's own partition-value strings
 * (JSON-safe; the worker types them again from the schema) and their `add.size`.
 */
import type { StructType } from '../delta/schema.ts';
import { SCAN_JOB_VERSION, type ScanJobV1 } from '../jobs/index.ts';
import type { FederatedPlan } from '../plan/index.ts';
import { packPartitions } from './pack-scan-jobs.ts';

export interface ScanJobContext {
  readonly queryId: string;
  readonly bucket: string;
  readonly tableRoot: string;
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  /** Epoch milliseconds. */
  readonly deadline: number;
  /** K3_FEDERATE_MAX_JOBS: pack the partitions into at most this many jobs (0 = one per partition; pack-scan-jobs.ts). */
  readonly maxJobs?: number;
  /** K3_FEDERATE_MIN_JOB_BYTES: no more jobs than one per this many bytes (0 = no floor). */
  readonly minJobBytes?: number;
}

export function toScanJobs(plan: Pick<FederatedPlan, 'jobs' | 'relations'>, ctx: ScanJobContext): ScanJobV1[] {
  return packPartitions(plan.jobs, ctx.maxJobs ?? 0, ctx.minJobBytes ?? 0).map((group, jobIndex) => ({
    v: SCAN_JOB_VERSION,
    queryId: ctx.queryId,
    jobIndex,
    bucket: ctx.bucket,
    tableRoot: ctx.tableRoot,
    files: group.flatMap((job) => job.files.map((f) => ({ key: f.key, size: f.add.size, partitionValues: { ...f.add.partitionValues } }))),
    schema: ctx.schema,
    partitionColumns: [...ctx.partitionColumns],
    viewName: plan.relations.partition,
    partialSql: group[0]!.partialSql,
    deadline: ctx.deadline,
  }));
}

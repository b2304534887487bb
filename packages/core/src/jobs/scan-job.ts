/**
 * The coordinator↔worker wire contract for scan jobs, version 1 (docs/design/distributed-execution.md).
 *
 * A ScanJobV1 is everything a stateless worker needs to scan one partition: which bucket, which
 * data files (keys relative to the bucket store, sizes from `add.size`, partition values as the
 * Delta log's strings), the table schema (Delta StructType JSON) and the partial SQL that runs over
 * a view named `viewName` bound to exactly those files. A ScanResultV1 carries the partial rows as
 * an Arrow IPC stream, inline (base64) or, when large, as an object-store key.
 *
 * Invariants: both shapes are validated with zod at every boundary (a worker never runs an
 * unvalidated job, a coordinator never merges an unvalidated result); a payload whose `v` is not 1
 * is ERR_JOB_CONTRACT (mixed versions during a rollout), never a guess. Everything is plain JSON:
 * BullMQ stores jobs and return values as JSON in Redis.
 */
import { z } from 'zod';
import type { StructType } from '../delta/schema.ts';
import { AppError } from '../errors/index.ts';

export const SCAN_JOB_VERSION = 1 as const;

/** Query ids become part of BullMQ job ids and object keys: a safe, bounded alphabet. */
const queryId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'queryId must be 1-100 characters of [A-Za-z0-9_-]');
const jobIndex = z.number().int().min(0);
const count = z.number().int().min(0);

const scanFile = z.object({
  key: z.string().min(1),
  size: count,
  partitionValues: z.record(z.string(), z.string().nullable()),
});

/** Delta StructType JSON; the field types are checked by the binder, the outline here. */
const structType = z.looseObject({
  type: z.literal('struct'),
  fields: z.array(z.looseObject({ name: z.string(), type: z.unknown(), nullable: z.boolean() })),
});

export const scanJobV1Schema = z.object({
  v: z.literal(SCAN_JOB_VERSION),
  queryId,
  jobIndex,
  bucket: z.string().min(1),
  tableRoot: z.string(),
  files: z.array(scanFile),
  schema: structType,
  partitionColumns: z.array(z.string()),
  viewName: z.string().min(1),
  partialSql: z.string().min(1),
  /** Epoch milliseconds after which the result is useless. */
  deadline: z.number().int().positive(),
  /**
   * The coordinator's inbox (`scanInboxKey`): a worker also pushes its result onto this Redis list,
   * where the coordinator's BLPOP wakes at once — BullMQ's return value and events stream stay the
   * record and the fallback. Absent = the events stream only (an older coordinator).
   */
  replyTo: z.string().min(1).max(300).optional(),
});

export const scanResultV1Schema = z.object({
  v: z.literal(SCAN_JOB_VERSION),
  queryId,
  jobIndex,
  /** Base64 Arrow IPC stream (jobs/arrow-partial.ts), when small enough for Redis. */
  ipc: z.string().optional(),
  /** Object-store key of the Arrow IPC stream in the job's bucket, when too large for Redis. */
  resultKey: z.string().min(1).optional(),
  rows: count,
  bytes: count,
  filesScanned: count,
  rowsScanned: count,
  bytesScanned: count,
  scanMs: z.number().min(0),
  /** Epoch milliseconds at which the worker began the job (queue time = startedAt − dispatch). */
  startedAt: z.number().int().positive(),
  /** Usage metering (usage/): CPU ms of the worker process during the job (whole ms). */
  cpuMs: z.number().int().min(0).optional(),
  /** Worker RSS (GiB) × job wall time (s). */
  memoryGbSeconds: z.number().min(0).optional(),
  /** `host:pid` of the process that ran the job (a coordinator does not count its own jobs twice). */
  ranBy: z.string().optional(),
}).refine((r) => (r.ipc === undefined) !== (r.resultKey === undefined), { message: 'exactly one of ipc and resultKey must be set' });

export type ScanFileV1 = z.infer<typeof scanFile>;
export type ScanJobV1 = Omit<z.infer<typeof scanJobV1Schema>, 'schema'> & { readonly schema: StructType };
export type ScanResultV1 = z.infer<typeof scanResultV1Schema>;

function contractError(what: 'job' | 'result', input: unknown, error: z.ZodError): AppError {
  const v = typeof input === 'object' && input !== null ? (input as { v?: unknown }).v : undefined;
  const versionHint = v !== undefined && v !== SCAN_JOB_VERSION
    ? ` It has contract version ${JSON.stringify(v)}, this process speaks version ${SCAN_JOB_VERSION}: run coordinator and workers of one release.`
    : ' Coordinator and workers must run the same release.';
  const issues = error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  return new AppError('ERR_JOB_CONTRACT', `A scan ${what} does not match the wire contract (${issues.join('; ')}).${versionHint}`, { what, version: v ?? null, issues });
}

/** Validates a scan job received from the queue; ERR_JOB_CONTRACT when it is malformed or of another version. */
export function parseScanJob(input: unknown): ScanJobV1 {
  const parsed = scanJobV1Schema.safeParse(input);
  if (!parsed.success) throw contractError('job', input, parsed.error);
  return parsed.data as unknown as ScanJobV1;
}

/** Validates a scan result received from a worker; ERR_JOB_CONTRACT when it is malformed or of another version. */
export function parseScanResult(input: unknown): ScanResultV1 {
  const parsed = scanResultV1Schema.safeParse(input);
  if (!parsed.success) throw contractError('result', input, parsed.error);
  return parsed.data;
}

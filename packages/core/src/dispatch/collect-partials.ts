/**
 * collectPartials: what the coordinator does with a ScanExecutor — run the jobs, read every
 * result's Arrow stream (inline, or from the object store when it was spilled), delete the spilled
 * objects, and add up the scan statistics the response reports. Results are validated at this
 * boundary (parseScanResult) whichever executor produced them.
 */
import { decodeArrowPartial, parseScanResult, type DecodedPartial, type ScanJobV1, type ScanResultV1 } from '../jobs/index.ts';
import { AppError } from '../errors/index.ts';
import type { BucketStores } from '../object-store/store-factory.ts';
import type { ScanExecutor, ScanRunOptions } from './scan-executor.ts';

export interface ScanStats {
  readonly jobs: number;
  readonly filesScanned: number;
  readonly rowsScanned: number;
  readonly bytesScanned: number;
  /** Wall time of the whole fan-out (queue + scan), ms. */
  readonly wallMs: number;
  /** Longest time a job waited between dispatch and a worker starting it, ms. */
  readonly queueMs: number;
  /** Sum of the jobs' own scan times, ms. */
  readonly scanMs: number;
  /** Results that came through the object store (larger than K3_JOB_RESULT_INLINE_MAX_BYTES). */
  readonly spilled: number;
  /** Bytes of Arrow IPC received (inline and spilled). */
  readonly resultBytes: number;
}

export interface CollectedPartials {
  /** One per job, in jobIndex order. */
  readonly partials: DecodedPartial[];
  readonly stats: ScanStats;
}

export async function readScanResult(result: ScanResultV1, stores: Pick<BucketStores, 'open'>, bucket: string): Promise<DecodedPartial> {
  if (result.ipc !== undefined) return decodeArrowPartial(Buffer.from(result.ipc, 'base64'));
  const body = await stores.open(bucket).get(result.resultKey!);
  if (body === undefined) {
    throw new AppError('ERR_WORKER_FAILED', `The result of scan job ${result.jobIndex} is missing from the object store (${result.resultKey}); it was swept before the coordinator read it. Run the query again.`, { jobIndex: result.jobIndex, resultKey: result.resultKey });
  }
  return decodeArrowPartial(body);
}

/** Deletes the spilled results of a query (best effort is the caller's choice: this throws). */
export async function deleteSpilledResults(results: readonly ScanResultV1[], stores: Pick<BucketStores, 'open'>, bucket: string): Promise<void> {
  const keys = results.flatMap((r) => (r.resultKey !== undefined ? [r.resultKey] : []));
  if (keys.length > 0) await stores.open(bucket).deleteMany(keys);
}

export async function collectPartials(executor: ScanExecutor, jobs: readonly ScanJobV1[], stores: Pick<BucketStores, 'open'>, opts: ScanRunOptions): Promise<CollectedPartials> {
  const started = performance.now();
  const dispatchedAt = Date.now();
  const bucket = jobs[0]?.bucket ?? '';
  const results = (await executor.run(jobs, opts)).map(parseScanResult);
  try {
    const partials: DecodedPartial[] = [];
    for (const r of results) partials.push(await readScanResult(r, stores, bucket));
    const sum = (f: (r: ScanResultV1) => number): number => results.reduce((n, r) => n + f(r), 0);
    return {
      partials,
      stats: {
        jobs: results.length, filesScanned: sum((r) => r.filesScanned), rowsScanned: sum((r) => r.rowsScanned),
        bytesScanned: sum((r) => r.bytesScanned), scanMs: sum((r) => r.scanMs), wallMs: performance.now() - started,
        queueMs: Math.max(0, ...results.map((r) => r.startedAt - dispatchedAt)),
        spilled: results.filter((r) => r.resultKey !== undefined).length, resultBytes: sum((r) => r.bytes),
      },
    };
  } finally {
    await deleteSpilledResults(results, stores, bucket).catch(() => undefined);
  }
}

/**
 * Usage metering of Execute / Query calls (docs/operations.md "Usage metering").
 *
 * One call's usage = the coordinator's part + one part per scan job another process ran:
 * - coordinator: process CPU time (user + system, whole ms) and RSS (GiB) × wall seconds between
 *   the start and the end of the call on the coordinator;
 * - each remote scan job: what the worker reports in its ScanResultV1 (`cpuMs`, `memoryGbSeconds`),
 *   measured the same way around the job. Jobs the coordinator ran itself (embedded mode, scale to
 *   zero: `ranBy` is this process) are already inside the coordinator's part and are not added twice.
 * cpuMs = coordinatorCpuMs + Σ job cpuMs, exactly (all whole milliseconds).
 *
 * Attribution: the jobs of a call are collected by the MeteringScanExecutor through
 * AsyncLocalStorage (the call's async context), so the engine does not change. CPU is process time:
 * calls that overlap on one process share it, so each is charged what its process spent meanwhile.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ExecuteResponse, ExecuteUsage } from '../api/index.ts';
import type { ScanBacklog, ScanExecutor, ScanRunOptions } from '../dispatch/index.ts';
import { PROCESS_ID } from '../dispatch/scan-job-handler.ts';
import type { ScanJobV1, ScanResultV1 } from '../jobs/index.ts';

/** One remote job's reported usage. */
export interface JobUsage {
  readonly queryId: string;
  readonly jobIndex: number;
  readonly ranBy: string;
  readonly cpuMs: number;
  readonly memoryGbSeconds: number;
}

/** The parts one call's usage adds up from (logged by the coordinator; never on the wire). */
export interface UsageBreakdown {
  readonly coordinatorCpuMs: number;
  readonly coordinatorMemoryGbSeconds: number;
  readonly jobs: readonly JobUsage[];
}

const collector = new AsyncLocalStorage<JobUsage[]>();

/** Wraps a ScanExecutor so that the results of remote jobs are recorded for the running call. */
export class MeteringScanExecutor implements ScanExecutor {
  readonly inner: ScanExecutor;
  constructor(inner: ScanExecutor) {
    this.inner = inner;
  }
  get kind(): ScanExecutor['kind'] {
    return this.inner.kind;
  }
  async run(jobs: readonly ScanJobV1[], opts: ScanRunOptions): Promise<ScanResultV1[]> {
    const results = await this.inner.run(jobs, opts);
    const sink = collector.getStore();
    if (sink !== undefined) {
      for (const r of results) {
        if (r.ranBy === undefined || r.ranBy === PROCESS_ID) continue;
        sink.push({ queryId: r.queryId, jobIndex: r.jobIndex, ranBy: r.ranBy, cpuMs: r.cpuMs ?? 0, memoryGbSeconds: r.memoryGbSeconds ?? 0 });
      }
    }
    return results;
  }
  backlog(): Promise<ScanBacklog> {
    return this.inner.backlog();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Adds the parts up (exact: whole milliseconds). */
export function sumUsage(b: UsageBreakdown, scanned: { bytesScanned: number; filesScanned: number; rowsReturned: number }): ExecuteUsage {
  return {
    cpuMs: b.coordinatorCpuMs + b.jobs.reduce((n, j) => n + j.cpuMs, 0),
    memoryGbSeconds: b.coordinatorMemoryGbSeconds + b.jobs.reduce((n, j) => n + j.memoryGbSeconds, 0),
    bytesScanned: scanned.bytesScanned,
    filesScanned: scanned.filesScanned,
    rowsReturned: scanned.rowsReturned,
  };
}

/** Bytes / files scanned and rows returned of a response (writes: their RETURNING rows). */
export function scannedOf(res: ExecuteResponse): { bytesScanned: number; filesScanned: number; rowsReturned: number } {
  if ('query' in res) return { bytesScanned: res.query.bytesScanned, filesScanned: res.query.filesScanned, rowsReturned: res.query.rows.length };
  if ('write' in res) return { bytesScanned: 0, filesScanned: 0, rowsReturned: res.write.returning?.rows.length ?? 0 };
  return { bytesScanned: 0, filesScanned: 0, rowsReturned: 0 };
}

/**
 * Runs one call, meters it and returns the response with `usage`, plus the breakdown. Failed calls
 * throw as before (their cost is not billed: nothing was returned).
 */
export async function metered(call: () => Promise<ExecuteResponse>): Promise<{ response: ExecuteResponse; breakdown: UsageBreakdown }> {
  const jobs: JobUsage[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const response = await collector.run(jobs, call);
  const d = process.cpuUsage(cpu);
  const breakdown: UsageBreakdown = {
    coordinatorCpuMs: Math.round((d.user + d.system) / 1000),
    coordinatorMemoryGbSeconds: (process.memoryUsage.rss() / 2 ** 30) * ((performance.now() - started) / 1000),
    jobs,
  };
  return { response: { ...response, usage: sumUsage(breakdown, scannedOf(response)) }, breakdown };
}

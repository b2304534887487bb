/**
 * InProcessScanExecutor: the embedded-mode ScanExecutor. Runs the scan-job handler in this
 * process, at most `concurrency` jobs at a time (each on its own DuckDB connection). On the first
 * failure, the deadline or a cancel, in-flight jobs are interrupted (their DuckDB queries get an
 * abort) and no new job starts. Failures surface as the handler's own AppError: there is no worker
 * in between to report on.
 */
import { AppError } from '../errors/index.ts';
import type { ScanJobV1, ScanResultV1 } from '../jobs/index.ts';
import { cancelledError, deadlineError } from './run-partial-query.ts';
import type { ScanJobHandler } from './scan-job-handler.ts';
import type { ScanExecutor, ScanRunOptions } from './scan-executor.ts';
import { withTotal, type ScanBacklog } from './scan-backlog.ts';

export interface InProcessScanExecutorOptions {
  readonly handler: ScanJobHandler;
  /** Jobs run at the same time (default 2). */
  readonly concurrency?: number;
}

export class InProcessScanExecutor implements ScanExecutor {
  readonly kind = 'in-process';
  readonly #handler: ScanJobHandler;
  readonly #concurrency: number;
  #running = 0;

  constructor(opts: InProcessScanExecutorOptions) {
    this.#handler = opts.handler;
    this.#concurrency = Math.max(1, opts.concurrency ?? 2);
  }

  async run(jobs: readonly ScanJobV1[], opts: ScanRunOptions): Promise<ScanResultV1[]> {
    if (opts.signal?.aborted === true) throw cancelledError();
    if (Date.now() >= opts.deadline) throw deadlineError(opts.deadline);
    const stop = new AbortController();
    let failure: unknown;
    const fail = (err: unknown): void => {
      failure ??= err;
      stop.abort();
    };
    const onAbort = (): void => fail(cancelledError());
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => fail(deadlineError(opts.deadline)), Math.max(0, opts.deadline - Date.now()));
    const results = new Map<number, ScanResultV1>();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (failure === undefined && next < jobs.length) {
        const job = jobs[next++]!;
        this.#running++;
        try {
          const result = await this.#handler({ ...job, deadline: Math.min(job.deadline, opts.deadline) }, { signal: stop.signal });
          if (!results.has(result.jobIndex)) results.set(result.jobIndex, result);
        } catch (err) {
          fail(err);
        } finally {
          this.#running--;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.#concurrency, jobs.length) }, lane));
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (failure !== undefined) throw failure;
    if (results.size !== new Set(jobs.map((j) => j.jobIndex)).size) {
      throw new AppError('ERR_INTERNAL', `In-process scan finished with ${results.size} results for ${jobs.length} jobs.`);
    }
    return [...results.values()].sort((a, b) => a.jobIndex - b.jobIndex);
  }

  async backlog(): Promise<ScanBacklog> {
    return withTotal({ waiting: 0, prioritized: 0, delayed: 0, delayedDue: 0, active: this.#running }, 0);
  }

  async close(): Promise<void> {
    // Nothing to release: the handler's DuckDB and cache belong to the caller.
  }
}

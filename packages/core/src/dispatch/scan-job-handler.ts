/**
 * The scan-job handler: one ScanJobV1 in, one ScanResultV1 out. A pure function of its injected
 * parts (bucket stores, a DuckDB database, a FileCache), so the embedded executor calls it
 * in-process and the worker service calls it from BullMQ: the same code scans either way.
 *
 * Steps: files → local paths (FileCache lease, pinned until the scan ends) → a TEMP view named
 * `job.viewName` on a fresh connection, or on a pooled one that already holds exactly that view
 * and, for a repeated partial SQL, its prepared statement (scan-view-pool.ts; the worker's)
 * (bindSnapshot: partition columns as typed constants from the Delta strings) → partial SQL under
 * the job's deadline → Arrow IPC. Results above
 * `inlineMaxBytes` are written to `_k3/results/<queryId>/<jobIndex>.arrow` in the job's bucket and
 * referenced; the coordinator deletes them after merging. The handler does not log (pure core).
 */
import { hostname } from 'node:os';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ActiveFile } from '../delta/snapshot.ts';
import { parsePartitionValues } from '../delta/partition-values.ts';
import { mapDuckDBError, withConnection, bindSnapshot, quoteLiteral, type FileCache, type K3DuckDB } from '../exec/index.ts';
import { encodeArrowPartial, jobResultKey, SCAN_JOB_VERSION, type ScanJobV1, type ScanResultV1 } from '../jobs/index.ts';
import type { BucketStores } from '../object-store/store-factory.ts';
import { cancelledError, deadlineError, runPartialQuery, type PartialQueryResult } from './run-partial-query.ts';
import type { PrepareOnView, ScanViewPool } from './scan-view-pool.ts';

export interface ScanJobHandlerDeps {
  readonly stores: Pick<BucketStores, 'open'>;
  readonly db: K3DuckDB;
  readonly cache: FileCache;
  /** K3_JOB_RESULT_INLINE_MAX_BYTES */
  readonly inlineMaxBytes: number;
  /** K3_TEST_SCAN_DELAY: tests slow every job down by this much (0 in production). */
  readonly testDelayMs?: number;
  /** Pooled connections keeping their bound view (the worker's); absent = a fresh connection and view per job. */
  readonly views?: ScanViewPool;
}

export interface ScanJobRunOptions {
  readonly signal?: AbortSignal;
}

export type ScanJobHandler = (job: ScanJobV1, opts?: ScanJobRunOptions) => Promise<ScanResultV1>;

function sleep(ms: number, deadline: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(cancelledError()); };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      if (Date.now() >= deadline) reject(deadlineError(deadline));
      else resolve();
    }, Math.min(ms, Math.max(0, deadline - Date.now())));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function activeFiles(job: ScanJobV1): ActiveFile[] {
  return job.files.map((f) => ({
    key: f.key,
    add: { path: f.key, partitionValues: f.partitionValues, size: f.size, modificationTime: 0, dataChange: false },
    stats: undefined,
    partitionValues: parsePartitionValues(f.partitionValues, job.schema, job.partitionColumns),
  }));
}

/** `host:pid` of this process (ScanResultV1.ranBy). */
export const PROCESS_ID = `${hostname()}:${process.pid}`;

export function createScanJobHandler(deps: ScanJobHandlerDeps): ScanJobHandler {
  return async (job, opts = {}) => {
    const started = performance.now();
    const startedAt = Date.now();
    const cpu = process.cpuUsage();
    if (opts.signal?.aborted === true) throw cancelledError();
    if (Date.now() >= job.deadline) throw deadlineError(job.deadline);
    if ((deps.testDelayMs ?? 0) > 0) await sleep(deps.testDelayMs!, job.deadline, opts.signal);
    const files = activeFiles(job);
    const store = deps.stores.open(job.bucket);
    const lease = await deps.cache.acquire(store, job.files.map((f) => ({ key: f.key, size: f.size })));
    try {
      const snapshot = { schema: job.schema, partitionColumns: job.partitionColumns, files };
      const scan = async (conn: DuckDBConnection, prepare?: PrepareOnView): Promise<{ partial: PartialQueryResult; rowsScanned: number }> => {
        const scanned = files.length === 0 ? 0 : await countRows(conn, [...lease.paths.values()]);
        return { partial: await runPartialQuery(conn, job.partialSql, job.deadline, opts.signal, prepare), rowsScanned: scanned };
      };
      const { partial, rowsScanned } = deps.views !== undefined
        ? await deps.views.withView(job.viewName, snapshot, lease.paths, scan)
        : await withConnection(deps.db, async (conn) => {
          await bindSnapshot(conn, job.viewName, snapshot, lease.paths);
          return scan(conn);
        });
      const ipc = encodeArrowPartial(partial.columns, partial.values);
      const base = {
        v: SCAN_JOB_VERSION, queryId: job.queryId, jobIndex: job.jobIndex, rows: partial.rows, bytes: ipc.byteLength,
        filesScanned: job.files.length, rowsScanned, bytesScanned: job.files.reduce((n, f) => n + f.size, 0), startedAt,
      };
      if (ipc.byteLength > deps.inlineMaxBytes) {
        const resultKey = jobResultKey(job.queryId, job.jobIndex);
        await store.put(resultKey, ipc);
        return { ...base, resultKey, ...jobUsage(started, cpu) };
      }
      return { ...base, ipc: Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength).toString('base64'), ...jobUsage(started, cpu) };
    } finally {
      lease.release();
    }
  };
}

/** The job's wall time and metered usage (usage/usage-meter.ts): process CPU during the job, RSS × wall time. */
function jobUsage(started: number, cpu: NodeJS.CpuUsage): { scanMs: number; cpuMs: number; memoryGbSeconds: number; ranBy: string } {
  const scanMs = performance.now() - started;
  const d = process.cpuUsage(cpu);
  return { scanMs, cpuMs: Math.round((d.user + d.system) / 1000), memoryGbSeconds: (process.memoryUsage.rss() / 2 ** 30) * (scanMs / 1000), ranBy: PROCESS_ID };
}

/**
 * Rows per local data file already counted. Paths come from the FileCache, whose files never
 * change under their path (file-cache.ts), so a file's footer is read once per process and a job
 * over known files asks DuckDB nothing for its statistics (one round trip less per job).
 */
const knownRows = new Map<string, number>();
const KNOWN_ROWS_MAX = 100_000;

/** Rows in the job's files, from the Parquet footers (no data pages are read). */
async function countRows(conn: Parameters<Parameters<typeof withConnection>[1]>[0], paths: readonly string[]): Promise<number> {
  const unique = [...new Set(paths)];
  const unknown = unique.filter((p) => !knownRows.has(p));
  if (unknown.length > 0) {
    try {
      const reader = await conn.runAndReadAll(`SELECT file_name, num_rows::BIGINT FROM parquet_file_metadata([${unknown.map(quoteLiteral).join(', ')}])`);
      for (const [file, rows] of reader.getRows()) knownRows.set(String(file), Number(rows ?? 0));
    } catch (err) {
      throw mapDuckDBError(err);
    }
    while (knownRows.size > KNOWN_ROWS_MAX) knownRows.delete(knownRows.keys().next().value!);
  }
  return unique.reduce((n, p) => n + (knownRows.get(p) ?? 0), 0);
}

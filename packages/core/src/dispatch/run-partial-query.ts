/**
 * runPartialQuery: the partial SQL of one scan job, under the job's deadline and the caller's
 * cancel signal, returning DuckDB's column types and column-major values (what the Arrow encoder
 * needs; exec/run-query.ts returns domain rows instead). Same rule as run-query.ts: an
 * interrupted query is decided by *why* we interrupted — always ERR_QUERY_TIMEOUT or
 * ERR_QUERY_CANCELLED, never a short result.
 */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError } from '../exec/index.ts';
import type { PartialColumn } from '../jobs/index.ts';
import type { PrepareOnView } from './scan-view-pool.ts';

export interface PartialQueryResult {
  readonly columns: PartialColumn[];
  /** Column-major. */
  readonly values: DuckDBValue[][];
  readonly rows: number;
}

export function deadlineError(deadline: number): AppError {
  return new AppError('ERR_QUERY_TIMEOUT', `The query ran past its deadline (${new Date(deadline).toISOString()}) and was stopped; add filters or a LIMIT, or raise K3_QUERY_TIMEOUT.`, { deadline });
}

export function cancelledError(): AppError {
  return new AppError('ERR_QUERY_CANCELLED', 'The query was cancelled because the client went away.');
}

/** `prepare`: the pooled scan view's statement cache (scan-view-pool.ts); absent = run the text. */
export async function runPartialQuery(conn: DuckDBConnection, sql: string, deadline: number, signal?: AbortSignal, prepare?: PrepareOnView): Promise<PartialQueryResult> {
  if (signal?.aborted === true) throw cancelledError();
  if (Date.now() >= deadline) throw deadlineError(deadline);
  let stopped: 'timeout' | 'cancel' | undefined;
  const stop = (why: 'timeout' | 'cancel'): void => {
    stopped ??= why;
    conn.interrupt();
  };
  const timer = setTimeout(() => stop('timeout'), Math.max(0, deadline - Date.now()));
  const onAbort = (): void => stop('cancel');
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const reader = await (prepare !== undefined ? prepare(sql).then((p) => p.runAndReadAll()) : conn.runAndReadAll(sql)).catch((err: unknown) => {
      if (stopped === undefined) throw mapDuckDBError(err);
      return undefined;
    });
    if (stopped === 'timeout') throw deadlineError(deadline);
    if (stopped === 'cancel') throw cancelledError();
    const names = reader!.columnNames();
    const types = reader!.columnTypes();
    return { columns: names.map((name, i) => ({ name, type: types[i]! })), values: reader!.getColumns(), rows: reader!.currentRowCount };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

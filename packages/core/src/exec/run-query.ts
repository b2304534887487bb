/**
 * runQuery: one statement on a connection, with a deadline, client cancellation and a row cap,
 * returning domain rows beside their DuckDB types (result-encoding.ts).
 *
 * Cancellation uses DuckDB's `interrupt()`. A streaming read that is interrupted can end quietly
 * with a partial result instead of failing, so the outcome is decided by *why* we interrupted,
 * never by whether DuckDB threw: an interrupted query is always ERR_QUERY_TIMEOUT or
 * ERR_QUERY_CANCELLED, never a short result.
 */
import type { DuckDBConnection, DuckDBResultReader } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError } from './map-duckdb-error.ts';
import { encodeReader, type EncodedResult } from './result-encoding.ts';

export interface RunQueryOptions {
  /** Deadline in milliseconds (K3_QUERY_TIMEOUT). */
  readonly timeoutMs?: number;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal;
  /** Return at most this many rows (streamed: DuckDB stops producing after that). */
  readonly maxRows?: number;
}

export interface QueryResult extends EncodedResult {
  /** True when the result had more than `maxRows` rows and was cut. */
  readonly truncated: boolean;
}

function timeoutError(timeoutMs: number): AppError {
  return new AppError('ERR_QUERY_TIMEOUT', `The query ran longer than its ${timeoutMs} ms deadline and was stopped; add filters or a LIMIT, or raise K3_QUERY_TIMEOUT.`, { timeoutMs });
}

function cancelledError(): AppError {
  return new AppError('ERR_QUERY_CANCELLED', 'The query was cancelled because the client went away.');
}

export async function runQuery(conn: DuckDBConnection, sql: string, opts: RunQueryOptions = {}): Promise<QueryResult> {
  if (opts.signal?.aborted === true) throw cancelledError();
  let stopped: 'timeout' | 'cancel' | undefined;
  const stop = (why: 'timeout' | 'cancel'): void => {
    stopped ??= why;
    conn.interrupt();
  };
  const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), opts.timeoutMs);
  const onAbort = (): void => stop('cancel');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let reader: DuckDBResultReader | undefined;
  let failure: unknown;
  try {
    reader = opts.maxRows === undefined ? await conn.runAndReadAll(sql) : await conn.streamAndReadUntil(sql, opts.maxRows + 1);
  } catch (err) {
    failure = err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (stopped === 'timeout') throw timeoutError(opts.timeoutMs ?? 0);
  if (stopped === 'cancel') throw cancelledError();
  if (failure !== undefined || reader === undefined) throw mapDuckDBError(failure);
  const encoded = encodeReader(reader);
  if (opts.maxRows !== undefined && encoded.rows.length > opts.maxRows) {
    return { columns: encoded.columns, rows: encoded.rows.slice(0, opts.maxRows), truncated: true };
  }
  return { ...encoded, truncated: false };
}

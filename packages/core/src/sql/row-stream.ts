/**
 * RowStream: a read's result as an async iterable of row batches of domain values
 * (exec/domain-values.ts), produced by DuckDB's streaming result one data chunk (≤ 2048 rows) at
 * a time, so a result of any size is held one chunk at a time (docs/design/streaming.md).
 *
 * Lifetime: the stream owns the request's DuckDB connection and its file leases until the
 * iteration ends — by exhaustion, an error, `break` (the iterator's return) or `close()`.
 * A consumer that does neither leaks a connection: always iterate or close. Single use.
 * Deadline: each batch must be produced within K3_QUERY_TIMEOUT (the consumer's own pace never
 * counts); the request's AbortSignal interrupts DuckDB and ends the stream with ERR_QUERY_CANCELLED.
 */
import type { DuckDBResult } from '@duckdb/node-api';
import type { ExecuteQueryResult } from '../api/index.ts';
import { AppError } from '../errors/index.ts';
import { domainValueConverter, mapDuckDBError } from '../exec/index.ts';

export interface RowBatch {
  readonly rows: readonly (readonly unknown[])[];
}

/** What a streamed read reports besides its rows: Execute's query result without rows. */
export type RowStreamHeader = Omit<ExecuteQueryResult, 'rows' | 'rowCount'>;

export interface RowStreamHooks {
  /** Arms the per-batch deadline; returns the disarm. */
  readonly armDeadline: () => () => void;
  /** Why the stream was interrupted, if it was (deadline or abort), checked after each fetch. */
  readonly interruption: () => AppError | undefined;
  /** Releases the connection, bindings and leases (once). */
  readonly release: () => Promise<void>;
}

export class RowStream implements AsyncIterable<RowBatch> {
  readonly header: RowStreamHeader;
  readonly #result: DuckDBResult;
  readonly #hooks: RowStreamHooks;
  #rows = 0;
  #started = false;
  #closed: Promise<void> | undefined;

  constructor(result: DuckDBResult, header: RowStreamHeader, hooks: RowStreamHooks) {
    this.#result = result;
    this.header = header;
    this.#hooks = hooks;
  }

  /** Rows yielded so far. */
  get rowsRead(): number {
    return this.#rows;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RowBatch> {
    if (this.#started) throw new AppError('ERR_INTERNAL', 'A RowStream can be iterated once.');
    this.#started = true;
    try {
      for (;;) {
        if (this.#closed !== undefined) return;
        const disarm = this.#hooks.armDeadline();
        let chunk;
        try {
          chunk = await this.#result.fetchChunk();
        } catch (err) {
          throw this.#hooks.interruption() ?? mapDuckDBError(err);
        } finally {
          disarm();
        }
        const interrupted = this.#hooks.interruption();
        if (interrupted !== undefined) throw interrupted;
        if (chunk === null || chunk.rowCount === 0) return;
        const rows = chunk.convertRows(domainValueConverter);
        this.#rows += rows.length;
        yield { rows };
      }
    } finally {
      await this.close();
    }
  }

  /** Ends the stream early and releases everything (idempotent). */
  close(): Promise<void> {
    this.#closed ??= this.#hooks.release();
    return this.#closed;
  }
}

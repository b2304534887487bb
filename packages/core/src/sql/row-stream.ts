/**
 * RowStream: a statement's result read in row batches (docs/design/streaming.md). For a read, the
 * batches come from DuckDB's streaming result one data chunk (≤ 2048 rows) at a time, so a result
 * of any size is held one chunk at a time; any other statement (write, DDL, SHOW …) is its
 * materialized Execute response, sliced.
 *
 * Rows are domain values (exec/domain-values.ts — bigint, Date, Uint8Array …); each wire adapter
 * encodes them by the columns' DuckDB types (@k3/client/sdk encodeRows for the JSON wires). Two
 * views of the same single-use iteration (consume one of them): `for await (const { rows } of
 * stream)` and `stream.batches` (the bare row arrays, the coordinator's RowBatchStream port).
 * `summary()` is Execute's response without rows (`rowCount` = rows read), complete once the
 * iteration has ended.
 *
 * Lifetime: a streamed read owns the request's DuckDB connection and its file leases until the
 * iteration ends — exhaustion, an error, `break` (the iterator's return) or `close()`. A consumer
 * that does neither leaks a connection: always iterate or close.
 * Deadline: each batch must be produced within K3_QUERY_TIMEOUT (the consumer's own pace never
 * counts); the request's AbortSignal interrupts DuckDB and ends the stream with ERR_QUERY_CANCELLED.
 */
import type { DuckDBResult } from '@duckdb/node-api';
import type { ExecuteQueryResult, ExecuteResponse, ResultColumn } from '../api/index.ts';
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

/** Rows per batch when a materialized response is sliced (DuckDB's own chunk size). */
const SLICE_ROWS = 2048;

type Source =
  | { readonly kind: 'duckdb'; readonly result: DuckDBResult; readonly header: RowStreamHeader; readonly hooks: RowStreamHooks }
  | { readonly kind: 'materialized'; readonly response: ExecuteResponse };

export class RowStream implements AsyncIterable<RowBatch> {
  /** Result columns (name + DuckDB type text); empty for a statement without rows. */
  readonly columns: readonly ResultColumn[];
  /** The query result without rows, for reads; undefined for writes and DDL. */
  readonly header: RowStreamHeader | undefined;
  readonly #source: Source;
  #rows = 0;
  #started = false;
  #closed: Promise<void> | undefined;

  private constructor(source: Source) {
    this.#source = source;
    if (source.kind === 'duckdb') {
      this.header = source.header;
      this.columns = source.header.columns;
    } else {
      const { response } = source;
      this.header = 'query' in response ? withoutRows(response.query) : undefined;
      this.columns = 'query' in response ? response.query.columns : [];
    }
  }

  /** A read streamed from DuckDB (the engine's executeStream). */
  static fromResult(result: DuckDBResult, header: RowStreamHeader, hooks: RowStreamHooks): RowStream {
    return new RowStream({ kind: 'duckdb', result, header, hooks });
  }

  /** A materialized Execute response as a stream (writes, DDL and reads that do not stream). */
  static fromResponse(response: ExecuteResponse): RowStream {
    return new RowStream({ kind: 'materialized', response });
  }

  /** Rows yielded so far. */
  get rowsRead(): number {
    return this.#rows;
  }

  [Symbol.asyncIterator](): AsyncIterator<RowBatch> {
    const rows = this.#pull();
    return (async function* () {
      for await (const batch of rows) yield { rows: batch };
    })();
  }

  /** The rows batch by batch (domain values, as the async iteration yields them). */
  get batches(): AsyncIterable<unknown[][]> {
    return this.#pull();
  }

  /** Execute's response without rows; `rowCount` counts the rows read so far. */
  summary(): Promise<ExecuteResponse> {
    const source = this.#source;
    if (source.kind === 'materialized') {
      const { response } = source;
      return Promise.resolve('query' in response ? { query: { ...response.query, rows: [] } } : response);
    }
    return Promise.resolve({ query: { ...source.header, rows: [], rowCount: this.#rows } });
  }

  /** Ends the stream early and releases everything (idempotent). */
  close(): Promise<void> {
    this.#closed ??= this.#source.kind === 'duckdb' ? this.#source.hooks.release() : Promise.resolve();
    return this.#closed;
  }

  async *#pull(): AsyncGenerator<unknown[][]> {
    if (this.#started) throw new AppError('ERR_INTERNAL', 'A RowStream can be iterated once.');
    this.#started = true;
    const source = this.#source;
    try {
      if (source.kind === 'materialized') {
        const rows = 'query' in source.response ? source.response.query.rows : [];
        for (let i = 0; i < rows.length && this.#closed === undefined; i += SLICE_ROWS) {
          const batch = rows.slice(i, i + SLICE_ROWS);
          this.#rows += batch.length;
          yield batch;
        }
        return;
      }
      const { result, hooks } = source;
      for (;;) {
        if (this.#closed !== undefined) return;
        const disarm = hooks.armDeadline();
        let chunk;
        try {
          chunk = await result.fetchChunk();
        } catch (err) {
          throw hooks.interruption() ?? mapDuckDBError(err);
        } finally {
          disarm();
        }
        const interrupted = hooks.interruption();
        if (interrupted !== undefined) throw interrupted;
        if (chunk === null || chunk.rowCount === 0) return;
        const batch = chunk.convertRows(domainValueConverter);
        this.#rows += batch.length;
        yield batch;
      }
    } finally {
      await this.close();
    }
  }
}

function withoutRows(query: ExecuteQueryResult): RowStreamHeader {
  const { rows: _rows, rowCount: _count, ...header } = query;
  return header;
}

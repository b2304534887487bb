/**
 * Streamed results (ExecuteStream / QueryStream, REST NDJSON and Arrow): the port is a small
 * async iterable of row batches — `{columns, batches, summary(), close?()}` — which the engine
 * provides (`SqlEngine.executeStream` / `queryRowsStream`: core's RowStream, reading DuckDB's
 * streaming result one chunk at a time) and which `batchesOf` builds from a materialized
 * response for engines without it (test fakes).
 *
 * `openResultStream` turns it into the ResultChunk messages of the proto: one header (columns),
 * row batches (the engine's domain values encoded here by the columns' types: encodeRows), then
 * the summary (the plain response with its rows removed).
 */
import { create, fromJson, type JsonValue, type MessageShape } from '@bufbuild/protobuf';
import { ListValueSchema } from '@bufbuild/protobuf/wkt';
import { ResultChunkSchema, ResultColumnSchema, type ResultChunk } from '@k3/client';
import { encodeRows } from '@k3/client/sdk';
import type { ExecuteResponse as EngineExecuteResponse } from '@k3/core/api';
import type { RowBatchStream, SqlEngine, SqlExecuteOptions } from '../sql-engine.ts';
import { toExecuteResponse } from './to-proto.ts';

/** Rows per streamed batch when slicing a materialized result. */
export const STREAM_BATCH_ROWS = 1000;

/** A materialized response as a batch stream. */
export function batchesOf(res: EngineExecuteResponse): RowBatchStream {
  const rows = 'query' in res ? res.query.rows : [];
  const columns = 'query' in res ? res.query.columns : [];
  const summary: EngineExecuteResponse = 'query' in res ? { ...res, query: { ...res.query, rows: [] } } : res;
  return {
    columns,
    batches: (async function* () {
      for (let i = 0; i < rows.length; i += STREAM_BATCH_ROWS) yield rows.slice(i, i + STREAM_BATCH_ROWS);
    })(),
    summary: async () => summary,
  };
}

/** The engine's stream when it has one, else its materialized response sliced into batches. */
export async function streamOf(engine: SqlEngine, opts: SqlExecuteOptions): Promise<RowBatchStream> {
  return engine.executeStream ? engine.executeStream(opts) : batchesOf(await engine.execute(opts));
}

export async function openResultStream(stream: RowBatchStream): Promise<AsyncIterable<ResultChunk>> {
  return (async function* () {
    try {
      if (stream.columns.length > 0) {
        const columns = stream.columns.map((c) => fromJson(ResultColumnSchema, c as unknown as JsonValue));
        yield create(ResultChunkSchema, { chunk: { case: 'header', value: { columns } } });
      }
      for await (const rows of stream.batches) {
        const batch = encodeRows(rows, stream.columns).map((r) => fromJson(ListValueSchema, r as JsonValue)) as MessageShape<typeof ListValueSchema>[];
        yield create(ResultChunkSchema, { chunk: { case: 'batch', value: { rows: batch } } });
      }
      yield create(ResultChunkSchema, { chunk: { case: 'summary', value: toExecuteResponse(await stream.summary()) } });
    } finally {
      // A consumer that stops early (client gone, error) releases the engine's connection.
      await stream.close?.();
    }
  })();
}

/**
 * encodeBounded: reads a (streaming) DuckDB result chunk by chunk into the wire encoding, and
 * stops with ERR_RESULT_TOO_LARGE as soon as the rows or their encoded size pass the limits —
 * before the rest is produced or materialized. `SELECT * FROM range(100000000)` therefore fails
 * after one chunk past the limit instead of materializing 100 M rows in DuckDB and then in JS.
 *
 * The byte count is the JSON size of the encoded rows (what the response body will carry).
 */
import type { DuckDBResult } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { duckDBTypeText } from './duckdb-type-text.ts';
import { wireValueConverter, type EncodedResult } from './result-encoding.ts';

export interface ResultLimits {
  /** K3_RESULT_MAX_ROWS */
  readonly maxRows: number;
  /** K3_RESULT_MAX_BYTES */
  readonly maxBytes: number;
}

export function resultTooLarge(what: string, limits: ResultLimits): AppError {
  return new AppError(
    'ERR_RESULT_TOO_LARGE',
    `The result is larger than this server returns in one response (${what}; limits K3_RESULT_MAX_ROWS=${limits.maxRows} rows, K3_RESULT_MAX_BYTES=${limits.maxBytes} bytes). Add a LIMIT or narrower filters, aggregate it, or read it in pages (LIMIT … OFFSET …) or through a streaming read.`,
    { maxRows: limits.maxRows, maxBytes: limits.maxBytes },
  );
}

export async function encodeBounded(result: DuckDBResult, limits: ResultLimits | undefined): Promise<EncodedResult> {
  const columns = result.columnNames().map((name, i) => ({ name, type: duckDBTypeText(result.columnType(i)) }));
  const rows: unknown[][] = [];
  let bytes = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    if (limits !== undefined && rows.length + chunk.rowCount > limits.maxRows) throw resultTooLarge(`more than ${limits.maxRows} rows`, limits);
    const converted = chunk.convertRows(wireValueConverter);
    if (limits !== undefined) {
      bytes += JSON.stringify(converted).length;
      if (bytes > limits.maxBytes) throw resultTooLarge(`more than ${limits.maxBytes} bytes`, limits);
    }
    for (const row of converted) rows.push(row);
  }
  return { columns, rows };
}

/**
 * encodeBounded: reads a (streaming) DuckDB result chunk by chunk into domain rows, and
 * stops with ERR_RESULT_TOO_LARGE as soon as the rows or their encoded size pass the limits —
 * before the rest is produced or materialized. `SELECT * FROM range(100000000)` therefore fails
 * after one chunk past the limit instead of materializing 100 M rows in DuckDB and then in JS.
 *
 * The byte count is the JSON size of the rows as the wires print them: bigints as their quoted
 * decimal text, bytes as quoted base64, Dates and the rest as JSON.stringify prints them (a close
 * estimate of the encoded body; bigint timestamps count their digits, not their text).
 */
import type { DuckDBResult } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { duckDBTypeText } from './duckdb-type-text.ts';
import { domainValueConverter } from './domain-values.ts';
import type { EncodedResult } from './result-encoding.ts';

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

/** The value a domain value prints as in JSON (for sizing only): bigint → decimal text, bytes → base64. */
function sized(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return value;
}

/** JSON length of domain rows (JSON.stringify alone throws on a bigint and prints bytes as an object). */
export function jsonSize(rows: readonly unknown[]): number {
  return JSON.stringify(rows, sized).length;
}

export async function encodeBounded(result: DuckDBResult, limits: ResultLimits | undefined): Promise<EncodedResult> {
  const columns = result.columnNames().map((name, i) => ({ name, type: duckDBTypeText(result.columnType(i)) }));
  const rows: unknown[][] = [];
  let bytes = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    if (limits !== undefined && rows.length + chunk.rowCount > limits.maxRows) throw resultTooLarge(`more than ${limits.maxRows} rows`, limits);
    const converted = chunk.convertRows(domainValueConverter);
    if (limits !== undefined) {
      bytes += jsonSize(converted);
      if (bytes > limits.maxBytes) throw resultTooLarge(`more than ${limits.maxBytes} bytes`, limits);
    }
    for (const row of converted) rows.push(row);
  }
  return { columns, rows };
}

/** The same limits for rows already built as domain values (a point lookup answered in JavaScript): one chunk's checks. */
export function boundedRows(encoded: EncodedResult, limits: ResultLimits | undefined): EncodedResult {
  if (limits === undefined || encoded.rows.length === 0) return encoded;
  if (encoded.rows.length > limits.maxRows) throw resultTooLarge(`more than ${limits.maxRows} rows`, limits);
  if (jsonSize(encoded.rows) > limits.maxBytes) throw resultTooLarge(`more than ${limits.maxBytes} bytes`, limits);
  return encoded;
}

/**
 * DuckDB result → `{ columns: [{ name, type }], rows: unknown[][] }` with the rows as domain values
 * (exec/domain-values.ts: numbers, bigints, Dates, bigint µs timestamps, Uint8Array, nested JS
 * values, exact decimal text) and each column's DuckDB type text beside them. Core formats no wire
 * value: every adapter encodes these rows by their column types (`@k3/client/sdk` `encodeRows` —
 * the contract's lossless row encoding, docs/design/execution.md has the table).
 */
import { DuckDBResultReader, type DuckDBResult } from '@duckdb/node-api';
import { domainValueConverter } from './domain-values.ts';
import { duckDBTypeText } from './duckdb-type-text.ts';

export interface EncodedColumn {
  readonly name: string;
  /** DuckDB type text, e.g. `BIGINT`, `DECIMAL(18,3)`, `STRUCT(a INTEGER)`, `JSON`. */
  readonly type: string;
}

export interface EncodedResult {
  readonly columns: EncodedColumn[];
  /** Domain values (exec/domain-values.ts), encoded by each wire adapter by `columns[i].type`. */
  readonly rows: unknown[][];
}

/** Encodes a reader whose rows have all been read (`runAndReadAll`, or `readAll()` first). */
export function encodeReader(reader: DuckDBResultReader): EncodedResult {
  const names = reader.columnNames();
  const columns = names.map((name, i) => ({ name, type: duckDBTypeText(reader.columnType(i)) }));
  return { columns, rows: reader.convertRows(domainValueConverter) };
}

/** Encodes a whole result (e.g. from `conn.run` / `conn.stream`), reading all its rows. */
export async function encodeResult(result: DuckDBResult | DuckDBResultReader): Promise<EncodedResult> {
  const reader = result instanceof DuckDBResultReader ? result : new DuckDBResultReader(result);
  await reader.readAll();
  return encodeReader(reader);
}

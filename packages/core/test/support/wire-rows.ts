/**
 * Core returns result rows as domain values (bigints, Dates, bigint µs timestamps, Uint8Array …);
 * the wires carry them in the contract's lossless JSON form. Tests whose expectations are written
 * in that wire form compare `inWireForm(result)`: the same encoding every adapter applies
 * (`@k3/client/sdk` encodeRows by each column's DuckDB type).
 */
import { encodeRows } from '@k3/client/sdk';

interface RowsWithTypes {
  readonly columns: readonly { readonly type: string }[];
  readonly rows: readonly (readonly unknown[])[];
}

/** The rows as every wire prints them. */
export function wireRows(result: RowsWithTypes): unknown[][] {
  return encodeRows(result.rows, result.columns);
}

/** `result` with its rows in the wire form (columns and every other field unchanged). */
export function inWireForm<T extends RowsWithTypes>(result: T): Omit<T, 'rows'> & { rows: unknown[][] } {
  return { ...result, rows: wireRows(result) };
}

/**
 * captureRows: the rows of a DuckDB query as WAL values — each column cast to VARCHAR, in the
 * table's column order. This is how a keyed write turns its full row images (after defaults,
 * computed by DuckDB) into a record; `captureKeys` does the same for tombstones.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import type { WalValue } from './record-codec.ts';
import type { WalTableShape } from './table-shape.ts';

/**
 * The select list that turns the columns of relation `src` into WAL text. Cast to the column type
 * first so the text is canonical for the type (1.50 → 1.5 for DOUBLE); JSON is minified with
 * json(), exactly as the Delta data-file writer stores it, so a row reads the same before and
 * after its drain.
 */
export function captureSelectList(columns: readonly { name: string; type: string }[]): string {
  return columns.map((c) => {
    const typed = `CAST(src.${q(c.name)} AS ${c.type})`;
    return `CAST(${c.type === 'JSON' ? `json(${typed})` : typed} AS VARCHAR)`;
  }).join(', ');
}

async function capture(conn: DuckDBConnection, sql: string, columns: readonly { name: string; type: string }[]): Promise<WalValue[][]> {
  try {
    const select = captureSelectList(columns);
    const reader = await conn.runAndReadAll(`SELECT ${select} FROM (${sql}) AS src`);
    return reader.getRows().map((r) => r.map((v) => (v === null ? null : String(v))));
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

/**
 * Full rows of `sql` plus, in the same DuckDB call, whether some row has a value whose text does
 * not read back (`differs`: a boolean expression over alias `src`, storable.ts textRoundTripDiffers).
 * undefined when the query fails or some row differs: the caller then runs the separate checks,
 * which report the canonical error.
 */
export async function captureRowsIfRoundTrip(conn: DuckDBConnection, sql: string, shape: WalTableShape, differs: string): Promise<WalValue[][] | undefined> {
  let rows: unknown[][];
  try {
    rows = (await conn.runAndReadAll(roundTripCaptureSql(sql, shape, differs))).getRows();
  } catch {
    return undefined;
  }
  return roundTripRows(rows, shape);
}

/**
 * Integer types whose JS value (number or bigint from @duckdb/node-api) prints, with String(), as
 * exactly DuckDB's VARCHAR text of the value (plain decimal, '-' sign): captured typed, they skip
 * DuckDB's cast to text and the UTF-8 decode of every value (wip/bulk6; `roundTripRows` prints them).
 */
export const INTEGER_TYPES: ReadonlySet<string> = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);

/** The query captureRowsIfRoundTrip runs (for a caller sending it in a call of its own). Its rows go through roundTripRows. */
export function roundTripCaptureSql(sql: string, shape: WalTableShape, differs: string): string {
  return `SELECT ${roundTripSelectList(shape)}, (${differs}) AS __k3_differs FROM (${sql}) AS src`;
}

/** roundTripCaptureSql's select list over relation `src` (for a caller adding columns of its own; roundTripRows reads them). */
export function roundTripSelectList(shape: WalTableShape): string {
  return shape.columns.map((c) => (INTEGER_TYPES.has(c.type) ? `CAST(src.${q(c.name)} AS ${c.type})` : captureSelectList([c]))).join(', ');
}

/** The rows of roundTripCaptureSql as write-log values; undefined when some value does not read back. */
export function roundTripRows(rows: readonly unknown[][], shape: WalTableShape): WalValue[][] | undefined {
  const n = shape.columns.length;
  const out: WalValue[][] = new Array<WalValue[]>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r[n] !== false) return undefined;
    const values = new Array<WalValue>(n);
    for (let j = 0; j < n; j++) values[j] = r[j] === null ? null : String(r[j]);
    out[i] = values;
  }
  return out;
}

/** A round-trip capture read column-wise (wip/bulk7): the rows it captured and their write-log values (undefined: some value does not read back). */
export interface RoundTripCapture {
  readonly count: number;
  readonly values: WalValue[][] | undefined;
}

/**
 * `roundTripRows` of a roundTripCaptureSql result read by column (`reader.getColumns()`: one
 * vector walk per column, no per-row value arrays) — the same values: String() of each non-null
 * value, undefined as soon as one row's `__k3_differs` is not false.
 */
export function roundTripColumns(columns: readonly (readonly unknown[])[], shape: WalTableShape): RoundTripCapture {
  const n = shape.columns.length;
  const differs = columns[n] ?? [];
  const count = differs.length;
  for (let i = 0; i < count; i++) if (differs[i] !== false) return { count, values: undefined };
  const out: WalValue[][] = new Array<WalValue[]>(count);
  for (let i = 0; i < count; i++) out[i] = new Array<WalValue>(n);
  for (let j = 0; j < n; j++) {
    const column = columns[j] ?? [];
    // wip/bulk11: a text equal to the previous row's is stored as that same string, so a repeated
    // value (a status, a constant) keeps one string alive in the write-log rows and the overlay,
    // not one per row (the copies die young instead of being promoted with the rows).
    let prev: string | undefined;
    for (let i = 0; i < count; i++) {
      const v = column[i];
      if (typeof v === 'string') {
        if (v !== prev) prev = v;
        out[i]![j] = prev;
      } else out[i]![j] = v === null ? null : String(v);
    }
  }
  return { count, values: out };
}

/** Full rows (every table column, by name) of `sql`. */
export function captureRows(conn: DuckDBConnection, sql: string, shape: WalTableShape): Promise<WalValue[][]> {
  return capture(conn, sql, shape.columns);
}

/** Primary-key tuples of `sql`'s rows. */
export function captureKeys(conn: DuckDBConnection, sql: string, shape: WalTableShape): Promise<WalValue[][]> {
  return capture(conn, sql, shape.primaryKey.map((k) => shape.columns.find((c) => c.name === k)!));
}

/**
 * The bridge between DuckDB result values and the reducer, both ways: `toReduceValue` turns a
 * partial result cell into the reducer's representation (reduce/value.ts), and `loadRelation`
 * materializes reduced rows as a TEMP table with exact types, so FINAL SQL runs over the same types
 * DuckDB would have produced on a single node (HUGEINT sums stay HUGEINT, DECIMAL keeps its scale).
 *
 * Invariants: lossless for every type the planner lets through (integers, HUGEINT, DECIMAL,
 * floating point incl. NaN/±Infinity/-0, VARCHAR, BLOB, BOOLEAN, DATE, TIMESTAMP[TZ], UUID);
 * nested and other types are refused with ERR_SQL_UNSUPPORTED so the caller can fall back.
 */
import {
  DuckDBBlobValue, DuckDBDateValue, DuckDBDecimalValue, DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBUUIDValue,
  type DuckDBConnection, type DuckDBValue,
} from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { quoteIdentifier, quoteLiteral } from '../exec/sql-quote.ts';
import type { ColumnSpec, ReduceValue } from '../reduce/index.ts';

function unsupported(what: string): AppError {
  return new AppError('ERR_SQL_UNSUPPORTED', `A federated partial result holds a ${what} value, which the reducer does not carry; the query must run on a single node.`, { type: what });
}

export function toReduceValue(v: DuckDBValue): ReduceValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return v;
  if (v instanceof DuckDBDecimalValue) return v.value;
  if (v instanceof DuckDBDateValue) return v.days;
  if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return v.micros;
  if (v instanceof DuckDBBlobValue) return new Uint8Array(v.bytes);
  if (v instanceof DuckDBUUIDValue) return v.toString();
  throw unsupported(v.constructor.name);
}

function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

function doubleText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  return Object.is(n, -0) ? '-0.0' : String(n);
}

/** A SQL literal of DuckDB type `type` holding `v`. */
export function typedLiteral(v: ReduceValue, type: string): string {
  const t = type.toUpperCase();
  if (v === null) return `CAST(NULL AS ${type})`;
  const dec = /^DECIMAL\(\s*\d+\s*,\s*(\d+)\s*\)$/.exec(t);
  if (dec && typeof v === 'bigint') return `CAST(${quoteLiteral(decimalText(v, Number(dec[1])))} AS ${type})`;
  if (t === 'DATE' && typeof v === 'number') return `CAST(DATE '1970-01-01' + ${v} AS DATE)`;
  if ((t === 'TIMESTAMP' || t === 'TIMESTAMP WITH TIME ZONE') && typeof v === 'bigint') return `CAST(make_timestamp(${v}::BIGINT) AS ${type})`;
  if (typeof v === 'number' && (t === 'DOUBLE' || t === 'FLOAT' || t === 'REAL')) return `CAST(${quoteLiteral(doubleText(v))} AS ${type})`;
  if (typeof v === 'number' || typeof v === 'bigint') return `CAST(${quoteLiteral(String(v))} AS ${type})`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return `CAST(${quoteLiteral(v)} AS ${type})`;
  if (v instanceof Uint8Array && t === 'BLOB') return `unhex(${quoteLiteral(Buffer.from(v).toString('hex'))})`;
  throw unsupported(type);
}

const BATCH = 500;

/**
 * `finalSql` with `name` bound by a leading CTE that holds `rows` as typed literals — the same
 * relation `loadRelation` would create, without the two DuckDB calls (CREATE, INSERT) before the
 * FINAL statement: the reducer's few merged rows ride in the statement that reads them. Undefined
 * when the rows are too many for one statement's text (more than one INSERT batch), there are no
 * columns, or `finalSql` has a WITH of its own; the caller then loads the TEMP table.
 */
export function withRelationCte(finalSql: string, name: string, columns: readonly ColumnSpec[], rows: readonly (readonly ReduceValue[])[]): string | undefined {
  if (rows.length > BATCH || columns.length === 0 || /^\s*WITH\b/i.test(finalSql)) return undefined;
  const types = columns.map((c) => (c.type === 'NULL' ? 'INTEGER' : c.type));
  const names = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const body = rows.length === 0
    ? `SELECT ${types.map((t, j) => `CAST(NULL AS ${t}) AS ${quoteIdentifier(columns[j]!.name)}`).join(', ')} WHERE false`
    : `SELECT * FROM (VALUES ${rows.map((r) => `(${types.map((t, j) => typedLiteral(r[j] ?? null, t)).join(', ')})`).join(', ')}) AS __k3_values(${names})`;
  return `WITH ${quoteIdentifier(name)} AS (${body}) ${finalSql}`;
}

/** (Re)creates TEMP table `name` with `columns` and inserts `rows`. */
export async function loadRelation(conn: DuckDBConnection, name: string, columns: readonly ColumnSpec[], rows: readonly (readonly ReduceValue[])[]): Promise<void> {
  // A column whose type is still unknown (no partial ever arrived) holds only NULLs.
  const types = columns.map((c) => (c.type === 'NULL' ? 'INTEGER' : c.type));
  const defs = columns.map((c, i) => `${quoteIdentifier(c.name)} ${types[i]!}`).join(', ');
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(name)} (${defs})`);
  for (let i = 0; i < rows.length; i += BATCH) {
    const values = rows.slice(i, i + BATCH).map((r) => `(${types.map((t, j) => typedLiteral(r[j] ?? null, t)).join(', ')})`);
    await conn.run(`INSERT INTO ${quoteIdentifier(name)} VALUES ${values.join(', ')}`);
  }
}

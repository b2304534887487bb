/**
 * The eleven k3 column types and their three faces: the wire enum (ColumnType), the DuckDB type a
 * table column has in SQL, and the Delta field it is stored as. A k3 `json` column is a Delta
 * `string` tagged with column metadata `k3.type = COLUMN_TYPE_JSON` (other Delta readers see text).
 *
 * Two mappings from DuckDB types: `columnTypeOfDeclared` for CREATE TABLE / ADD COLUMN (strict: the
 * eleven types plus TIMESTAMPTZ, which is stored as the same UTC instant), and `inferColumnType`
 * for CTAS (the seeds' inference: integers → long, fractional → double, nested → json).
 */
import { ColumnType } from '../api/index.ts';
import { K3_COLUMN_META, type DataType, type StructField } from '../delta/schema.ts';
import { AppError } from '../errors/index.ts';

export const COLUMN_TYPE_DUCKDB = {
  [ColumnType.STRING]: 'VARCHAR',
  [ColumnType.INT]: 'INTEGER',
  [ColumnType.LONG]: 'BIGINT',
  [ColumnType.SHORT]: 'SMALLINT',
  [ColumnType.FLOAT]: 'FLOAT',
  [ColumnType.DOUBLE]: 'DOUBLE',
  [ColumnType.BOOLEAN]: 'BOOLEAN',
  [ColumnType.DATE]: 'DATE',
  [ColumnType.TIMESTAMP]: 'TIMESTAMP',
  [ColumnType.BINARY]: 'BLOB',
  [ColumnType.JSON]: 'JSON',
} as const;

export type StorableColumnType = keyof typeof COLUMN_TYPE_DUCKDB;

const COLUMN_TYPE_DELTA: Record<StorableColumnType, DataType> = {
  [ColumnType.STRING]: 'string',
  [ColumnType.INT]: 'integer',
  [ColumnType.LONG]: 'long',
  [ColumnType.SHORT]: 'short',
  [ColumnType.FLOAT]: 'float',
  [ColumnType.DOUBLE]: 'double',
  [ColumnType.BOOLEAN]: 'boolean',
  [ColumnType.DATE]: 'date',
  [ColumnType.TIMESTAMP]: 'timestamp',
  [ColumnType.BINARY]: 'binary',
  [ColumnType.JSON]: 'string',
};

const TYPE_LIST = 'VARCHAR (string), INTEGER (int), BIGINT (long), SMALLINT (short), FLOAT, DOUBLE, BOOLEAN, DATE, TIMESTAMP, BLOB (binary), JSON';

export function isStorableColumnType(t: string): t is StorableColumnType {
  return Object.hasOwn(COLUMN_TYPE_DUCKDB, t);
}

/** CREATE TABLE / ADD COLUMN: the k3 type of a declared DuckDB type (as duckdb_columns() prints it). */
export function columnTypeOfDeclared(duckdbType: string, column: string): StorableColumnType {
  const t = duckdbType.toUpperCase();
  if (t === 'TIMESTAMP WITH TIME ZONE' || t === 'TIMESTAMPTZ') return ColumnType.TIMESTAMP;
  for (const [k3, duck] of Object.entries(COLUMN_TYPE_DUCKDB)) if (duck === t) return k3 as StorableColumnType;
  throw new AppError(
    'ERR_TYPE_MISMATCH',
    `Column "${column}" has type ${duckdbType}, which k3 tables cannot store. Use one of the eleven column types: ${TYPE_LIST}.`,
    { column, type: duckdbType },
  );
}

/** CTAS: the k3 type a query column of DuckDB type `duckdbType` is stored as. */
export function inferColumnType(duckdbType: string): StorableColumnType {
  const t = duckdbType.toUpperCase();
  if (/\[\d*\]$/.test(t) || /^(STRUCT|MAP|UNION|LIST)\b/.test(t)) return ColumnType.JSON;
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|BIGNUM|VARINT)$/.test(t)) return ColumnType.LONG;
  if (/^(DECIMAL|NUMERIC)\b/.test(t) || t === 'FLOAT' || t === 'DOUBLE') return ColumnType.DOUBLE;
  if (t === 'BOOLEAN') return ColumnType.BOOLEAN;
  if (t === 'DATE') return ColumnType.DATE;
  if (t.startsWith('TIMESTAMP')) return ColumnType.TIMESTAMP;
  if (t === 'BLOB') return ColumnType.BINARY;
  if (t === 'JSON') return ColumnType.JSON;
  // VARCHAR, UUID, ENUM, TIME, INTERVAL, BIT, …: their text form.
  return ColumnType.STRING;
}

/** SQL turning a query column of type `duckdbType` into the stored value of `target`. */
export function castForStorage(expr: string, duckdbType: string, target: StorableColumnType): string {
  if (target === ColumnType.JSON) {
    return duckdbType.toUpperCase() === 'JSON' ? expr : `to_json(${expr})`;
  }
  return `CAST(${expr} AS ${COLUMN_TYPE_DUCKDB[target]})`;
}

export function duckdbTypeOf(t: StorableColumnType): string {
  return COLUMN_TYPE_DUCKDB[t];
}

export interface ColumnSpec {
  readonly name: string;
  readonly type: StorableColumnType;
  readonly nullable: boolean;
  /** '' = no default. */
  readonly defaultExpression: string;
}

export function columnToField(col: ColumnSpec): StructField {
  const metadata: Record<string, unknown> = {};
  if (col.type === ColumnType.JSON) metadata[K3_COLUMN_META.type] = ColumnType.JSON;
  if (col.defaultExpression !== '') metadata[K3_COLUMN_META.default] = col.defaultExpression;
  return { name: col.name, type: COLUMN_TYPE_DELTA[col.type], nullable: col.nullable, metadata };
}

const DELTA_COLUMN_TYPE: Record<string, ColumnType> = {
  string: ColumnType.STRING, integer: ColumnType.INT, long: ColumnType.LONG, short: ColumnType.SHORT,
  byte: ColumnType.SHORT, float: ColumnType.FLOAT, double: ColumnType.DOUBLE, boolean: ColumnType.BOOLEAN,
  date: ColumnType.DATE, timestamp: ColumnType.TIMESTAMP, timestamp_ntz: ColumnType.TIMESTAMP, binary: ColumnType.BINARY,
};

/** The wire type of a Delta field; tables written by other engines may hold types k3 has no name for. */
export function columnTypeOfField(field: StructField): ColumnType {
  if (field.metadata?.[K3_COLUMN_META.type] === ColumnType.JSON) return ColumnType.JSON;
  if (typeof field.type === 'string') {
    if (field.type.startsWith('decimal')) return ColumnType.DOUBLE;
    return DELTA_COLUMN_TYPE[field.type] ?? ColumnType.UNSPECIFIED;
  }
  return ColumnType.JSON;
}

export function defaultOfField(field: StructField): string {
  const d = field.metadata?.[K3_COLUMN_META.default];
  return typeof d === 'string' ? d : '';
}

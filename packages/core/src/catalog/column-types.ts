/**
 * Table column types. A k3 column is a DuckDB type (`duckdbType`, the exact type text DuckDB
 * prints); it is stored as a Delta field (exec/duckdb-types.ts `storageOfDuckDBType`) and reported
 * on the wire with the API enum beside the type text:
 *
 * - The eleven API types (ColumnType) are the columns whose DuckDB type is exactly one of
 *   VARCHAR, INTEGER, BIGINT, SMALLINT, FLOAT, DOUBLE, BOOLEAN, DATE, TIMESTAMP, BLOB, JSON.
 * - Every other storable column (DECIMAL, TINYINT, TIMESTAMPTZ, LIST/ARRAY, STRUCT, MAP, UUID,
 *   HUGEINT, …) reports COLUMN_TYPE_UNSPECIFIED; `duckdbType` says what it is (docs/api.md).
 * - A k3 `json` column is a Delta `string` tagged `k3.type = COLUMN_TYPE_JSON`; a type with no
 *   Delta twin carries `k3.duckdbType` (its DuckDB type text) so that reading restores it.
 *
 * CREATE TABLE, CTAS, ADD COLUMN and the structured CreateTable request all go through
 * `columnSpecOf`, which refuses types Delta cannot hold (UNION, TIMESTAMP_NS, …) with the advice.
 */
import { ColumnType } from '../api/index.ts';
import { K3_COLUMN_META, type StructField } from '../delta/schema.ts';
import { AppError, isAppError } from '../errors/index.ts';
import { fieldToDuckDBType, storageOfDuckDBType } from '../exec/duckdb-types.ts';

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

const ENUM_OF_DUCKDB = new Map<string, ColumnType>(Object.entries(COLUMN_TYPE_DUCKDB).map(([k3, duck]) => [duck, k3 as ColumnType]));

export function isStorableColumnType(t: string): t is StorableColumnType {
  return Object.hasOwn(COLUMN_TYPE_DUCKDB, t);
}

/** The API enum of a column's DuckDB type: one of the eleven, else COLUMN_TYPE_UNSPECIFIED. */
export function columnTypeOfDuckDB(duckdbType: string): ColumnType {
  return ENUM_OF_DUCKDB.get(duckdbType) ?? ColumnType.UNSPECIFIED;
}

export interface ColumnSpec {
  readonly name: string;
  /** The DuckDB type text of the column (e.g. `DECIMAL(18,2)`, `STRUCT(a INTEGER)[]`, `UUID`). */
  readonly duckdbType: string;
  readonly nullable: boolean;
  /** '' = no default. */
  readonly defaultExpression: string;
}

/** A column spec, refusing (ERR_SQL_UNSUPPORTED, naming the column) types Delta cannot store. */
export function columnSpecOf(name: string, duckdbType: string, nullable: boolean, defaultExpression: string): ColumnSpec {
  try {
    storageOfDuckDBType(duckdbType);
  } catch (err) {
    if (isAppError(err)) throw new AppError(err.code, `Column "${name}": ${err.message}`, { column: name, ...err.details });
    throw err;
  }
  // DuckDB spells TIMESTAMPTZ `TIMESTAMP WITH TIME ZONE`; the text is kept as DuckDB printed it.
  return { name, duckdbType, nullable, defaultExpression };
}

/** A CTAS query column of type `duckdbType` (NULL-typed columns become INTEGER, as in DuckDB). */
export function ctasColumnType(duckdbType: string): string {
  return duckdbType === '"NULL"' || duckdbType === 'NULL' ? 'INTEGER' : duckdbType;
}

export function columnToField(col: ColumnSpec): StructField {
  const storage = storageOfDuckDBType(col.duckdbType);
  const metadata: Record<string, unknown> = {};
  if (col.duckdbType === 'JSON') metadata[K3_COLUMN_META.type] = ColumnType.JSON;
  else if (storage.restore) metadata[K3_COLUMN_META.duckdbType] = col.duckdbType;
  if (col.defaultExpression !== '') metadata[K3_COLUMN_META.default] = col.defaultExpression;
  return { name: col.name, type: storage.type, nullable: col.nullable, metadata };
}

/** The API enum of a Delta field (tables written by other engines included). */
export function columnTypeOfField(field: StructField): ColumnType {
  return columnTypeOfDuckDB(fieldToDuckDBType(field));
}

export function defaultOfField(field: StructField): string {
  const d = field.metadata?.[K3_COLUMN_META.default];
  return typeof d === 'string' ? d : '';
}

/**
 * The Delta schema model (PROTOCOL.md "Schema Serialization Format"): `schemaString` parses into a
 * StructType. Column metadata keys starting with `k3.` carry k3's own column facts (the semantic
 * type `json`, default expressions); other engines ignore them.
 */
export type PrimitiveType =
  | 'string' | 'long' | 'integer' | 'short' | 'byte' | 'float' | 'double' | 'boolean'
  | 'binary' | 'date' | 'timestamp' | 'timestamp_ntz' | `decimal(${number},${number})`;

export interface StructField {
  name: string;
  type: DataType;
  nullable: boolean;
  metadata: Record<string, unknown>;
}

export interface StructType {
  type: 'struct';
  fields: StructField[];
}

export interface ArrayType {
  type: 'array';
  elementType: DataType;
  containsNull: boolean;
}

export interface MapType {
  type: 'map';
  keyType: DataType;
  valueType: DataType;
  valueContainsNull: boolean;
}

export type DataType = PrimitiveType | StructType | ArrayType | MapType;

/** Column metadata keys k3 writes. */
export const K3_COLUMN_META = {
  /** The k3 ColumnType wire name when it differs from what the Delta type implies (e.g. `COLUMN_TYPE_JSON`). */
  type: 'k3.type',
  /** The column's default expression, as given at creation. */
  default: 'k3.default',
  /**
   * The exact DuckDB type text of a column whose type has no Delta twin (UUID, HUGEINT,
   * TIMESTAMPTZ, ENUM(…), INTEGER[3], …): the Delta type stores it losslessly, this restores it.
   */
  duckdbType: 'k3.duckdbType',
} as const;

/** Table configuration keys k3 writes into metaData.configuration. */
export const K3_TABLE_CONFIG = {
  /** JSON array of the merge-key (primary key) column names, in key order. */
  primaryKey: 'k3.primaryKey',
  /** Table description. */
  description: 'k3.description',
} as const;

export function parseSchemaString(schemaString: string): StructType {
  const parsed = JSON.parse(schemaString) as unknown;
  if (typeof parsed !== 'object' || parsed === null || (parsed as { type?: unknown }).type !== 'struct') {
    throw new Error('schemaString is not a struct type');
  }
  return parsed as StructType;
}

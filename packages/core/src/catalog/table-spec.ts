/**
 * TableSpec: the one internal description of a table to create, built from SQL (CREATE TABLE,
 * CTAS) or from the structured CreateTable request, validated the same way, and turned into the
 * Delta `metaData` action. It is also read back from a snapshot for ALTER TABLE and write binding.
 *
 * Invariants after `validateTableSpec`: names are valid and unique (case-insensitively, as DuckDB
 * resolves them); primary-key columns exist and are NOT NULL; partition columns exist and have a
 * type Delta can put in a partition path (not json/binary/float/double). Partitioning by every
 * column is allowed, as DuckDB has no such rule (the file writer stores a placeholder column).
 */
import { randomUUID } from 'node:crypto';
import type { ColumnType, CreateTableRequest } from '../api/index.ts';
import type { Metadata } from '../delta/actions.ts';
import { constraintConfiguration, type CheckConstraint } from '../delta/check-constraints.ts';
import { K3_TABLE_CONFIG, type StructType } from '../delta/schema.ts';
import { CHANGE_DATA_FEED_PROPERTY } from '../delta/table-metadata.ts';
import { AppError } from '../errors/index.ts';
import { fieldToDuckDBType, storageOfDuckDBType } from '../exec/duckdb-types.ts';
import { COLUMN_TYPE_DUCKDB, columnSpecOf, columnToField, columnTypeOfField, defaultOfField, isStorableColumnType, type ColumnSpec } from './column-types.ts';
import { assertValidColumnName, assertValidTableName } from './table-name.ts';

export interface TableSpec {
  readonly name: string;
  readonly description: string;
  readonly columns: readonly ColumnSpec[];
  readonly partitionColumns: readonly string[];
  readonly primaryKey: readonly string[];
  /** CHECK constraints (stored as `delta.constraints.<name>`). */
  readonly checks?: readonly CheckConstraint[];
  /** Record the Change Data Feed (`delta.enableChangeDataFeed=true`, protocol writer 4). Default off. */
  readonly changeDataFeed?: boolean;
}

/** Table properties k3 accepts at CREATE TABLE (`WITH (…)` / `TBLPROPERTIES (…)`), Delta's names. */
export const SUPPORTED_TABLE_PROPERTIES: readonly string[] = [CHANGE_DATA_FEED_PROPERTY];

/** The TableSpec fields table properties set; unknown keys and non-boolean values → ERR_BAD_REQUEST. */
export function specFromProperties(properties: Readonly<Record<string, string>>): Pick<TableSpec, 'changeDataFeed'> {
  let changeDataFeed: boolean | undefined;
  for (const [key, raw] of Object.entries(properties)) {
    if (key.toLowerCase() !== CHANGE_DATA_FEED_PROPERTY.toLowerCase()) {
      throw new AppError('ERR_BAD_REQUEST', `Table property "${key}" is not supported; k3 accepts ${SUPPORTED_TABLE_PROPERTIES.join(', ')} at CREATE TABLE.`, { property: key });
    }
    const value = raw.toLowerCase();
    if (value !== 'true' && value !== 'false') {
      throw new AppError('ERR_BAD_REQUEST', `Table property ${CHANGE_DATA_FEED_PROPERTY} is true or false (got ${JSON.stringify(raw)}).`, { property: key, value: raw });
    }
    changeDataFeed = value === 'true';
  }
  return changeDataFeed === undefined ? {} : { changeDataFeed };
}

/** Delta can put these in a partition path (and k3 reads them back exactly). */
function isPartitionable(col: ColumnSpec): boolean {
  if (col.duckdbType === 'JSON') return false;
  const t = storageOfDuckDBType(col.duckdbType).type;
  return typeof t === 'string' && t !== 'binary' && t !== 'float' && t !== 'double';
}

/** Resolves `name` against the columns like DuckDB does (exact first, then case-insensitive). */
export function findColumn(columns: readonly ColumnSpec[], name: string): ColumnSpec | undefined {
  return columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

/** Validates and normalizes (PK columns become NOT NULL; key/partition names take the column's spelling). */
export function validateTableSpec(spec: TableSpec): TableSpec {
  assertValidTableName(spec.name);
  if (spec.columns.length === 0) {
    throw new AppError('ERR_BAD_REQUEST', `Table ${spec.name} needs at least one column.`, { table: spec.name });
  }
  const seen = new Set<string>();
  for (const c of spec.columns) {
    assertValidColumnName(c.name);
    if (seen.has(c.name.toLowerCase())) {
      throw new AppError('ERR_COLUMN_EXISTS', `Column "${c.name}" appears twice in table ${spec.name}; column names must be unique (case-insensitively).`, { column: c.name });
    }
    seen.add(c.name.toLowerCase());
  }
  const resolve = (name: string, role: string): ColumnSpec => {
    const col = findColumn(spec.columns, name);
    if (col === undefined) {
      throw new AppError('ERR_BAD_REQUEST', `The ${role} column "${name}" is not a column of table ${spec.name}; columns are: ${spec.columns.map((c) => c.name).join(', ')}.`, { column: name, role });
    }
    return col;
  };
  const primaryKey = spec.primaryKey.map((k) => resolve(k, 'primary key').name);
  const partitionColumns = spec.partitionColumns.map((p) => {
    const col = resolve(p, 'partition');
    if (!isPartitionable(col)) {
      throw new AppError('ERR_BAD_REQUEST', `Column "${col.name}" of type ${col.duckdbType} cannot be a partition column; partition by a string, integer, decimal, boolean, date or timestamp column.`, { column: col.name });
    }
    return col.name;
  });
  for (const list of [primaryKey, partitionColumns]) {
    if (new Set(list).size !== list.length) throw new AppError('ERR_BAD_REQUEST', `Column list (${list.join(', ')}) names a column twice.`);
  }
  const keySet = new Set(primaryKey);
  const columns = spec.columns.map((c) => (keySet.has(c.name) && c.nullable ? { ...c, nullable: false } : c));
  return { ...spec, columns, primaryKey, partitionColumns };
}

export function specFromRequest(req: CreateTableRequest): TableSpec {
  const columns = (req.columns ?? []).map((c): ColumnSpec => {
    const nullable = c.nullable !== false;
    const dflt = (c.defaultExpression ?? '').trim();
    // `duckdbType` (any storable DuckDB type) wins over the enum; the enum alone is one of the eleven.
    if (typeof c.duckdbType === 'string' && c.duckdbType.trim() !== '') return columnSpecOf(c.name, c.duckdbType.trim(), nullable, dflt);
    if (!isStorableColumnType(c.type)) {
      throw new AppError('ERR_TYPE_MISMATCH', `Column "${c.name}" has type ${String(c.type)}; use one of the eleven COLUMN_TYPE_* values (STRING, INT, LONG, SHORT, FLOAT, DOUBLE, BOOLEAN, DATE, TIMESTAMP, BINARY, JSON), or give any DuckDB type as duckdbType (e.g. "DECIMAL(18,2)").`, { column: c.name });
    }
    return { name: c.name, duckdbType: COLUMN_TYPE_DUCKDB[c.type], nullable, defaultExpression: dflt };
  });
  return { name: req.name, description: req.description ?? '', columns, partitionColumns: req.partitionColumns ?? [], primaryKey: req.mergeKeys ?? [], ...(req.enableChangeDataFeed === true ? { changeDataFeed: true } : {}) };
}

export function schemaOf(spec: TableSpec): StructType {
  return { type: 'struct', fields: spec.columns.map(columnToField) };
}

export function metadataOf(spec: TableSpec, createdTime: number): Metadata {
  const configuration: Record<string, string> = constraintConfiguration(spec.checks ?? []);
  if (spec.primaryKey.length > 0) configuration[K3_TABLE_CONFIG.primaryKey] = JSON.stringify(spec.primaryKey);
  if (spec.changeDataFeed === true) configuration[CHANGE_DATA_FEED_PROPERTY] = 'true';
  return {
    id: randomUUID(),
    name: spec.name,
    description: spec.description === '' ? null : spec.description,
    format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify(schemaOf(spec)),
    partitionColumns: [...spec.partitionColumns],
    configuration,
    createdTime,
  };
}

/**
 * The table's primary key: `metaData.configuration['k3.primaryKey']`, a JSON array of column
 * names; [] when absent or empty. The ONE reader of the property (SQL path, write log, compactor
 * agree on whether a table is keyed): a malformed value is ERR_DELTA_LOG_CORRUPT, never "unkeyed".
 */
export function primaryKeyOf(metadata: Pick<Metadata, 'configuration'>): string[] {
  const raw = metadata.configuration?.[K3_TABLE_CONFIG.primaryKey];
  if (raw === undefined || raw === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((k) => typeof k === 'string' && k !== '')) {
    throw new AppError('ERR_DELTA_LOG_CORRUPT', `Table property ${K3_TABLE_CONFIG.primaryKey} is ${JSON.stringify(raw)}, not a JSON array of column names; set it to e.g. ["id"] (or remove it) with a Delta client.`, { property: K3_TABLE_CONFIG.primaryKey, value: raw });
  }
  return parsed as string[];
}

/** The columns of an existing table with their API enum (UNSPECIFIED outside the eleven). */
export function columnsOf(schema: StructType): Array<ColumnSpec & { type: ColumnType }> {
  return schema.fields.map((f) => ({ name: f.name, type: columnTypeOfField(f), duckdbType: fieldToDuckDBType(f), nullable: f.nullable, defaultExpression: defaultOfField(f) }));
}

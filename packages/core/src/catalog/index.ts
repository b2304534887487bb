export { Catalog, type BucketStores, type CatalogOptions, type TableHandle } from './catalog.ts';
export { SnapshotCache } from './snapshot-cache.ts';
export { describeSnapshot } from './describe-table.ts';
export { assertValidColumnName, assertValidTableName, isValidTableName } from './table-name.ts';
export {
  COLUMN_TYPE_DUCKDB, columnSpecOf, columnToField, columnTypeOfDuckDB, columnTypeOfField, ctasColumnType,
  isStorableColumnType, type ColumnSpec, type StorableColumnType,
} from './column-types.ts';
export { columnsOf, findColumn, metadataOf, primaryKeyOf, schemaOf, specFromProperties, specFromRequest, validateTableSpec, SUPPORTED_TABLE_PROPERTIES, type TableSpec } from './table-spec.ts';

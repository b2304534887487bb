/**
 * DuckDB type → the type text DuckDB itself prints (`typeof()`, DESCRIBE), including aliases such
 * as `JSON` at any nesting depth. `@duckdb/node-api`'s own `toString()` drops aliases and always
 * quotes STRUCT field names, so k3 prints types here. Checked against `typeof()` by tests.
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { DUCKDB_KEYWORDS } from './duckdb-keywords.ts';

/** A STRUCT field / UNION tag name as DuckDB prints it in type text. */
export function fieldName(name: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !DUCKDB_KEYWORDS.has(name.toLowerCase());
  return plain ? name : `"${name.replaceAll('"', '""')}"`;
}

export function duckDBTypeText(type: DuckDBType): string {
  if (type.alias !== undefined && type.alias !== '') return type.alias;
  switch (type.typeId) {
    case DuckDBTypeId.LIST:
      return `${duckDBTypeText(type.valueType)}[]`;
    case DuckDBTypeId.ARRAY:
      return `${duckDBTypeText(type.valueType)}[${type.length}]`;
    case DuckDBTypeId.MAP:
      return `MAP(${duckDBTypeText(type.keyType)}, ${duckDBTypeText(type.valueType)})`;
    case DuckDBTypeId.STRUCT:
      return `STRUCT(${type.entryNames.map((n, i) => `${fieldName(n)} ${duckDBTypeText(type.entryTypes[i]!)}`).join(', ')})`;
    case DuckDBTypeId.UNION:
      return `UNION(${type.memberTags.map((n, i) => `${fieldName(n)} ${duckDBTypeText(type.memberTypes[i]!)}`).join(', ')})`;
    case DuckDBTypeId.DECIMAL:
      return `DECIMAL(${type.width},${type.scale})`;
    default:
      return type.toString();
  }
}

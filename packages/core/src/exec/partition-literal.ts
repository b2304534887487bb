/**
 * A typed partition value (delta/partition-values.ts) as a SQL constant of the column's DuckDB
 * type. Partition columns of a bound snapshot are these constants, never values parsed from
 * directory names, and always carry an explicit type so NULLs and every group agree.
 */
import type { DataType, StructField } from '../delta/schema.ts';
import type { PartitionValue } from '../delta/partition-values.ts';
import { AppError } from '../errors/index.ts';
import { deltaToDuckDBType, fieldToDuckDBType } from './duckdb-types.ts';
import { quoteLiteral } from './sql-quote.ts';

export function partitionLiteral(value: PartitionValue | undefined, type: DataType, column: string): string {
  const sqlType = deltaToDuckDBType(type);
  if (value === null || value === undefined) return `NULL::${sqlType}`;
  switch (typeof value) {
    case 'string':
      // string, decimal (exact text), date ('YYYY-MM-DD'); any other type given as text casts too.
      return `CAST(${quoteLiteral(value)} AS ${sqlType})`;
    case 'boolean':
      return `${value ? 'true' : 'false'}::${sqlType}`;
    case 'bigint':
      // long, or timestamp / timestamp_ntz as epoch microseconds.
      return type === 'timestamp' || type === 'timestamp_ntz' ? `make_timestamp(${value}::BIGINT)` : `CAST(${value} AS ${sqlType})`;
    case 'number':
      // Through text: covers NaN/Infinity and exponents; '0.1'::FLOAT rounds exactly like a writer would.
      return `CAST(${quoteLiteral(Number.isNaN(value) ? 'NaN' : String(value))} AS ${sqlType})`;
    default:
      if (value instanceof Uint8Array) return `unhex(${quoteLiteral(Buffer.from(value).toString('hex'))})`;
      throw new AppError('ERR_INTERNAL', `Partition value of column "${column}" has an unexpected JS type ${typeof value}.`, { column });
  }
}

/** `partitionLiteral` of a column, cast to the column's DuckDB type when it is restored (k3.duckdbType). */
export function partitionFieldLiteral(value: PartitionValue | undefined, field: StructField): string {
  const literal = partitionLiteral(value, field.type, field.name);
  const sqlType = fieldToDuckDBType(field);
  return sqlType === deltaToDuckDBType(field.type) ? literal : `CAST(${literal} AS ${sqlType})`;
}

/**
 * A change plan (change-plan.ts) as one DuckDB SELECT: the table's columns (schema of the end
 * version) + `_change_type` VARCHAR, `_commit_version` BIGINT, `_commit_timestamp` TIMESTAMP (UTC),
 * the column names and types Spark's `table_changes` answers. Files are read exactly like a
 * snapshot (exec's snapshotSelectSql: typed partition constants, missing columns NULL, casts to the
 * table types), one branch per version and kind, joined with UNION ALL.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructType } from '../delta/schema.ts';
import type { ActiveFile } from '../delta/snapshot.ts';
import { snapshotSelectSql } from '../exec/bind-snapshot.ts';
import { fieldToDuckDBType } from '../exec/duckdb-types.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import { CHANGE_TYPE_COLUMN, COMMIT_TIMESTAMP_COLUMN, COMMIT_VERSION_COLUMN, changeDataSchema, changeTypeRankSql } from './change-columns.ts';
import type { ChangePlan } from './change-plan.ts';

export async function changesSelectSql(conn: DuckDBConnection, plan: ChangePlan, paths: ReadonlyMap<string, string>): Promise<string> {
  const cols = plan.schema.fields.map((f) => q(f.name));
  const ct = q(CHANGE_TYPE_COLUMN);
  const meta = (version: number, timestamp: number): string => `${version}::BIGINT AS ${q(COMMIT_VERSION_COLUMN)}, epoch_ms(${timestamp}::BIGINT) AS ${q(COMMIT_TIMESTAMP_COLUMN)}`;
  const read = (schema: StructType, files: readonly ActiveFile[]): Promise<string> => snapshotSelectSql(conn, { schema, partitionColumns: plan.partitionColumns, files }, paths);
  const branches: string[] = [];
  for (const v of plan.versions) {
    if (v.cdc.length > 0) {
      branches.push(`SELECT ${[...cols, ct].join(', ')}, ${meta(v.version, v.timestamp)} FROM (${await read(changeDataSchema(plan.schema), v.cdc)})`);
    }
    if (v.deleted.length > 0) branches.push(`SELECT ${cols.join(', ')}, 'delete' AS ${ct}, ${meta(v.version, v.timestamp)} FROM (${await read(plan.schema, v.deleted)})`);
    if (v.inserted.length > 0) branches.push(`SELECT ${cols.join(', ')}, 'insert' AS ${ct}, ${meta(v.version, v.timestamp)} FROM (${await read(plan.schema, v.inserted)})`);
  }
  if (branches.length === 0) {
    const nulls = plan.schema.fields.map((f) => `NULL::${fieldToDuckDBType(f)} AS ${q(f.name)}`);
    return `SELECT ${[...nulls, `NULL::VARCHAR AS ${ct}`, `NULL::BIGINT AS ${q(COMMIT_VERSION_COLUMN)}`, `NULL::TIMESTAMP AS ${q(COMMIT_TIMESTAMP_COLUMN)}`].join(', ')} WHERE false`;
  }
  return branches.join('\nUNION ALL\n');
}

/** A stable order for change rows: version, change type (delete, pre, post, insert), then every column. */
export function changesOrderBy(schema: StructType): string {
  const cols = schema.fields.map((f) => `${q(f.name)} NULLS FIRST`);
  return [q(COMMIT_VERSION_COLUMN), changeTypeRankSql(q(CHANGE_TYPE_COLUMN)), ...cols].join(', ');
}

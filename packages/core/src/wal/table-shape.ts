/**
 * WalTableShape: what a WAL record must agree with — table id, columns with their DuckDB types,
 * primary key and the schema fingerprint — derived from a Delta snapshot.
 *
 * The primary key is `metaData.configuration['k3.primaryKey']` (a JSON array). A record applies to
 * the current table when its tableId matches and each of its columns still exists with the same
 * type (added columns read NULL); a record of an older definition that an ALTER changed values of
 * is first upgraded (record-upgrade.ts).
 */
import { createHash } from 'node:crypto';
import { primaryKeyOf } from '../catalog/table-spec.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import { AppError } from '../errors/index.ts';
import { fieldToDuckDBType } from '../exec/duckdb-types.ts';
import type { WalColumn, WalRecord } from './record-codec.ts';
import { upgradeFailure } from './record-upgrade.ts';

export interface WalTableShape {
  readonly tableId: string;
  readonly columns: readonly WalColumn[];
  readonly primaryKey: readonly string[];
  readonly fingerprint: string;
  /** Columns that must not be NULL (Delta `nullable: false`). */
  readonly notNull: readonly string[];
}

export function schemaFingerprint(columns: readonly WalColumn[]): string {
  return createHash('sha256').update(JSON.stringify(columns.map((c) => [c.name, c.type]))).digest('hex').slice(0, 32);
}

export function walTableShape(snapshot: Pick<Snapshot, 'metadata' | 'schema'>): WalTableShape {
  const primaryKey = primaryKeyOf(snapshot.metadata);
  if (primaryKey.length === 0) {
    throw new AppError('ERR_SQL_UNSUPPORTED', 'The table has no primary key, so its writes cannot go through the write log; declare a PRIMARY KEY or write directly to Delta.', {});
  }
  const columns = snapshot.schema.fields.map((f) => ({ name: f.name, type: fieldToDuckDBType(f) }));
  return {
    tableId: snapshot.metadata.id,
    columns,
    primaryKey,
    fingerprint: schemaFingerprint(columns),
    notNull: snapshot.schema.fields.filter((f) => !f.nullable).map((f) => f.name),
  };
}

/**
 * Why `record` cannot apply to the table, or undefined when it can. Reasons are stable strings
 * (they land in rejected/ objects).
 */
export function incompatibility(record: WalRecord, shape: WalTableShape): string | undefined {
  if (record.tableId !== shape.tableId) return 'table-id-mismatch';
  if (record.primaryKey.join('\u0000') !== shape.primaryKey.join('\u0000')) return 'primary-key-changed';
  const failed = upgradeFailure(record, shape); // a record of an older definition the ALTER could not have converted (record-upgrade.ts)
  if (failed !== undefined) return failed;
  if (record.schemaFingerprint === shape.fingerprint) return undefined;
  const types = new Map(shape.columns.map((c) => [c.name, c.type]));
  for (const c of record.columns) {
    if (types.get(c.name) !== c.type) return `column-changed:${c.name}`;
  }
  return undefined;
}

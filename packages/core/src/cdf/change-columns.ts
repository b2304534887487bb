/**
 * The Change Data Feed's vocabulary (Delta PROTOCOL.md "Change Data Files"; Spark's
 * `CDCReader`): the metadata columns a change row carries and the change types, in the order a
 * version's changes are listed.
 */
import type { StructType } from '../delta/schema.ts';

export const CHANGE_TYPE_COLUMN = '_change_type';
export const COMMIT_VERSION_COLUMN = '_commit_version';
export const COMMIT_TIMESTAMP_COLUMN = '_commit_timestamp';

/** Directory of change data files under the table root (Delta readers that ignore the feed skip `_` directories). */
export const CHANGE_DATA_DIR = '_change_data/';

export const CHANGE_TYPES = ['delete', 'update_preimage', 'update_postimage', 'insert'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

/**
 * The schema of a change data file: the table's columns (all nullable: a pre-image may predate a
 * later NOT NULL) plus `_change_type`; partition columns live in the cdc action, as in data files.
 */
export function changeDataSchema(schema: StructType): StructType {
  return { type: 'struct', fields: [...schema.fields.map((f) => ({ ...f, nullable: true })), { name: CHANGE_TYPE_COLUMN, type: 'string', nullable: false, metadata: {} }] };
}

/** `CASE` rank of a change type, so rows of one version list deletes, pre/post images, then inserts. */
export function changeTypeRankSql(column: string): string {
  return `CASE ${column} ${CHANGE_TYPES.map((t, i) => `WHEN '${t}' THEN ${i}`).join(' ')} ELSE ${CHANGE_TYPES.length} END`;
}

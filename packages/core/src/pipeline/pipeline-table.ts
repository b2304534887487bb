/**
 * The Delta side of a pipeline table: its metadata (the rule's pipelineId in
 * `configuration['k3.pipelineId']`, which makes DescribeTable report
 * TABLE_SOURCE_PIPELINE_GENERATED) and the two source columns every row carries.
 */
import type { ColumnSpec } from '../catalog/column-types.ts';
import { metadataOf, validateTableSpec } from '../catalog/table-spec.ts';
import type { Metadata } from '../delta/actions.ts';
import { SOURCE_ETAG_COLUMN, SOURCE_KEY_COLUMN, type IngestRule } from './ingest-rule.ts';

export const PIPELINE_ID_PROPERTY = 'k3.pipelineId';

export function pipelineIdOf(metadata: Pick<Metadata, 'configuration'>): string | undefined {
  const id = metadata.configuration?.[PIPELINE_ID_PROPERTY];
  return id === undefined || id === '' ? undefined : id;
}

/** Metadata of the table: `columns` (the rule's, or the first object's) + the source columns. */
export function pipelineMetadata(rule: IngestRule, columns: readonly ColumnSpec[], now: number): Metadata {
  const spec = validateTableSpec({
    name: rule.table,
    description: `Pipeline-generated table: ${rule.globs.join(', ')}`,
    columns: [
      ...columns,
      { name: SOURCE_KEY_COLUMN, duckdbType: 'VARCHAR', nullable: true, defaultExpression: '' },
      { name: SOURCE_ETAG_COLUMN, duckdbType: 'VARCHAR', nullable: true, defaultExpression: '' },
    ],
    partitionColumns: rule.partitionColumns,
    primaryKey: rule.mergeKeys,
  });
  const metadata = metadataOf(spec, now);
  return { ...metadata, configuration: { ...metadata.configuration, [PIPELINE_ID_PROPERTY]: rule.pipelineId } };
}

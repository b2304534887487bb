/**
 * The DescribeTable wire object of a snapshot: columns with their k3 types, defaults, partition
 * columns, merge keys (`k3.primaryKey`), and sidecar numbers summed from the log (rowCount from
 * stats.numRecords, sizeBytes from add.size) — exact for the version described.
 */
import { TableSource, TableStatus, type Column, type Table } from '../api/index.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import { columnsOf, primaryKeyOf } from './table-spec.ts';

export function describeSnapshot(bucket: string, name: string, snapshot: Snapshot): Table {
  let rowCount = 0n;
  let sizeBytes = 0n;
  for (const f of snapshot.files) {
    rowCount += BigInt(f.stats?.numRecords ?? 0);
    sizeBytes += BigInt(f.add.size);
  }
  const columns: Column[] = columnsOf(snapshot.schema).map((c) => ({ name: c.name, type: c.type, duckdbType: c.duckdbType, nullable: c.nullable, defaultExpression: c.defaultExpression }));
  const { metadata } = snapshot;
  return {
    tableId: `tbl_${metadata.id}`,
    bucket,
    name,
    description: metadata.description ?? '',
    columns,
    partitionColumns: [...snapshot.partitionColumns],
    mergeKeys: primaryKeyOf(metadata),
    // Pipeline tables carry their pipeline's id in the metadata (pipeline/pipeline-table.ts).
    source: metadata.configuration?.['k3.pipelineId'] ? TableSource.PIPELINE_GENERATED : TableSource.MANUAL,
    ...(metadata.configuration?.['k3.pipelineId'] ? { pipelineId: metadata.configuration['k3.pipelineId'] } : {}),
    deltaVersion: Number(snapshot.version),
    rowCount: Number(rowCount),
    sizeBytes: Number(sizeBytes),
    status: TableStatus.ACTIVE,
    createdAt: Number(metadata.createdTime ?? snapshot.timestamp),
    updatedAt: Number(snapshot.timestamp),
    // Write-log (HTAP) figures: zero here, without I/O; DescribeTable fills in the real ones
    // (sql/table-htap-fields.ts), so a table just created describes identically both ways.
    walBacklogEntries: 0, walBacklogBytes: 0, walOldestEntryAgeMs: 0, walDrainedThrough: 0,
    lastDrainAt: 0, lastDrainTargetVersion: 0, lastDrainRowsMerged: 0, lastDrainRowsInserted: 0, lastDrainRowsUpdated: 0, lastDrainRowsDeleted: 0, lastDrainRowsRejected: 0,
  };
}

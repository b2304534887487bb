/**
 * The protocol and metaData k3 writes for a new table: protocol (1,2) — no table features, so
 * every Delta reader since 2019 can read it — raised only by what the table uses: (1,3) for CHECK
 * constraints, (1,4) for the Change Data Feed, (3,7) with the `timestampNtz` feature when a column
 * (at any depth) is `timestamp_ntz` (features.ts mergeProtocol); and metaData with a fresh id, Parquet format, the
 * schema, partition columns and configuration (PROTOCOL.md "Change Metadata").
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/index.ts';
import type { Metadata, Protocol } from './actions.ts';
import { mergeProtocol, protocolForSchema } from './features.ts';
import { parseSchemaString, type StructType } from './schema.ts';

export const K3_TABLE_PROTOCOL: Readonly<Protocol> = Object.freeze({ minReaderVersion: 1, minWriterVersion: 2 });

/** The table property that turns the Change Data Feed on (Delta's name; value "true"). */
export const CHANGE_DATA_FEED_PROPERTY = 'delta.enableChangeDataFeed';
/** Writer version 4 is the legacy protocol version that includes changeDataFeed; readers stay at 1. */
export const CDF_TABLE_PROTOCOL: Readonly<Protocol> = Object.freeze({ minReaderVersion: 1, minWriterVersion: 4 });

export function isChangeDataFeedEnabled(metadata: Pick<Metadata, 'configuration'> | undefined): boolean {
  return (metadata?.configuration?.[CHANGE_DATA_FEED_PROPERTY] ?? '').toLowerCase() === 'true';
}

/**
 * The protocol a table with this configuration and schema needs: (1,4) with the feed on, (1,3)
 * with CHECK constraints, else (1,2); merged with (3,7)+timestampNtz when the schema (given by
 * `schemaString`) holds a timestamp_ntz field.
 */
export function protocolFor(metadata: Pick<Metadata, 'configuration'> & { schemaString?: string }): Protocol {
  const legacy = legacyProtocolFor(metadata);
  const forTypes = metadata.schemaString === undefined ? undefined : protocolForSchema(parseSchemaString(metadata.schemaString));
  return forTypes === undefined ? legacy : (mergeProtocol(legacy, forTypes) ?? legacy);
}

function legacyProtocolFor(metadata: Pick<Metadata, 'configuration'>): Protocol {
  if (isChangeDataFeedEnabled(metadata)) return { ...CDF_TABLE_PROTOCOL };
  // CHECK constraints (delta.constraints.*) need writer 3 (check-constraints.ts).
  const hasChecks = Object.keys(metadata.configuration ?? {}).some((k) => k.startsWith('delta.constraints.'));
  return hasChecks ? { minReaderVersion: 1, minWriterVersion: 3 } : { ...K3_TABLE_PROTOCOL };
}

export interface NewTableMetadata {
  schema: StructType;
  partitionColumns?: readonly string[];
  configuration?: Readonly<Record<string, string>>;
  name?: string;
  description?: string;
  createdTime?: number;
}

export function createTableMetadata(input: NewTableMetadata): Metadata {
  const partitionColumns = [...(input.partitionColumns ?? [])];
  const names = new Set(input.schema.fields.map((f) => f.name));
  for (const col of partitionColumns) {
    if (!names.has(col)) throw new AppError('ERR_SQL_BIND', `Partition column "${col}" is not a column of the table; partition by one of: ${[...names].join(', ')}.`, { column: col });
    const type = input.schema.fields.find((f) => f.name === col)?.type;
    if (typeof type !== 'string' || type === 'binary') {
      throw new AppError('ERR_SQL_UNSUPPORTED', `Column "${col}" of type ${JSON.stringify(type)} cannot be a partition column; partition by a string, number, boolean, date or timestamp column.`, { column: col });
    }
  }
  if (partitionColumns.length > 0 && partitionColumns.length === input.schema.fields.length) {
    throw new AppError('ERR_SQL_UNSUPPORTED', 'Every column is a partition column; a Delta table needs at least one data column.', {});
  }
  const metadata: Metadata = {
    id: randomUUID(),
    format: { provider: 'parquet', options: {} },
    schemaString: JSON.stringify(input.schema),
    partitionColumns,
    configuration: { ...(input.configuration ?? {}) },
    createdTime: input.createdTime ?? Date.now(),
  };
  if (input.name !== undefined) metadata.name = input.name;
  if (input.description !== undefined) metadata.description = input.description;
  return metadata;
}

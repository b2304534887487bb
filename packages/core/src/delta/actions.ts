/**
 * Delta Lake log actions as they appear in JSON commits and checkpoints (PROTOCOL.md "Actions").
 * Field names match the protocol exactly so that parsing and serializing are 1:1; unknown fields
 * and unknown action kinds are preserved on read and ignored by replay.
 *
 * Paths in `add` / `remove` are stored as written in the log: URI-encoded, relative to the table
 * root (or absolute URIs). Decode them exactly once, with `decodeLogPath`, when touching storage.
 */
export interface Protocol {
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures?: string[];
  writerFeatures?: string[];
}

export interface Format {
  provider: string;
  options: Record<string, string>;
}

export interface Metadata {
  id: string;
  name?: string | null;
  description?: string | null;
  format: Format;
  /** The table schema, a JSON-serialized StructType (see schema.ts). */
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string>;
  createdTime?: number | null;
}

export interface DeletionVectorDescriptor {
  storageType: string;
  pathOrInlineDv: string;
  offset?: number;
  sizeInBytes: number;
  cardinality: number;
}

export interface AddFile {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  /** JSON-encoded Stats (see stats.ts); absent when the writer did not collect stats. */
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
  baseRowId?: number | null;
  defaultRowCommitVersion?: number | null;
  clusteringProvider?: string | null;
}

export interface RemoveFile {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean | null;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  stats?: string | null;
  tags?: Record<string, string> | null;
  deletionVector?: DeletionVectorDescriptor | null;
}

export interface Txn {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

/** commitInfo is free-form in the protocol; these are the fields engines commonly write. */
export interface CommitInfo {
  timestamp?: number;
  inCommitTimestamp?: number;
  operation?: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, string>;
  readVersion?: number;
  isolationLevel?: string;
  isBlindAppend?: boolean;
  userMetadata?: string;
  userName?: string;
  engineInfo?: string;
  txnId?: string;
  [extra: string]: unknown;
}

/** One line of a JSON commit / one row of a checkpoint. Exactly one key is set. */
export type Action =
  | { add: AddFile }
  | { remove: RemoveFile }
  | { metaData: Metadata }
  | { protocol: Protocol }
  | { txn: Txn }
  | { commitInfo: CommitInfo }
  | { cdc: Record<string, unknown> }
  | { domainMetadata: Record<string, unknown> }
  | { checkpointMetadata: Record<string, unknown> }
  | { sidecar: Record<string, unknown> };

/** The kind names, in the order the protocol lists them. */
export const ACTION_KINDS = [
  'metaData', 'add', 'remove', 'cdc', 'txn', 'protocol', 'commitInfo', 'domainMetadata', 'checkpointMetadata', 'sidecar',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

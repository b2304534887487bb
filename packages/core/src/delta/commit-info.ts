/**
 * commitInfo helpers: the operation vocabulary (Spark's DeltaOperations names, which delta-rs and
 * every history UI understand) and the encodings Spark uses inside commitInfo.
 *
 * - operationParameters: values are strings. A string stays as is; anything else is JSON-encoded
 *   (`partitionBy: ["k"]` → `"[\"k\"]"`), as Spark's `jsonEncodedValues` and delta-rs do.
 * - operationMetrics: a map of strings (`numFiles: "2"`), as in every Spark log.
 */
import type { CommitInfo } from './actions.ts';

export const DELTA_OPERATIONS = {
  write: 'WRITE',
  createTable: 'CREATE TABLE',
  createTableAsSelect: 'CREATE TABLE AS SELECT',
  createOrReplaceTable: 'CREATE OR REPLACE TABLE',
  delete: 'DELETE',
  update: 'UPDATE',
  merge: 'MERGE',
  truncate: 'TRUNCATE',
  optimize: 'OPTIMIZE',
  restore: 'RESTORE',
  vacuumStart: 'VACUUM START',
  vacuumEnd: 'VACUUM END',
  streamingUpdate: 'STREAMING UPDATE',
  setTableProperties: 'SET TBLPROPERTIES',
  addColumns: 'ADD COLUMNS',
  changeColumn: 'CHANGE COLUMN',
} as const;
export type DeltaOperation = (typeof DELTA_OPERATIONS)[keyof typeof DELTA_OPERATIONS];

/** Spark's isolation levels as written in commitInfo.isolationLevel. */
export const ISOLATION_LEVELS = {
  serializable: 'Serializable',
  writeSerializable: 'WriteSerializable',
  snapshotIsolation: 'SnapshotIsolation',
} as const;
export type IsolationLevel = (typeof ISOLATION_LEVELS)[keyof typeof ISOLATION_LEVELS];

export function encodeOperationParameters(params: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    out[key] = typeof value === 'string' ? value : jsonEncode(value);
  }
  return out;
}

export function encodeOperationMetrics(metrics: Readonly<Record<string, number | string | bigint>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metrics ?? {})) out[key] = String(value);
  return out;
}

function jsonEncode(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
}

export interface CommitInfoInput {
  timestamp: number;
  operation: string;
  operationParameters?: Readonly<Record<string, unknown>>;
  operationMetrics?: Readonly<Record<string, number | string>>;
  userMetadata?: string;
  readVersion?: number;
  isolationLevel: IsolationLevel;
  isBlindAppend: boolean;
  engineInfo: string;
  txnId: string;
  /** Who made the commit (the principal's name; `system` for the compactor and maintenance). */
  userName?: string;
}

/**
 * The commitInfo k3 writes. `timestamp` and `inCommitTimestamp` carry the same monotonic value
 * (see transaction.ts); `readVersion` is omitted for version 0, as Spark does.
 */
export function buildCommitInfo(input: CommitInfoInput): CommitInfo {
  const info: CommitInfo = {
    timestamp: input.timestamp,
    inCommitTimestamp: input.timestamp,
    operation: input.operation,
    operationParameters: encodeOperationParameters(input.operationParameters),
  };
  if (input.readVersion !== undefined) info.readVersion = input.readVersion;
  info.isolationLevel = input.isolationLevel;
  info.isBlindAppend = input.isBlindAppend;
  info.operationMetrics = encodeOperationMetrics(input.operationMetrics);
  if (input.userMetadata !== undefined) info.userMetadata = input.userMetadata;
  if (input.userName !== undefined) info.userName = input.userName;
  info.engineInfo = input.engineInfo;
  info.txnId = input.txnId;
  return info;
}

/**
 * Conflict checker: may a transaction that read version R still commit after a concurrent winner
 * took version R+k? Follows Delta's taxonomy (Spark ConflictChecker.scala, delta-rs
 * kernel/transaction/conflict_checker.rs); each rule throws the AppError named after it, whose
 * message says what to do (re-read the table and retry). Checks, in order:
 *
 * 1. winner wrote `protocol`                      → ERR_DELTA_PROTOCOL_CHANGED
 * 2. winner wrote `metaData`                      → ERR_DELTA_METADATA_CHANGED
 * 3. winner added data (dataChange=true) in what we read (whole table, or a partition predicate);
 *    under WriteSerializable a winner that is itself a blind append does not count
 *                                                 → ERR_DELTA_CONCURRENT_APPEND
 * 4. both removed the same file (any dataChange)  → ERR_DELTA_CONCURRENT_DELETE_DELETE
 * 5. winner removed (dataChange=true) a file we read → ERR_DELTA_CONCURRENT_DELETE_READ
 * 6. winner wrote a `txn` for an appId we write   → ERR_DELTA_CONCURRENT_TRANSACTION
 *
 * Deliberate differences: delete-delete is checked before delete-read (Spark has the reverse) so
 * that two DELETEs of the same file get the more precise error; both are retryable 409s. Unlike
 * delta-rs, a transaction that declared no reads is a blind append and reads nothing, as in Spark:
 * concurrent appends never conflict with each other, and a blind append survives a concurrent
 * DELETE. Removes with dataChange=false (OPTIMIZE) only conflict with transactions removing the
 * same files. Pure: no I/O, no logging.
 */
import { AppError } from '../errors/index.ts';
import type { Action, AddFile, CommitInfo, RemoveFile } from './actions.ts';
import type { IsolationLevel } from './commit-info.ts';
import { parsePartitionValues } from './partition-values.ts';
import type { StructType } from './schema.ts';

export type PartitionPredicate = (partitionValues: Readonly<Record<string, unknown>>) => boolean;

/** What the committing transaction read and writes, resolved against its read snapshot. */
export interface TransactionFootprint {
  readonly readVersion: number;
  readonly isolationLevel: IsolationLevel;
  readonly readWholeTable: boolean;
  /** Normalized paths (see normalizeLogPath) of every file read: explicit files plus partition matches. */
  readonly readPaths: ReadonlySet<string>;
  readonly readPartitions: readonly PartitionPredicate[];
  readonly removedPaths: ReadonlySet<string>;
  readonly appIds: ReadonlySet<string>;
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
}

export interface WinningCommit {
  readonly version: number;
  readonly actions: readonly Action[];
}

/** Paths compare decoded, so that two encodings of the same key are the same file. */
export function normalizeLogPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const RETRY = 'Re-read the table and retry the statement on the new snapshot.';

export function checkForConflicts(txn: TransactionFootprint, winner: WinningCommit): void {
  const adds: AddFile[] = [];
  const removes: RemoveFile[] = [];
  let info: CommitInfo | undefined;
  const details = { readVersion: txn.readVersion, winningVersion: winner.version };
  for (const action of winner.actions) {
    if ('protocol' in action) {
      throw new AppError('ERR_DELTA_PROTOCOL_CHANGED', `Version ${winner.version} changed the table protocol after this transaction read version ${txn.readVersion}. ${RETRY}`, details);
    }
    if ('metaData' in action) {
      throw new AppError('ERR_DELTA_METADATA_CHANGED', `Version ${winner.version} changed the table metadata (schema, partitioning or properties) after this transaction read version ${txn.readVersion}. ${RETRY}`, details);
    }
    if ('add' in action) adds.push(action.add);
    else if ('remove' in action) removes.push(action.remove);
    else if ('commitInfo' in action) info = action.commitInfo;
  }
  checkAppends(txn, winner, adds, info, details);
  for (const remove of removes) {
    const path = normalizeLogPath(remove.path);
    if (txn.removedPaths.has(path)) {
      throw new AppError('ERR_DELTA_CONCURRENT_DELETE_DELETE', `Version ${winner.version} already removed the file ${remove.path} that this transaction also removes. ${RETRY}`, { ...details, path: remove.path });
    }
  }
  for (const remove of removes) {
    if (remove.dataChange === false) continue;
    const path = normalizeLogPath(remove.path);
    if (txn.readWholeTable || txn.readPaths.has(path)) {
      throw new AppError('ERR_DELTA_CONCURRENT_DELETE_READ', `Version ${winner.version} removed the file ${remove.path} that this transaction read. ${RETRY}`, { ...details, path: remove.path });
    }
  }
  for (const action of winner.actions) {
    if ('txn' in action && txn.appIds.has(action.txn.appId)) {
      throw new AppError('ERR_DELTA_CONCURRENT_TRANSACTION', `Version ${winner.version} committed application transaction ${JSON.stringify(action.txn.appId)} (version ${action.txn.version}) concurrently. Re-read the table's txn version for this appId and retry only if the batch is still needed.`, { ...details, appId: action.txn.appId });
    }
  }
}

function checkAppends(txn: TransactionFootprint, winner: WinningCommit, adds: readonly AddFile[], info: CommitInfo | undefined, details: Record<string, unknown>): void {
  if (!txn.readWholeTable && txn.readPartitions.length === 0) return;
  if (txn.isolationLevel === 'WriteSerializable' && info?.isBlindAppend === true) return;
  if (txn.isolationLevel === 'SnapshotIsolation') return;
  for (const add of adds) {
    if (add.dataChange === false) continue;
    if (txn.readWholeTable || matchesAny(txn, add)) {
      throw new AppError('ERR_DELTA_CONCURRENT_APPEND', `Version ${winner.version} added data (${add.path}) to the part of the table this transaction read. ${RETRY}`, { ...details, path: add.path });
    }
  }
}

function matchesAny(txn: TransactionFootprint, add: AddFile): boolean {
  const values = parsePartitionValues(add.partitionValues, txn.schema, txn.partitionColumns);
  return txn.readPartitions.some((predicate) => predicate(values));
}

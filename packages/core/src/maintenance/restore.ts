/**
 * RESTORE: make the table's current state equal to an older version's, as one new commit.
 *
 *   current snapshot S, target snapshot T (by version, or by in-commit timestamp)
 *   remove (dataChange=true)  files in S but not in T
 *   add    (dataChange=true)  files in T but not in S   ← their `add` actions as logged in T
 *   metaData := T's when it differs (schema, partitioning, properties)
 *   commit operation RESTORE {version | timestamp} with Delta's metrics
 *
 * Invariants: nothing is committed unless every re-added data file still exists (a vacuumed
 * target fails with ERR_DELTA_DATA_FILE_MISSING); the restore reads the whole table, so any
 * concurrent data change between our read and our commit is a conflict, never silently undone.
 * A restore is an ordinary commit, so it can itself be restored ("restore forward").
 * Write-log rule (docs/design/maintenance.md): on a keyed table the restore is committed through
 * compaction/commitDirectWrite (drain first, carry txn k3-wal) — `stageRestore` is the build step;
 * `restoreTable` alone is for tables without a write log (or behind `assertWalDrained`).
 */
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { DELTA_OPERATIONS } from '../delta/commit-info.ts';
import { normalizeLogPath } from '../delta/conflict-checker.ts';
import type { Metadata } from '../delta/actions.ts';
import { loadSnapshot, type ActiveFile, type Snapshot } from '../delta/snapshot.ts';
import { Transaction, type TransactionOptions } from '../delta/transaction.ts';
import { mapLimit, type MaintenanceDeps } from './maintenance-deps.ts';
import { timeTravelTarget } from './time-travel-target.ts';

export interface RestoreRequest {
  readonly version?: number;
  /** Epoch ms or ISO-8601 text (no zone = UTC). */
  readonly timestamp?: number | string;
}

export interface RestoreDeps extends MaintenanceDeps {
  /** Throws when the table's write log still holds entries not yet drained into Delta. */
  readonly assertWalDrained?: (root: string) => Promise<void>;
}

/** RestoreResponse (domain values: the wire adapters encode the int64s). */
export interface RestoreResponse {
  readonly versionBefore: number;
  readonly versionAfter: number;
}

const sum = (files: readonly ActiveFile[]): number => files.reduce((n, f) => n + f.add.size, 0);

/** Field by field: a checkpoint and a JSON commit may spell the same metaData with other key order or nulls. */
function sameMetadata(a: Metadata, b: Metadata): boolean {
  const sorted = (r: Readonly<Record<string, string>> | null | undefined): string => JSON.stringify(Object.entries(r ?? {}).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  return a.id === b.id && a.schemaString === b.schemaString && (a.name ?? null) === (b.name ?? null) && (a.description ?? null) === (b.description ?? null)
    && a.format.provider === b.format.provider && sorted(a.format.options) === sorted(b.format.options)
    && JSON.stringify(a.partitionColumns ?? []) === JSON.stringify(b.partitionColumns ?? []) && sorted(a.configuration) === sorted(b.configuration);
}

/** A restore built on a snapshot, not yet committed (the shape commitDirectWrite commits). */
export interface StagedRestore {
  readonly tx: Transaction;
  readonly operation: string;
  readonly operationParameters: Record<string, unknown>;
  readonly operationMetrics: Record<string, number>;
  readonly versionBefore: number;
}

/**
 * Stages the restore of `current` to `target` (checks that every re-added file still exists).
 * restoreTable commits it; callers that own a commit protocol (the write-log rule:
 * compaction/commitDirectWrite drains the log and adds the k3-wal txn) commit it themselves.
 */
export async function stageRestore(store: ObjectStore, current: Snapshot, request: RestoreRequest, options: TransactionOptions): Promise<StagedRestore> {
  const target = timeTravelTarget(request);
  const root = current.root;
  const then = await loadSnapshot(store, root, target);
  if (then.version > current.version) {
    throw new AppError('ERR_DELTA_VERSION_NOT_FOUND', `Cannot restore to version ${then.version}: the latest version is ${current.version}.`, { version: then.version, latestVersion: current.version });
  }
  const nowPaths = new Set(current.files.map((f) => normalizeLogPath(f.add.path)));
  const thenPaths = new Set(then.files.map((f) => normalizeLogPath(f.add.path)));
  const toRemove = current.files.filter((f) => !thenPaths.has(normalizeLogPath(f.add.path)));
  const toRestore = then.files.filter((f) => !nowPaths.has(normalizeLogPath(f.add.path)));

  const gone = (await mapLimit(toRestore, 16, async (f) => ((await store.head(f.key)) === undefined ? f : undefined))).filter((f) => f !== undefined);
  if (gone.length > 0) {
    throw new AppError(
      'ERR_DELTA_DATA_FILE_MISSING',
      `Cannot restore to version ${then.version}: ${gone.length} of its data files are gone (removed by VACUUM), e.g. ${gone[0]!.key}. Restore to a newer version that History still lists and VACUUM has not cleaned.`,
      { version: then.version, missingFiles: gone.length, example: gone[0]!.key },
    );
  }

  const tx = Transaction.forSnapshot(store, current, options).readWholeTable();
  tx.removeFiles(toRemove, { dataChange: true });
  tx.addFiles(toRestore.map((f) => ({ ...f.add, dataChange: true })));
  if (!sameMetadata(then.metadata, current.metadata)) tx.updateMetadata(then.metadata);
  return {
    tx,
    operation: DELTA_OPERATIONS.restore,
    operationParameters: 'version' in target ? { version: target.version } : { timestamp: new Date(target.timestamp).toISOString() },
    operationMetrics: {
      tableSizeAfterRestore: sum(then.files),
      numOfFilesAfterRestore: then.files.length,
      numRemovedFiles: toRemove.length,
      numRestoredFiles: toRestore.length,
      removedFilesSize: sum(toRemove),
      restoredFilesSize: sum(toRestore),
      numCopiedRows: 0,
    },
    versionBefore: current.version,
  };
}

export async function restoreTable(store: ObjectStore, root: string, request: RestoreRequest, deps: RestoreDeps): Promise<RestoreResponse> {
  timeTravelTarget(request);
  await deps.assertWalDrained?.(root);
  const current = await loadSnapshot(store, root);
  const staged = await stageRestore(store, current, request, deps.transaction);
  const result = await staged.tx.commit({ operation: staged.operation, operationParameters: staged.operationParameters, operationMetrics: staged.operationMetrics });
  return { versionBefore: staged.versionBefore, versionAfter: result.version };
}

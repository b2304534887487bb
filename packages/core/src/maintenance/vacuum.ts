/**
 * VACUUM: delete data files no version inside the retention window can need, like Delta's.
 *
 *   keep   = files of the current snapshot ∪ files of tombstones removed after (now − retention)
 *   delete = every object under the table root that is not hidden, not in `keep`, and last
 *            modified before (now − retention)        (expired tombstones and orphans alike)
 *   hidden = any path segment starting with `_` or `.` (`_delta_log/`, `_k3_wal/`, temp files),
 *            except the leading `_change_data/` (change data files are vacuumed like data files)
 *
 * A version v inside retention references only files that are still current or were removed
 * after v was written, i.e. whose tombstone is inside retention; the mtime rule protects files a
 * writer has uploaded but not yet committed. Retention under the table's
 * `delta.deletedFileRetentionDuration` (default 168 h) is refused unless disableRetentionCheck.
 * A real run commits VACUUM START (what it will delete), deletes, then commits VACUUM END; a dry
 * run computes the same list and commits nothing. Tombstones already dropped by a checkpoint are
 * older than the table's retention; with a longer requested retention such files fall back to
 * the mtime rule (as in Delta).
 */
import { AppError } from '../errors/index.ts';
import type { ObjectMeta, ObjectStore } from '../object-store/index.ts';
import { DEFAULT_TOMBSTONE_RETENTION_MS, parseDeltaInterval } from '../delta/checkpoint-writer.ts';
import { DELTA_OPERATIONS } from '../delta/commit-info.ts';
import { resolveDataFileKey } from '../delta/partition-values.ts';
import { loadSnapshot, type Snapshot } from '../delta/snapshot.ts';
import { Transaction } from '../delta/transaction.ts';
import type { MaintenanceDeps } from './maintenance-deps.ts';

export const DEFAULT_VACUUM_RETENTION_HOURS = 168;
const HOUR_MS = 3_600_000;
const DELETE_BATCH = 1000;

export interface VacuumRequest {
  readonly retentionHours?: number;
  readonly dryRun?: boolean;
  readonly disableRetentionCheck?: boolean;
  /** Epoch ms "now" (tests; default the transaction clock or Date.now()). */
  readonly now?: number;
}

/** The VacuumResponse as domain values (numbers); the wire adapters encode it. */
export interface VacuumResponse {
  readonly version: number;
  readonly filesDeleted: number;
  /** Full store URLs (`s3://bucket/…`, `file:///…`). */
  readonly filesDeletedPaths: string[];
  readonly dryRun: boolean;
}

export interface VacuumPlan {
  readonly snapshot: Snapshot;
  readonly files: readonly ObjectMeta[];
  readonly directories: number;
  readonly retentionMs: number;
  readonly tableRetentionMs: number;
}

function retentionMsOf(n: number | undefined): number {
  if (n === undefined) return DEFAULT_VACUUM_RETENTION_HOURS * HOUR_MS;
  if (!Number.isFinite(n) || n < 0) {
    throw new AppError('ERR_BAD_REQUEST', `retentionHours ${n} is not valid; give a non-negative number of hours (default ${DEFAULT_VACUUM_RETENTION_HOURS}).`, { retentionHours: n });
  }
  return n * HOUR_MS;
}

function isHidden(relativeKey: string): boolean {
  // Change data files (`_change_data/…`) are never live, so they go once older than the retention,
  // as in Delta (they are listed like data files; their partition directories are not hidden).
  const segments = relativeKey.startsWith('_change_data/') ? relativeKey.split('/').slice(1) : relativeKey.split('/');
  return segments.some((segment) => segment.startsWith('_') || segment.startsWith('.'));
}

/** The files a vacuum at `now` would delete (pure listing + log read, no writes). */
export async function planVacuum(store: ObjectStore, root: string, request: VacuumRequest, now: number): Promise<VacuumPlan> {
  const retentionMs = retentionMsOf(request.retentionHours);
  const snapshot = await loadSnapshot(store, root);
  const tableRetentionMs = parseDeltaInterval(snapshot.metadata.configuration?.['delta.deletedFileRetentionDuration']) ?? DEFAULT_TOMBSTONE_RETENTION_MS;
  if (request.disableRetentionCheck !== true && retentionMs < tableRetentionMs) {
    const hours = tableRetentionMs / HOUR_MS;
    throw new AppError(
      'ERR_VACUUM_RETENTION_TOO_SHORT',
      `Vacuum retention of ${retentionMs / HOUR_MS} h is below the table's safety minimum of ${hours} h: files still needed by running queries and time travel could be deleted. Use retentionHours >= ${hours}, or set disableRetentionCheck=true only on a quiesced table when you accept losing time travel to older versions.`,
      { retentionHours: retentionMs / HOUR_MS, minimumHours: hours },
    );
  }
  const cutoff = now - retentionMs;
  const keep = new Set(snapshot.files.map((f) => f.key));
  for (const t of snapshot.tombstones) {
    if ((t.deletionTimestamp ?? 0) <= cutoff) continue;
    try {
      keep.add(resolveDataFileKey(t.path, snapshot.root, store.url));
    } catch {
      // absolute or undecodable path: never a file under the root we would delete anyway
    }
  }
  const { objects } = await store.list(snapshot.root);
  const files: ObjectMeta[] = [];
  const directories = new Set<string>();
  for (const meta of objects) {
    const relative = meta.key.slice(snapshot.root.length);
    if (!meta.key.startsWith(snapshot.root) || isHidden(relative)) continue;
    directories.add(relative.slice(0, relative.lastIndexOf('/') + 1));
    if (!keep.has(meta.key) && meta.lastModified < cutoff) files.push(meta);
  }
  return { snapshot, files, directories: directories.size, retentionMs, tableRetentionMs };
}

export async function vacuumTable(store: ObjectStore, root: string, request: VacuumRequest, deps: MaintenanceDeps): Promise<VacuumResponse> {
  const now = request.now ?? (deps.transaction.clock ?? Date.now)();
  const plan = await planVacuum(store, root, request, now);
  const filesDeletedPaths = plan.files.map((f) => `${store.url}${f.key}`);
  if (request.dryRun === true) {
    return { version: plan.snapshot.version, filesDeleted: plan.files.length, filesDeletedPaths, dryRun: true };
  }
  await Transaction.forSnapshot(store, plan.snapshot, deps.transaction).commit({
    operation: DELTA_OPERATIONS.vacuumStart,
    operationParameters: { retentionCheckEnabled: request.disableRetentionCheck !== true, defaultRetentionMillis: plan.tableRetentionMs, specifiedRetentionMillis: plan.retentionMs },
    operationMetrics: { numFilesToDelete: plan.files.length, sizeOfDataToDelete: plan.files.reduce((n, f) => n + f.size, 0) },
  });
  const keys = plan.files.map((f) => f.key);
  for (let i = 0; i < keys.length; i += DELETE_BATCH) await store.deleteMany(keys.slice(i, i + DELETE_BATCH));
  const afterStart = await loadSnapshot(store, root);
  const end = await Transaction.forSnapshot(store, afterStart, deps.transaction).commit({
    operation: DELTA_OPERATIONS.vacuumEnd,
    operationParameters: { status: 'COMPLETED' },
    operationMetrics: { numDeletedFiles: keys.length, numVacuumedDirectories: plan.directories },
  });
  return { version: end.version, filesDeleted: keys.length, filesDeletedPaths, dryRun: false };
}

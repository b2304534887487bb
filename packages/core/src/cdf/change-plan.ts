/**
 * Reading the Change Data Feed (Delta PROTOCOL.md "Change Data Files"; Spark `CDCReader`,
 * delta-rs `load_cdf`): which files hold the changes of each version in a range.
 *
 *   snapshot at `to` (schema, partition columns)  +  snapshot at `from` (is the feed on there?)
 *   commits from..to, each:
 *     cdc actions present  → its changes are the cdc files alone (`_change_type` in the rows)
 *     otherwise            → dataChange adds are inserts, dataChange removes are deletes
 *     (OPTIMIZE and other dataChange=false commits contribute nothing)
 *
 * Invariants: every version of the range must have the feed on (`delta.enableChangeDataFeed`
 * in the metadata as of that version), else ERR_CDF_NOT_ENABLED — a table's plain removes and adds
 * are file rewrites, not row changes, so they are never passed off as a feed. A commit file that
 * is gone (log cleanup) is ERR_DELTA_VERSION_NOT_FOUND; data and change files that were vacuumed
 * are found when they are read (ERR_DELTA_DATA_FILE_MISSING). Pure over the store: no DuckDB.
 */
import type { AddFile, Metadata } from '../delta/actions.ts';
import { commitTimestamp, parseCommit, type CommitActions } from '../delta/commit-reader.ts';
import { decodeLogPath, parsePartitionValues } from '../delta/partition-values.ts';
import type { StructType } from '../delta/schema.ts';
import { latestVersion, loadSnapshot, type ActiveFile } from '../delta/snapshot.ts';
import { CHANGE_DATA_FEED_PROPERTY, isChangeDataFeedEnabled } from '../delta/table-metadata.ts';
import { AppError } from '../errors/index.ts';
import { mapLimit } from '../maintenance/maintenance-deps.ts';
import { commitKey, type ObjectStore } from '../object-store/index.ts';

export interface VersionChanges {
  readonly version: number;
  /** Commit timestamp, epoch ms (inCommitTimestamp, else commitInfo.timestamp). */
  readonly timestamp: number;
  /** Change data files (rows carry `_change_type`); when non-empty, inserted/deleted are empty. */
  readonly cdc: readonly ActiveFile[];
  readonly inserted: readonly ActiveFile[];
  readonly deleted: readonly ActiveFile[];
}

export interface ChangePlan {
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly latestVersion: number;
  /** The schema of the end version: rows of older files read missing columns as NULL. */
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly versions: readonly VersionChanges[];
}

export interface ChangeRange {
  readonly fromVersion: number;
  /** Inclusive; default the latest version. */
  readonly toVersion?: number;
}

export async function planChanges(store: ObjectStore, rootIn: string, range: ChangeRange): Promise<ChangePlan> {
  const root = rootIn === '' || rootIn.endsWith('/') ? rootIn : `${rootIn}/`;
  const latest = await latestVersion(store, root);
  if (latest === undefined) throw new AppError('ERR_TABLE_NOT_FOUND', `No Delta table at ${store.url}${root}.`, { root });
  const from = range.fromVersion;
  const to = range.toVersion ?? latest;
  if (!Number.isSafeInteger(from) || from < 0 || !Number.isSafeInteger(to) || to < 0) {
    throw new AppError('ERR_BAD_REQUEST', `Change versions must be non-negative integers (got from ${String(from)}, to ${String(to)}).`);
  }
  if (range.toVersion === undefined && from === latest + 1) {
    // "Changes since the last version I saw" when there are none yet: empty, not an error, so a
    // polling consumer can always ask from its last version + 1.
    const end = await loadSnapshot(store, root, { version: latest });
    return { fromVersion: from, toVersion: latest, latestVersion: latest, schema: end.schema, partitionColumns: end.partitionColumns, versions: [] };
  }
  if (from > to) {
    throw new AppError('ERR_BAD_REQUEST', `The start version ${from} is after the end version ${to}; give from ≤ to (the latest version is ${latest}).`, { fromVersion: from, toVersion: to });
  }
  if (to > latest) {
    throw new AppError('ERR_DELTA_VERSION_NOT_FOUND', `Version ${to} does not exist yet; the latest version is ${latest}.`, { version: to, latestVersion: latest });
  }
  const [end, start] = await Promise.all([loadSnapshot(store, root, { version: to }), from === to ? undefined : loadSnapshot(store, root, { version: from })]);
  const commits = await readRange(store, root, from, to);
  const schema = end.schema;
  const partitionColumns = end.partitionColumns;
  const typed = (path: string, size: number, pv: Record<string, string | null> | null | undefined): ActiveFile => {
    const add: AddFile = { path, partitionValues: pv ?? {}, size, modificationTime: 0, dataChange: false };
    return { add, key: root + decodeLogPath(path), stats: undefined, partitionValues: parsePartitionValues(pv, schema, partitionColumns) };
  };
  let metadata: Metadata = (start ?? end).metadata;
  const versions: VersionChanges[] = [];
  for (const c of commits) {
    if (c.version > from && c.metadata !== undefined) metadata = c.metadata;
    if (!isChangeDataFeedEnabled(metadata)) {
      throw new AppError('ERR_CDF_NOT_ENABLED', `Change data was not recorded for version ${c.version} (the table property ${CHANGE_DATA_FEED_PROPERTY} was not true then). Read changes from a version where the feed was on, or compare two versions with AS OF VERSION.`, { version: c.version });
    }
    const cdc = (c.cdcs ?? []).map((f) => typed(f.path, f.size, f.partitionValues));
    const inserted = cdc.length > 0 ? [] : c.adds.filter((a) => a.dataChange).map((a) => typed(a.path, a.size, a.partitionValues));
    const deleted = cdc.length > 0 ? [] : c.removes.filter((r) => r.dataChange).map((r) => typed(r.path, r.size ?? 0, r.partitionValues));
    versions.push({ version: c.version, timestamp: commitTimestamp(c.commitInfo, 0), cdc, inserted, deleted });
  }
  return { fromVersion: from, toVersion: to, latestVersion: latest, schema, partitionColumns, versions };
}

async function readRange(store: ObjectStore, root: string, from: number, to: number): Promise<CommitActions[]> {
  const versions = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  return mapLimit(versions, 16, async (v) => {
    const bytes = await store.get(commitKey(root, v));
    if (bytes === undefined) {
      throw new AppError('ERR_DELTA_VERSION_NOT_FOUND', `The commit of version ${v} is no longer in the Delta log (log cleanup), so its changes cannot be read; read changes from a later version.`, { version: v });
    }
    return parseCommit(bytes, v);
  });
}

/** Every file a plan reads (for leasing and for the vacuumed-file check). */
export function planFiles(plan: ChangePlan): ActiveFile[] {
  return plan.versions.flatMap((v) => [...v.cdc, ...v.inserted, ...v.deleted]);
}

/**
 * Snapshot: the state of a Delta table at one version — protocol, metadata, live files with
 * decoded keys, typed partition values and parsed stats, tombstones and app transactions.
 *
 * Data flow: getLogSegment (list) → readCheckpoint + readCommits (GET) → replay → protocol gate
 * (features.ts, against the version being read) → ActiveFile list. Reads only the newest complete
 * checkpoint ≤ version plus the JSON commits after it; when `version` is the checkpoint version
 * itself, its JSON commit (if still present) is also read for the commit timestamp.
 * See docs/design/delta-log.md.
 */
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { AddFile, Metadata, Protocol, RemoveFile, Txn } from './actions.ts';
import { readCheckpoint } from './checkpoint-reader.ts';
import { commitTimestamp, readCommits } from './commit-reader.ts';
import { assertReadable } from './features.ts';
import { getLogSegment, latestVersion as listLatestVersion, type LogFile } from './log-segment.ts';
import { parsePartitionValues, resolveDataFileKey, type PartitionValue } from './partition-values.ts';
import { applyActions, createReplayState, reconciliationKey, type ReplayState } from './replay.ts';
import { parseSchemaString, type StructType } from './schema.ts';
import { parseStats, type FileStats } from './stats.ts';
import { resolveVersionAtTimestamp } from './timestamp-resolver.ts';

export type { FileStats } from './stats.ts';

export interface ActiveFile {
  /** The add action as in the log. */
  readonly add: AddFile;
  /** Object-store key of the data file relative to the STORE root (= table root + decoded path). */
  readonly key: string;
  readonly stats: FileStats | undefined;
  /**
   * Typed per schema (see partition-values.ts): byte/short/integer/float/double → number,
   * long → bigint, boolean, string, decimal → exact text, date → 'YYYY-MM-DD',
   * timestamp → epoch microseconds bigint, binary → Uint8Array, null → null.
   */
  readonly partitionValues: Readonly<Record<string, PartitionValue>>;
}

export interface Snapshot {
  /** Table root key prefix inside the store, '' or ending with '/'. */
  readonly root: string;
  readonly version: number;
  /** Commit timestamp of `version` in epoch ms (inCommitTimestamp, else commitInfo.timestamp, else file mtime). */
  readonly timestamp: number;
  readonly protocol: Protocol;
  readonly metadata: Metadata;
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly files: readonly ActiveFile[];
  readonly tombstones: readonly RemoveFile[];
  /** Latest txn per appId. */
  readonly txns: ReadonlyMap<string, Txn>;
  /** Sum of stats.numRecords when every file has stats. */
  readonly numRecords: number | undefined;
}

export interface SnapshotAt {
  version?: number;
  /** Epoch ms. */
  timestamp?: number;
}

function normalizeRoot(root: string): string {
  return root === '' || root.endsWith('/') ? root : `${root}/`;
}

export async function loadSnapshot(store: ObjectStore, rootIn: string, at: SnapshotAt = {}): Promise<Snapshot> {
  return (await loadBasedSnapshot(store, rootIn, at)).snapshot;
}

/** A snapshot and the version of the checkpoint its state was folded from (-1: none). */
export interface BasedSnapshot {
  readonly snapshot: Snapshot;
  readonly checkpointVersion: number;
}

/** loadSnapshot, also saying which checkpoint it started from (what advanceSnapshot's caller must check). */
export async function loadBasedSnapshot(store: ObjectStore, rootIn: string, at: SnapshotAt = {}): Promise<BasedSnapshot> {
  const root = normalizeRoot(rootIn);
  if (at.version !== undefined && at.timestamp !== undefined) {
    throw new AppError('ERR_BAD_REQUEST', 'Give either a version or a timestamp to time-travel to, not both.');
  }
  const target = at.timestamp !== undefined ? await resolveVersionAtTimestamp(store, root, at.timestamp) : at.version;
  const seg = await getLogSegment(store, root, target);

  const needVersionCommit = seg.checkpoint !== undefined && seg.checkpoint.version === seg.version && seg.versionCommit !== undefined;
  const commitFiles = needVersionCommit && seg.versionCommit ? [seg.versionCommit] : seg.commits;
  const [checkpoint, commits] = await Promise.all([
    seg.checkpoint ? readCheckpoint(store, seg.checkpoint.version, seg.checkpoint.files) : undefined,
    readCommits(store, commitFiles),
  ]);

  const state = createReplayState((path) => resolveDataFileKey(path, root, store.url));
  if (checkpoint) applyActions(state, checkpoint);
  if (!needVersionCommit) for (const c of commits) applyActions(state, c);

  const versionCommit = commits.find((c) => c.version === seg.version);
  const fallback = seg.versionCommit?.lastModified ?? seg.checkpoint?.files[0]?.lastModified ?? 0;
  const snapshot = snapshotOfState(store, root, seg.version, state, commitTimestamp(versionCommit?.commitInfo, fallback));
  return { snapshot, checkpointVersion: seg.checkpoint?.version ?? -1 };
}

/**
 * `prev` advanced by the JSON commits that follow it (`commits`: versions prev.version + 1 … N,
 * ascending, contiguous), reading only those commits. Equal to loadSnapshot at N — the same files
 * in the same order, tombstones, txns, protocol gate — when N's segment starts at the checkpoint
 * `prev` was folded from, i.e. no checkpoint newer than that one exists up to N: the caller checks
 * that (a newer checkpoint may have dropped expired tombstones). Files whose add is unchanged keep
 * their parsed ActiveFile while the metadata is unchanged.
 */
export async function advanceSnapshot(store: ObjectStore, prev: Snapshot, commits: readonly LogFile[]): Promise<Snapshot> {
  commits.forEach((c, i) => {
    if (c.kind !== 'commit' || c.version !== prev.version + 1 + i) throw new Error(`advanceSnapshot: commit ${c.version} does not follow version ${prev.version + i}`);
  });
  const last = commits.at(-1);
  if (last === undefined) return prev;
  const resolve = (path: string): string => resolveDataFileKey(path, prev.root, store.url);
  const state = createReplayState(resolve);
  for (const f of prev.files) state.files.set(reconciliationKey(f.key, f.add.deletionVector), { add: f.add, key: f.key });
  for (const t of prev.tombstones) state.tombstones.set(reconciliationKey(resolve(t.path), t.deletionVector), t);
  for (const [appId, t] of prev.txns) state.txns.set(appId, t);
  state.protocol = prev.protocol;
  state.metadata = prev.metadata;
  const actions = await readCommits(store, commits);
  for (const c of actions) applyActions(state, c);
  return snapshotOfState(store, prev.root, last.version, state, commitTimestamp(actions.at(-1)?.commitInfo, last.lastModified), prev);
}

/** The Snapshot of a folded replay state (the protocol gate, schema, typed files); `prev`'s parsed files are reused while its metadata is the state's. */
function snapshotOfState(store: ObjectStore, root: string, version: number, state: ReplayState, timestamp: number, prev?: Snapshot): Snapshot {
  const { protocol, metadata } = state;
  if (protocol === undefined) {
    throw new AppError('ERR_DELTA_LOG_CORRUPT', `No protocol action found in the Delta log of ${store.url}${root} up to version ${version}; the log is corrupt.`, { version });
  }
  if (metadata === undefined) {
    throw new AppError('ERR_DELTA_LOG_CORRUPT', `No metaData action found in the Delta log of ${store.url}${root} up to version ${version}; the log is corrupt.`, { version });
  }
  // Refuse on the protocol alone first: an unsupported table may have a schema we cannot parse.
  assertReadable(protocol, metadata);
  const same = prev !== undefined && prev.metadata === metadata;
  let schema: StructType;
  try {
    schema = same ? prev.schema : parseSchemaString(metadata.schemaString);
  } catch (err) {
    throw new AppError('ERR_DELTA_LOG_CORRUPT', `The table schema (metaData.schemaString) at version ${version} is missing or not a Delta struct type.`, { version }, { cause: err });
  }
  assertReadable(protocol, metadata, schema);
  const partitionColumns = metadata.partitionColumns ?? [];

  const parsed = same ? new Map(prev.files.map((f) => [f.add, f])) : undefined;
  const files: ActiveFile[] = [];
  let numRecords: number | undefined = 0;
  for (const { add, key } of state.files.values()) {
    const file = parsed?.get(add) ?? { add, key, stats: parseStats(add.stats), partitionValues: parsePartitionValues(add.partitionValues, schema, partitionColumns) };
    if (file.stats === undefined) numRecords = undefined;
    else if (numRecords !== undefined) numRecords += file.stats.numRecords;
    files.push(file);
  }

  return {
    root,
    version,
    timestamp,
    protocol,
    metadata,
    schema,
    partitionColumns,
    files,
    tombstones: [...state.tombstones.values()],
    txns: state.txns,
    numRecords,
  };
}

/** Newest version of the table at `root`, or undefined when there is no Delta table there. */
export async function latestVersion(store: ObjectStore, root: string): Promise<number | undefined> {
  return listLatestVersion(store, normalizeRoot(root));
}

/**
 * Log listing: which files of `_delta_log/` make up the snapshot at a version.
 *
 * A log segment is the newest complete checkpoint at or below the target version plus the JSON
 * commits after it, up to the target. Listing starts after the `_last_checkpoint` hint when the
 * hint is usable, and falls back to a full listing when it is stale, missing or wrong.
 *
 * Invariants:
 * - Only top-level files named by the protocol count: `N.json`, `N.checkpoint.parquet`,
 *   `N.checkpoint.o.p.parquet`. Sub-directories (`.tmp/`, `_sidecars/`), `.crc`, compaction files,
 *   `.s3-optimization-*` markers and `*.parquet.tmp*` leftovers are ignored.
 * - A multi-part checkpoint is used only when all its parts are present; empty files never count.
 * - Commits after the checkpoint must be contiguous (else ERR_DELTA_LOG_CORRUPT); missing commits
 *   before a covering checkpoint are fine. With no checkpoint and no commit 0 the requested version
 *   cannot be rebuilt (ERR_DELTA_VERSION_NOT_FOUND).
 */
import { AppError } from '../errors/index.ts';
import { commitKey, deltaLogPrefix, parseLogFileName, type ObjectMeta, type ObjectStore } from '../object-store/index.ts';
import { readLastCheckpoint } from './last-checkpoint.ts';

export type LogFileKind = 'commit' | 'checkpoint' | 'v2-checkpoint';

export interface LogFile {
  readonly kind: LogFileKind;
  readonly version: number;
  readonly key: string;
  readonly size: number;
  readonly lastModified: number;
  /** 1-based part number and part count of a multi-part checkpoint (1/1 for a classic one). */
  readonly part: number;
  readonly numParts: number;
}

export interface CheckpointRef {
  readonly version: number;
  /** Parts in part order. */
  readonly files: readonly LogFile[];
}

export interface LogSegment {
  readonly version: number;
  readonly checkpoint: CheckpointRef | undefined;
  /** JSON commits after the checkpoint, ascending, ending at `version`. */
  readonly commits: readonly LogFile[];
  /** The JSON commit of `version` when it still exists (it may be cleaned up behind a checkpoint). */
  readonly versionCommit: LogFile | undefined;
  /** Newest version found by the listing. */
  readonly latestVersion: number;
}

/**
 * Classify one listed object. File-name rules live in object-store/paths.ts; here they become
 * reader facts (a multi-part part is a checkpoint with part/numParts, UUID checkpoints are kept
 * only to explain a refusal, .crc and compaction files are dropped).
 */
export function parseLogFile(dir: string, meta: ObjectMeta): LogFile | undefined {
  if (meta.key.indexOf('/', dir.length) !== -1) return undefined;
  const name = parseLogFileName(meta.key.slice(dir.length));
  if (name === undefined) return undefined;
  const base = { key: meta.key, size: meta.size, lastModified: meta.lastModified, version: name.version, part: 1, numParts: 1 };
  switch (name.kind) {
    case 'commit': return { ...base, kind: 'commit' };
    case 'checkpoint': return { ...base, kind: 'checkpoint' };
    case 'multipart-checkpoint': return { ...base, kind: 'checkpoint', part: name.part ?? 1, numParts: name.parts ?? 1 };
    case 'uuid-checkpoint': return { ...base, kind: 'v2-checkpoint' };
    default: return undefined;
  }
}

/** Protocol-named files directly under `_delta_log/`, in key order, of versions ≥ `fromVersion`. */
export async function listLogFiles(store: ObjectStore, root: string, fromVersion?: number): Promise<LogFile[]> {
  const dir = deltaLogPrefix(root);
  // Every key of version v sorts after the bare 20-digit prefix of v, and every key of v-1 before it.
  const opts = fromVersion !== undefined && fromVersion > 0 ? { delimiter: '/', startAfter: commitKey(root, fromVersion).slice(0, -'.json'.length) } : { delimiter: '/' };
  const { objects } = await store.list(dir, opts);
  const out: LogFile[] = [];
  for (const meta of objects) {
    const f = parseLogFile(dir, meta);
    if (f !== undefined) out.push(f);
  }
  return out;
}

/** Complete checkpoints by version (classic preferred; multi-part only with every part present). */
function completeCheckpoints(files: readonly LogFile[]): Map<number, LogFile[]> {
  const byVersion = new Map<number, LogFile[]>();
  for (const f of files) {
    if (f.kind !== 'checkpoint' || f.size === 0) continue;
    const list = byVersion.get(f.version) ?? [];
    list.push(f);
    byVersion.set(f.version, list);
  }
  const out = new Map<number, LogFile[]>();
  for (const [version, list] of byVersion) {
    const classic = list.find((f) => f.key.endsWith('.checkpoint.parquet'));
    if (classic) { out.set(version, [classic]); continue; }
    // Several multi-part sets may coexist (different part counts); take the first complete one.
    const counts = [...new Set(list.map((f) => f.numParts))].sort((a, b) => a - b);
    for (const n of counts) {
      const parts = list.filter((f) => f.numParts === n).sort((a, b) => a.part - b.part);
      if (parts.length === n && parts.every((p, i) => p.part === i + 1)) { out.set(version, parts); break; }
    }
  }
  return out;
}

/** Pure: pick the segment for `target` (undefined = latest) from a listing. */
export function buildLogSegment(files: readonly LogFile[], target: number | undefined, rootForMessages = ''): LogSegment {
  const commits = new Map<number, LogFile>();
  for (const f of files) if (f.kind === 'commit') commits.set(f.version, f);
  const checkpoints = completeCheckpoints(files);
  let latest = -1;
  for (const v of commits.keys()) latest = Math.max(latest, v);
  for (const v of checkpoints.keys()) latest = Math.max(latest, v);
  if (latest < 0) {
    throw new AppError('ERR_TABLE_NOT_FOUND', `No Delta commits found under ${rootForMessages}_delta_log/; this is not a Delta table.`, { root: rootForMessages });
  }
  const version = target ?? latest;
  if (!Number.isSafeInteger(version) || version < 0 || version > latest) {
    throw new AppError('ERR_DELTA_VERSION_NOT_FOUND', `Version ${version} does not exist; the latest version of the table is ${latest}.`, { version, latestVersion: latest });
  }
  let cpVersion = -1;
  for (const v of checkpoints.keys()) if (v <= version && v > cpVersion) cpVersion = v;
  const segment: LogFile[] = [];
  for (let v = cpVersion + 1; v <= version; v++) {
    const c = commits.get(v);
    if (c !== undefined) { segment.push(c); continue; }
    const v2 = files.some((f) => f.kind === 'v2-checkpoint' && f.version <= version && f.version > cpVersion);
    if (v2) {
      throw new AppError('ERR_DELTA_UNSUPPORTED_FEATURE', 'The table relies on Delta v2 (UUID-named) checkpoints, which k3 does not implement.', { feature: 'v2Checkpoint' });
    }
    if (segment.length === 0 && cpVersion < 0) {
      throw new AppError('ERR_DELTA_VERSION_NOT_FOUND', `Version ${version} can no longer be reconstructed: commit ${v} was cleaned up and no checkpoint covers it.`, { version, missing: v });
    }
    throw new AppError('ERR_DELTA_LOG_CORRUPT', `Delta log versions not contiguous: commit ${v} is missing between ${cpVersion < 0 ? 0 : cpVersion} and ${version}.`, { version, missing: v });
  }
  const checkpoint = cpVersion >= 0 ? { version: cpVersion, files: checkpoints.get(cpVersion) ?? [] } : undefined;
  return { version, checkpoint, commits: segment, versionCommit: commits.get(version), latestVersion: latest };
}

/** List and select the log segment for `target` (undefined = latest), using `_last_checkpoint` when it helps. */
export async function getLogSegment(store: ObjectStore, root: string, target?: number): Promise<LogSegment> {
  const hint = await readLastCheckpoint(store, root);
  if (hint !== undefined && (target === undefined || target >= hint.version)) {
    // The hinted listing holds every version ≥ hint, so once it has a usable checkpoint its verdict
    // (including contiguity errors) equals the full listing's; otherwise fall back.
    const files = await listLogFiles(store, root, hint.version);
    const usable = [...completeCheckpoints(files).keys()].some((v) => target === undefined || v <= target);
    if (usable) return buildLogSegment(files, target, root);
  }
  return buildLogSegment(await listLogFiles(store, root), target, root);
}

/** Newest version in the log, or undefined when there is no Delta table at `root`. */
export async function latestVersion(store: ObjectStore, root: string): Promise<number | undefined> {
  const hint = await readLastCheckpoint(store, root);
  let files = hint !== undefined ? await listLogFiles(store, root, hint.version) : [];
  if (files.length === 0) files = await listLogFiles(store, root);
  let latest: number | undefined;
  for (const f of files) if (f.kind !== 'v2-checkpoint' && (latest === undefined || f.version > latest)) latest = f.version;
  return latest;
}

/**
 * Table history: one entry per JSON commit, newest first, read from each commit's `commitInfo`.
 * Paging lists the log once and reads only the commit files of the requested page. Versions whose
 * JSON was cleaned up behind a checkpoint are simply absent.
 */
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { commitTimestamp, readCommits } from './commit-reader.ts';
import { listLogFiles } from './log-segment.ts';

export interface HistoryEntry {
  readonly version: number;
  /** Epoch ms: inCommitTimestamp, else commitInfo.timestamp, else the commit file's mtime. */
  readonly timestamp: number;
  readonly operation: string | undefined;
  readonly operationParameters: Record<string, unknown>;
  readonly operationMetrics: Record<string, unknown>;
  readonly userMetadata: string | undefined;
  readonly engineInfo: string | undefined;
  readonly userName: string | undefined;
  readonly readVersion: number | undefined;
}

export interface HistoryPage {
  readonly currentVersion: number;
  readonly entries: HistoryEntry[];
  /** True when older commits exist beyond this page. */
  readonly hasMore: boolean;
  /** Pass as `beforeVersion` to get the next page; undefined for an empty page. */
  readonly oldestReturnedVersion: number | undefined;
}

export interface HistoryOptions {
  /** Page size (default 100). */
  readonly limit?: number;
  /** Only versions strictly below this one. */
  readonly beforeVersion?: number;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export async function readHistory(store: ObjectStore, rootIn: string, options: HistoryOptions = {}): Promise<HistoryPage> {
  const root = rootIn === '' || rootIn.endsWith('/') ? rootIn : `${rootIn}/`;
  const limit = options.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new AppError('ERR_BAD_REQUEST', `History limit must be a positive integer, got ${String(limit)}.`);
  }
  const files = await listLogFiles(store, root);
  if (files.length === 0) {
    throw new AppError('ERR_TABLE_NOT_FOUND', `No Delta commits found under ${store.url}${root}_delta_log/; this is not a Delta table.`, { root });
  }
  const currentVersion = files.reduce((max, f) => (f.kind !== 'v2-checkpoint' && f.version > max ? f.version : max), -1);
  const before = options.beforeVersion ?? Number.POSITIVE_INFINITY;
  const candidates = files.filter((f) => f.kind === 'commit' && f.version < before).sort((a, b) => b.version - a.version);
  const page = candidates.slice(0, limit);
  const commits = await readCommits(store, page);
  const entries = commits.map((c, i): HistoryEntry => {
    const info = c.commitInfo;
    return {
      version: c.version,
      timestamp: commitTimestamp(info, page[i]?.lastModified ?? 0),
      operation: typeof info?.operation === 'string' ? info.operation : undefined,
      operationParameters: record(info?.operationParameters),
      operationMetrics: record(info?.operationMetrics),
      userMetadata: typeof info?.userMetadata === 'string' ? info.userMetadata : undefined,
      engineInfo: typeof info?.engineInfo === 'string' ? info.engineInfo : undefined,
      userName: typeof info?.userName === 'string' ? info.userName : undefined,
      readVersion: typeof info?.readVersion === 'number' ? info.readVersion : undefined,
    };
  });
  return { currentVersion, entries, hasMore: candidates.length > page.length, oldestReturnedVersion: page[page.length - 1]?.version };
}

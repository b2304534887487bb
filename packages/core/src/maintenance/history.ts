/**
 * History: the Delta commit log as the HistoryResponse of the API, newest first, paged by version.
 *
 * Built on the reader's `readHistory` (one listing, then only the page's commit files). Wire shape
 * holds domain values: versions and `timestamp` (epoch ms) as numbers — the wire adapters encode
 * them — and `parameters` / `operationMetrics` / `userMetadata` as JSON objects (google.protobuf.Struct).
 * Delta logs userMetadata as a string: a JSON object string is returned as that object, any other
 * text as `{"text": "<the string>"}`; absent → field omitted. `readVersion` is 0 when the commit
 * has none (the initial CREATE), as the proto documents.
 * Paging: versions strictly below `beforeVersion`; `hasMore` says older commits exist; versions
 * whose JSON was cleaned up behind a checkpoint are absent (they have no commitInfo left).
 */
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { readHistory, type HistoryEntry as DeltaHistoryEntry } from '../delta/history.ts';
import { parseVersion } from './time-travel-target.ts';

export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 1000;

export interface HistoryRequest {
  readonly limit?: number | undefined;
  /** Only versions strictly below this one (the previous page's oldestReturnedVersion). */
  readonly beforeVersion?: number | undefined;
}

/** HistoryEntry (domain values: versions and epoch-ms timestamps as numbers; the wire adapters encode them). */
export interface HistoryEntry {
  readonly version: number;
  readonly timestamp: number;
  readonly operation: string;
  readonly parameters: Record<string, unknown>;
  readonly operationMetrics: Record<string, unknown>;
  readonly userMetadata?: Record<string, unknown>;
  readonly engineInfo?: string;
  /** Who made the commit: the token's name, or `system` (compactor, maintenance). */
  readonly userName?: string;
  readonly readVersion: number;
}

export interface HistoryResponse {
  readonly currentVersion: number;
  readonly entries: HistoryEntry[];
  readonly hasMore: boolean;
  /** Absent when the page is empty. */
  readonly oldestReturnedVersion?: number;
}

function parseLimit(n: number | undefined): number {
  if (n === undefined) return HISTORY_DEFAULT_LIMIT;
  if (!Number.isSafeInteger(n) || n < 1 || n > HISTORY_MAX_LIMIT) {
    throw new AppError('ERR_BAD_REQUEST', `History limit ${n} is not valid; give an integer from 1 to ${HISTORY_MAX_LIMIT} (default ${HISTORY_DEFAULT_LIMIT}).`, { limit: n });
  }
  return n;
}

function userMetadataStruct(text: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // not JSON: carried as text
  }
  return { text };
}

export function toWireHistoryEntry(e: DeltaHistoryEntry): HistoryEntry {
  const entry: {
    -readonly [K in keyof HistoryEntry]: HistoryEntry[K];
  } = {
    version: e.version,
    timestamp: e.timestamp,
    operation: e.operation ?? '',
    parameters: { ...e.operationParameters },
    operationMetrics: { ...e.operationMetrics },
    readVersion: e.readVersion ?? 0,
  };
  if (e.userMetadata !== undefined) entry.userMetadata = userMetadataStruct(e.userMetadata);
  if (e.engineInfo !== undefined) entry.engineInfo = e.engineInfo;
  if (e.userName !== undefined) entry.userName = e.userName;
  return entry;
}

export async function tableHistory(store: ObjectStore, root: string, request: HistoryRequest = {}): Promise<HistoryResponse> {
  const limit = parseLimit(request.limit);
  const beforeVersion = request.beforeVersion !== undefined ? parseVersion(request.beforeVersion, 'beforeVersion') : undefined;
  const page = await readHistory(store, root, beforeVersion === undefined ? { limit } : { limit, beforeVersion });
  const response: { -readonly [K in keyof HistoryResponse]: HistoryResponse[K] } = {
    currentVersion: page.currentVersion,
    entries: page.entries.map(toWireHistoryEntry),
    hasMore: page.hasMore,
  };
  if (page.oldestReturnedVersion !== undefined) response.oldestReturnedVersion = page.oldestReturnedVersion;
  return response;
}

/**
 * Parse one JSON commit (`NNNNNNNNNNNNNNNNNNNN.json`): newline-delimited JSON, one action per line.
 * Unknown action kinds and fields are kept on the objects and ignored by replay; explicit JSON
 * nulls are tolerated (delta-rs writes `"tags":null`). A line that is not a JSON object is a
 * corrupt log. Blank lines (trailing newline) are skipped.
 */
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { AddCDCFile, AddFile, CommitInfo, Metadata, Protocol, RemoveFile, Txn } from './actions.ts';
import type { CheckpointActions } from './checkpoint-reader.ts';

/** The actions of one commit, grouped by kind, in log order within each kind. */
export interface CommitActions extends CheckpointActions {
  commitInfo: CommitInfo | undefined;
  /** Change data files (Change Data Feed); checkpoints never hold them. */
  cdcs?: AddCDCFile[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseCommit(bytes: Uint8Array, version: number): CommitActions {
  const out: CommitActions = { version, adds: [], removes: [], txns: [], protocol: undefined, metadata: undefined, commitInfo: undefined };
  const text = new TextDecoder().decode(bytes);
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    let action: unknown;
    try {
      action = JSON.parse(line);
    } catch {
      throw new AppError('ERR_DELTA_LOG_CORRUPT', `Delta commit ${version} has an unparsable line ${lineNo}; the log is corrupt. Restore the commit file from a backup.`, { version, line: lineNo });
    }
    if (!isObject(action)) {
      throw new AppError('ERR_DELTA_LOG_CORRUPT', `Delta commit ${version} line ${lineNo} is not a JSON object.`, { version, line: lineNo });
    }
    const { add, remove, txn, protocol, metaData, commitInfo, cdc } = action;
    if (isObject(add)) out.adds.push(add as unknown as AddFile);
    else if (isObject(remove)) out.removes.push(remove as unknown as RemoveFile);
    else if (isObject(txn)) out.txns.push(txn as unknown as Txn);
    else if (isObject(protocol)) out.protocol = protocol as unknown as Protocol;
    else if (isObject(metaData)) out.metadata = metaData as unknown as Metadata;
    else if (isObject(commitInfo)) out.commitInfo = commitInfo as CommitInfo;
    else if (isObject(cdc)) (out.cdcs ??= []).push(cdc as unknown as AddCDCFile);
  }
  return out;
}

/** Commit timestamp in epoch ms: inCommitTimestamp, else commitInfo.timestamp, else the fallback (file mtime). */
export function commitTimestamp(commitInfo: CommitInfo | undefined, fallbackMs: number): number {
  const ict = commitInfo?.inCommitTimestamp;
  if (typeof ict === 'number' && Number.isFinite(ict)) return ict;
  const ts = commitInfo?.timestamp;
  if (typeof ts === 'number' && Number.isFinite(ts)) return ts;
  return fallbackMs;
}

/** Fetch and parse commit files, at most `concurrency` GETs in flight, results in input order. */
export async function readCommits(
  store: ObjectStore,
  files: readonly { readonly key: string; readonly version: number }[],
  concurrency = 16,
): Promise<CommitActions[]> {
  const out = new Array<CommitActions>(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const f = files[i];
      if (f === undefined) break;
      const bytes = await store.get(f.key);
      if (bytes === undefined) {
        throw new AppError('ERR_DELTA_LOG_CORRUPT', `Delta commit ${f.version} (${f.key}) disappeared while reading; retry, and if it persists the log is damaged.`, { version: f.version, key: f.key });
      }
      out[i] = parseCommit(bytes, f.version);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return out;
}

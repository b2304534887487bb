/**
 * Time travel by timestamp: the version that was current at a point in time, i.e. the newest
 * commit whose timestamp is ≤ the requested time.
 *
 * A commit's timestamp is its `commitInfo.inCommitTimestamp` when the table writes in-commit
 * timestamps (detected on the newest commit), else the commit file's modification time from the
 * listing. Like Spark, modification times are made strictly increasing (t ≤ previous → previous
 * + 1 ms) so that clock skew cannot make the search non-monotonic.
 *
 * Out of range follows Delta Kernel: a time before the earliest reconstructable commit or after
 * the latest commit is ERR_DELTA_TIMESTAMP_OUT_OF_RANGE (delta-rs instead clamps "before" to the
 * earliest version; we do not, so that a query never silently reads a different table state).
 */
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { readCommits } from './commit-reader.ts';
import { listLogFiles, type LogFile } from './log-segment.ts';

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

/** Commits that can be time-travelled to: from the earliest reconstructable version on, contiguous. */
export function travelableCommits(files: readonly LogFile[]): LogFile[] {
  const commits = files.filter((f) => f.kind === 'commit').sort((a, b) => a.version - b.version);
  const hasZero = commits[0]?.version === 0;
  const earliest = hasZero ? 0 : files.reduce((min, f) => (f.kind === 'checkpoint' && f.size > 0 && f.version < min ? f.version : min), Number.POSITIVE_INFINITY);
  return commits.filter((c) => c.version >= earliest);
}

export async function resolveVersionAtTimestamp(store: ObjectStore, root: string, timestampMs: number): Promise<number> {
  if (!Number.isFinite(timestampMs)) {
    throw new AppError('ERR_BAD_REQUEST', `The time-travel timestamp ${String(timestampMs)} is not a valid time.`);
  }
  const files = await listLogFiles(store, root);
  if (files.length === 0) {
    throw new AppError('ERR_TABLE_NOT_FOUND', `No Delta commits found under ${store.url}${root}_delta_log/; this is not a Delta table.`, { root });
  }
  const commits = travelableCommits(files);
  const last = commits[commits.length - 1];
  if (last === undefined) {
    throw new AppError('ERR_DELTA_TIMESTAMP_OUT_OF_RANGE', 'The table has no commit files left to resolve a timestamp against.', { timestamp: timestampMs });
  }
  const [latestCommit] = await readCommits(store, [last]);
  const usesIct = typeof latestCommit?.commitInfo?.inCommitTimestamp === 'number';

  let at: (i: number) => Promise<number>;
  if (usesIct) {
    const cache = new Map<number, number>();
    at = async (i) => {
      const hit = cache.get(i);
      if (hit !== undefined) return hit;
      const c = commits[i] as LogFile;
      const [parsed] = await readCommits(store, [c]);
      const ict = parsed?.commitInfo?.inCommitTimestamp;
      const ts = typeof ict === 'number' ? ict : c.lastModified;
      cache.set(i, ts);
      return ts;
    };
  } else {
    const mono: number[] = [];
    for (const [i, c] of commits.entries()) mono.push(i === 0 ? c.lastModified : Math.max(c.lastModified, (mono[i - 1] as number) + 1));
    at = (i) => Promise.resolve(mono[i] as number);
  }

  const firstTs = await at(0);
  const lastTs = await at(commits.length - 1);
  const first = commits[0] as LogFile;
  if (timestampMs < firstTs) {
    throw new AppError('ERR_DELTA_TIMESTAMP_OUT_OF_RANGE', `The timestamp ${iso(timestampMs)} is before the earliest available version ${first.version} (${iso(firstTs)}); use a later time.`, { timestamp: timestampMs, earliestVersion: first.version, earliestTimestamp: firstTs });
  }
  if (timestampMs > lastTs) {
    throw new AppError('ERR_DELTA_TIMESTAMP_OUT_OF_RANGE', `The timestamp ${iso(timestampMs)} is after the latest available version ${last.version} (${iso(lastTs)}); use an earlier time or read the latest version.`, { timestamp: timestampMs, latestVersion: last.version, latestTimestamp: lastTs });
  }
  // Binary search: the last index whose timestamp is ≤ timestampMs.
  let lo = 0;
  let hi = commits.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await at(mid)) <= timestampMs) lo = mid;
    else hi = mid - 1;
  }
  return (commits[lo] as LogFile).version;
}

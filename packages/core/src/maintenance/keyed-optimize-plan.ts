/**
 * Which partitions of a keyed table OPTIMIZE (compact) rewrites (pure, no I/O). A keyed table's
 * files are written the way the drain writes them (docs/design/maintenance.md, "OPTIMIZE of keyed
 * tables"): sorted by the primary key and cut into disjoint key-range files of at most `fileRows`
 * rows — so the whole partition is one bin (its rows are re-cut together, as Z-order does).
 *
 * A partition is rewritten when that changes something: its files' ranges of the first key column
 * overlap (or a file has no usable min/max for it), or it has more files than its rows need
 * (`ceil(rows / fileRows)`, one file when fileRows is 0) — many small key-range files left by
 * drains are merged, while a partition already in key-range files is skipped, so OPTIMIZE of an
 * optimized table is a no-op rather than a rewrite of every file.
 */
import type { ActiveFile } from '../delta/snapshot.ts';

export interface KeyedCompact {
  /** The first primary-key column (its min/max stats decide overlap). */
  readonly column: string;
  /** K3_KEYED_FILE_ROWS; 0 = one file per partition. */
  readonly fileRows: number;
}

type Bound = number | string;

function bound(v: unknown): Bound | undefined {
  return typeof v === 'number' || typeof v === 'string' ? v : undefined;
}

/** [min, max] of the key column per file, or undefined when any file lacks comparable stats. */
function ranges(files: readonly ActiveFile[], column: string): [Bound, Bound][] | undefined {
  const out: [Bound, Bound][] = [];
  for (const f of files) {
    const lo = bound(f.stats?.minValues[column]);
    const hi = bound(f.stats?.maxValues[column]);
    if (lo === undefined || hi === undefined || typeof lo !== typeof hi) return undefined;
    out.push([lo, hi]);
  }
  const kinds = new Set(out.map(([lo]) => typeof lo));
  return kinds.size <= 1 ? out : undefined;
}

/** True when the partition's files are not already disjoint key-range files of the right count. */
export function keyedPartitionNeedsRewrite(files: readonly ActiveFile[], keyed: KeyedCompact): boolean {
  if (files.length < 2) return false;
  const rows = files.reduce((n, f) => n + (f.stats?.numRecords ?? Number.POSITIVE_INFINITY), 0);
  if (!Number.isFinite(rows)) return true;
  const needed = keyed.fileRows > 0 ? Math.max(1, Math.ceil(rows / keyed.fileRows)) : 1;
  if (files.length > needed) return true;
  const rs = ranges(files, keyed.column);
  if (rs === undefined) return true;
  // String stats may be cut prefixes: a max that is a prefix of the next min could hide overlap, so only a strict order counts as disjoint.
  rs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return rs.some(([lo], i) => i > 0 && !(rs[i - 1]![1] < lo));
}

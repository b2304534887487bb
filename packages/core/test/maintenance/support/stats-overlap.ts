/** Data skipping as a reader would do it: files whose [min, max] stats overlap every range. */
import type { Snapshot } from '../../../src/delta/snapshot.ts';

export type Ranges = Readonly<Record<string, readonly [number, number]>>;

export function filesOverlapping(snapshot: Pick<Snapshot, 'files'>, ranges: Ranges): number {
  return snapshot.files.filter((f) => {
    if (f.stats === undefined) return true; // no stats: must be read
    return Object.entries(ranges).every(([col, [lo, hi]]) => {
      const min = f.stats?.minValues[col];
      const max = f.stats?.maxValues[col];
      if (typeof min !== 'number' || typeof max !== 'number') return true;
      return max >= lo && min <= hi;
    });
  }).length;
}

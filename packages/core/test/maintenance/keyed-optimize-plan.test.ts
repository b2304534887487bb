/**
 * keyedPartitionNeedsRewrite (pure): a keyed partition is rewritten into key-range files only when
 * its files' key ranges overlap, a file lacks usable stats, or it has more files than its rows need.
 */
import { describe, expect, it } from 'vitest';
import type { ActiveFile } from '../../src/delta/snapshot.ts';
import { keyedPartitionNeedsRewrite } from '../../src/maintenance/keyed-optimize-plan.ts';

function file(rows: number, min: unknown, max: unknown): ActiveFile {
  const stats = min === undefined ? undefined : { numRecords: rows, minValues: { id: min }, maxValues: { id: max }, nullCount: { id: 0 } };
  return { add: { path: `f-${String(min)}`, partitionValues: {}, size: 100, modificationTime: 0, dataChange: true }, key: `f-${String(min)}`, stats, partitionValues: {} } as ActiveFile;
}

const keyed = { column: 'id', fileRows: 100 };

describe('keyedPartitionNeedsRewrite', () => {
  it('skips a single file and disjoint key-range files of the right count', () => {
    expect(keyedPartitionNeedsRewrite([file(50, 1, 50)], keyed)).toBe(false);
    expect(keyedPartitionNeedsRewrite([file(100, 101, 200), file(100, 1, 100), file(10, 201, 210)], keyed)).toBe(false);
    expect(keyedPartitionNeedsRewrite([file(100, 'b', 'c'), file(100, 'a', 'az')], keyed)).toBe(false);
  });

  it('rewrites overlapping ranges, too many files, missing or mixed stats', () => {
    expect(keyedPartitionNeedsRewrite([file(100, 1, 150), file(100, 100, 200)], keyed)).toBe(true);
    expect(keyedPartitionNeedsRewrite([file(100, 1, 100), file(100, 100, 200)], keyed)).toBe(true); // touching bounds
    expect(keyedPartitionNeedsRewrite([file(60, 1, 60), file(30, 61, 90)], keyed)).toBe(true); // 90 rows fit one file
    expect(keyedPartitionNeedsRewrite([file(100, 1, 100), file(100, undefined, undefined)], keyed)).toBe(true);
    expect(keyedPartitionNeedsRewrite([file(100, 1, 100), file(100, 'x', 'y')], keyed)).toBe(true);
  });

  it('fileRows 0: one file per partition', () => {
    expect(keyedPartitionNeedsRewrite([file(100, 1, 100), file(100, 101, 200)], { column: 'id', fileRows: 0 })).toBe(true);
  });
});

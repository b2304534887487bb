import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ActiveFile } from '../../src/delta/snapshot.ts';
import { jobCount, packPartitions } from '../../src/dispatch/pack-scan-jobs.ts';
import { toScanJobs } from '../../src/dispatch/to-scan-jobs.ts';
import type { FederatedJob } from '../../src/plan/index.ts';

const file = (key: string, size: number, region: string): ActiveFile => ({
  key, add: { path: key, partitionValues: { region }, size, modificationTime: 0, dataChange: true }, stats: undefined, partitionValues: { region },
} as ActiveFile);

const partition = (region: string, sizes: number[]): FederatedJob => ({
  partitionValues: { region }, files: sizes.map((s, i) => file(`region=${region}/f${i}.parquet`, s, region)), partialSql: 'SELECT 1',
} as FederatedJob);

describe('packPartitions (K3_FEDERATE_MAX_JOBS)', () => {
  const four = [partition('UK', [100]), partition('EU', [400]), partition('US', [300]), partition('APAC', [200, 50])];

  it('0 or a limit at or above the partition count keeps one job per partition, in plan order', () => {
    expect(packPartitions(four, 0)).toEqual(four.map((p) => [p]));
    expect(packPartitions(four, 4)).toEqual(four.map((p) => [p]));
    expect(packPartitions(four, 9)).toEqual(four.map((p) => [p]));
  });

  it('packs by bytes: the largest partition first onto the lightest job; plan order inside and across jobs', () => {
    // EU 400 → A; US 300 → B; APAC 250 → B (300 < 400) = 550; UK 100 → A = 500. Jobs ordered by their first partition.
    const packed = packPartitions(four, 2);
    expect(packed.map((g) => g.map((p) => p.partitionValues['region']))).toEqual([['UK', 'EU'], ['US', 'APAC']]);
    expect(packPartitions(four, 1).map((g) => g.map((p) => p.partitionValues['region']))).toEqual([['UK', 'EU', 'US', 'APAC']]);
  });

  it('property: every partition lands in exactly one job, never more jobs than the limit, none empty', () => {
    fc.assert(fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 0, maxLength: 3 }), { minLength: 0, maxLength: 40 }), fc.integer({ min: 0, max: 8 }), (sizes, max) => {
      const parts = sizes.map((s, i) => partition(`p${i}`, s));
      const packed = packPartitions(parts, max);
      expect(packed.length).toBe(max === 0 ? parts.length : Math.min(max, parts.length));
      expect(packed.every((g) => g.length > 0)).toBe(true);
      const seen = packed.flat();
      expect(seen).toHaveLength(parts.length);
      expect(new Set(seen)).toEqual(new Set(parts));
    }), { numRuns: 200 });
  });

  it('toScanJobs with maxJobs: each job carries its partitions\' files with their own partition values', () => {
    const jobs = toScanJobs({ jobs: four, relations: { partition: 'p', merged: 'm', rows: 'r' } },
      { queryId: 'q', bucket: 'b', tableRoot: 'tables/t/', schema: { type: 'struct', fields: [] }, partitionColumns: ['region'], deadline: 1, maxJobs: 2 });
    expect(jobs.map((j) => j.jobIndex)).toEqual([0, 1]);
    expect(jobs.map((j) => j.files.map((f) => `${f.partitionValues['region']}:${f.key}`))).toEqual([
      ['UK:region=UK/f0.parquet', 'EU:region=EU/f0.parquet'],
      ['US:region=US/f0.parquet', 'APAC:region=APAC/f0.parquet', 'APAC:region=APAC/f1.parquet'],
    ]);
    expect(jobs.every((j) => j.partialSql === 'SELECT 1')).toBe(true);
  });

  it('K3_FEDERATE_MIN_JOB_BYTES: no more jobs than one per that many bytes, at least one, never above the max', () => {
    // four = 1,050 bytes.
    expect(jobCount(4, 1_050, 0, 0)).toBe(4);
    expect(jobCount(4, 1_050, 0, 500)).toBe(2);
    expect(jobCount(4, 1_050, 0, 2_000)).toBe(1);
    expect(jobCount(4, 1_050, 3, 100)).toBe(3);
    expect(jobCount(4, 1_050, 2, 1_050)).toBe(1);
    expect(packPartitions(four, 0, 2_000).map((g) => g.length)).toEqual([4]);
    expect(packPartitions(four, 4, 500).map((g) => g.map((p) => p.partitionValues['region']))).toEqual([['UK', 'EU'], ['US', 'APAC']]);
    expect(packPartitions(four, 0, 100)).toEqual(four.map((p) => [p]));
  });
});

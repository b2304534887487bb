/** `k3 cluster up` packs a fan-out into the cluster's worker slots, and splits the cores among its workers, unless told otherwise. */
import { describe, expect, it } from 'vitest';
import { packedJobs, workerThreads } from '../src/cluster/local-cluster.ts';

describe('packedJobs', () => {
  it('sets K3_FEDERATE_MAX_JOBS to workers × K3_WORKER_CONCURRENCY', () => {
    expect(packedJobs(2, { K3_FEDERATE_MAX_JOBS: 0, K3_WORKER_CONCURRENCY: 2 })).toEqual({ K3_FEDERATE_MAX_JOBS: '4' });
    expect(packedJobs(3, { K3_FEDERATE_MAX_JOBS: 0, K3_WORKER_CONCURRENCY: 1 })).toEqual({ K3_FEDERATE_MAX_JOBS: '3' });
  });

  it('leaves a positive K3_FEDERATE_MAX_JOBS of the settings to the coordinator', () => {
    expect(packedJobs(2, { K3_FEDERATE_MAX_JOBS: 7, K3_WORKER_CONCURRENCY: 2 })).toEqual({});
  });

  it('sets nothing without workers (the coordinator runs the plan itself)', () => {
    expect(packedJobs(0, { K3_FEDERATE_MAX_JOBS: 0, K3_WORKER_CONCURRENCY: 2 })).toEqual({});
  });
});

describe('workerThreads', () => {
  it('gives each worker cores ÷ workers DuckDB threads, at least 1', () => {
    expect(workerThreads(1, { K3_DUCKDB_THREADS: 0 }, 2)).toEqual({ K3_DUCKDB_THREADS: '2' });
    expect(workerThreads(2, { K3_DUCKDB_THREADS: 0 }, 2)).toEqual({ K3_DUCKDB_THREADS: '1' });
    expect(workerThreads(4, { K3_DUCKDB_THREADS: 0 }, 2)).toEqual({ K3_DUCKDB_THREADS: '1' });
    expect(workerThreads(3, { K3_DUCKDB_THREADS: 0 }, 16)).toEqual({ K3_DUCKDB_THREADS: '5' });
  });

  it('leaves a positive K3_DUCKDB_THREADS of the settings to the workers, and sets nothing without workers', () => {
    expect(workerThreads(2, { K3_DUCKDB_THREADS: 2 }, 2)).toEqual({});
    expect(workerThreads(0, { K3_DUCKDB_THREADS: 0 }, 2)).toEqual({});
  });
});

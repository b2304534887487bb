/** `k3 cluster up` packs a fan-out into the cluster's worker slots unless told otherwise. */
import { describe, expect, it } from 'vitest';
import { packedJobs } from '../src/cluster/local-cluster.ts';

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

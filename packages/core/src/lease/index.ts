export type { Lease, LeaseHandle, LeaseOptions } from './lease.ts';
export { LocalLease, LocalLeaseRegistry } from './local-lease.ts';
export { RedisLease } from './redis-lease.ts';
export { acquireFence, claimEpoch, raiseEpoch, assertNotFenced, fencedError, EPOCH_OPERATION, type Fence } from './epoch-fence.ts';

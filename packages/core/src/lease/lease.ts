/**
 * Lease: the port for leader election among compactors. It only decides who SHOULD drain a table
 * (to avoid wasted work); safety comes from the storage epoch (epoch-fence.ts), so a lease that is
 * lost, expires early or is granted twice (Redis restarted without data) costs work, never rows.
 * Adapters: RedisLease (distributed mode), LocalLease (embedded mode, one process).
 */
export interface LeaseHandle {
  readonly name: string;
  readonly holder: string;
  /** False once the lease was lost (renewal failed or expired) or released. */
  isHeld(): boolean;
  /** Stops renewing and gives the lease up if still held by this holder. */
  release(): Promise<void>;
}

export interface Lease {
  /** The lease `name` for this holder, or undefined when someone else holds it. */
  tryAcquire(name: string): Promise<LeaseHandle | undefined>;
}

export interface LeaseOptions {
  /** Identifies this process (host:pid:uuid); written as the lease value. */
  readonly holder: string;
  /** Lease lifetime without renewal. */
  readonly ttlMs: number;
  /** Renewal period (default ttl / 3). */
  readonly renewEveryMs?: number;
}

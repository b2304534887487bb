/**
 * LocalLease: in-process leases for embedded mode (one process, no Redis). Entries expire after
 * ttlMs unless renewed, like RedisLease, so a stuck holder is replaced; holders sharing one
 * registry compete as separate compactors would.
 */
import type { Lease, LeaseHandle, LeaseOptions } from './lease.ts';

export class LocalLeaseRegistry {
  readonly entries = new Map<string, { holder: string; expiresAt: number }>();
  readonly clock: () => number;
  constructor(clock: () => number = Date.now) {
    this.clock = clock;
  }
}

export class LocalLease implements Lease {
  readonly #registry: LocalLeaseRegistry;
  readonly #opts: LeaseOptions;

  constructor(registry: LocalLeaseRegistry, opts: LeaseOptions) {
    this.#registry = registry;
    this.#opts = opts;
  }

  async tryAcquire(name: string): Promise<LeaseHandle | undefined> {
    const reg = this.#registry;
    const { holder, ttlMs } = this.#opts;
    const now = reg.clock();
    const current = reg.entries.get(name);
    if (current !== undefined && current.holder !== holder && current.expiresAt > now) return undefined;
    reg.entries.set(name, { holder, expiresAt: now + ttlMs });
    let released = false;
    const renew = (): void => {
      const e = reg.entries.get(name);
      if (e?.holder === holder && e.expiresAt > reg.clock()) e.expiresAt = reg.clock() + ttlMs;
    };
    const timer = setInterval(renew, this.#opts.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3)));
    timer.unref();
    return {
      name,
      holder,
      isHeld: () => {
        const e = reg.entries.get(name);
        return !released && e?.holder === holder && e.expiresAt > reg.clock();
      },
      release: async () => {
        released = true;
        clearInterval(timer);
        if (reg.entries.get(name)?.holder === holder) reg.entries.delete(name);
      },
    };
  }
}

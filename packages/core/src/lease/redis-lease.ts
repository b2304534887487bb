/**
 * RedisLease: `SET key holder NX PX ttl` to acquire, a Lua compare-and-PEXPIRE to renew, a Lua
 * compare-and-DEL to release (never deleting a lease someone else took after ours expired).
 * A failed renewal (not ours any more, or Redis unreachable) marks the handle lost at once. If
 * Redis restarts without its data two holders can both believe they lead; the storage epoch
 * fences the older one (epoch-fence.ts), so that costs work, not correctness.
 */
import type { Redis } from 'ioredis';
import type { Lease, LeaseHandle, LeaseOptions } from './lease.ts';

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export class RedisLease implements Lease {
  readonly #redis: Redis;
  readonly #opts: LeaseOptions;
  readonly #prefix: string;

  constructor(redis: Redis, opts: LeaseOptions & { keyPrefix?: string }) {
    this.#redis = redis;
    this.#opts = opts;
    this.#prefix = opts.keyPrefix ?? 'k3:lease:';
  }

  async tryAcquire(name: string): Promise<LeaseHandle | undefined> {
    const key = `${this.#prefix}${name}`;
    const { holder, ttlMs } = this.#opts;
    // Local expiry counts from before the request, so it is never later than Redis's own.
    const sentAt = Date.now();
    const ok = await this.#redis.set(key, holder, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') {
      // Re-acquiring our own live lease (e.g. after a restart with the same holder id) is fine.
      if ((await this.#redis.get(key)) !== holder) return undefined;
    }
    let held = true;
    let expiresAt = sentAt + ttlMs;
    const renew = async (): Promise<void> => {
      const renewSentAt = Date.now();
      try {
        const r = await this.#redis.eval(RENEW, 1, key, holder, String(ttlMs));
        if (Number(r) === 1) expiresAt = renewSentAt + ttlMs;
        else held = false;
      } catch {
        held = false;
      }
      if (!held) clearInterval(timer);
    };
    const timer = setInterval(() => void renew(), this.#opts.renewEveryMs ?? Math.max(1, Math.floor(ttlMs / 3)));
    timer.unref();
    return {
      name,
      holder,
      isHeld: () => held && Date.now() < expiresAt,
      release: async () => {
        held = false;
        clearInterval(timer);
        await this.#redis.eval(RELEASE, 1, key, holder).catch(() => undefined);
      },
    };
  }
}

/**
 * CompactorLeader: one compactor's leadership of one table — lease (who should drain) plus storage
 * epoch (who may commit). A term starts when the lease is won: a fresh epoch is claimed and raised
 * in the Delta log (fencing every older leader), then each `tick` drains under that fence. A term
 * ends when the lease is lost or the drain reports ERR_COMPACTOR_FENCED; the next tick competes
 * again. Ticks of one leader never overlap (callers await them).
 */
import { AppError } from '../errors/index.ts';
import type { RewriteDeps } from '../maintenance/maintenance-deps.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { acquireFence, type Fence } from '../lease/epoch-fence.ts';
import type { Lease, LeaseHandle } from '../lease/lease.ts';
import { drainTable, type DrainOptions, type DrainResult } from './drain.ts';

export class CompactorLeader {
  readonly #store: ObjectStore;
  readonly #root: string;
  readonly #lease: Lease;
  readonly #deps: RewriteDeps;
  readonly #holder: string;
  #term: { handle: LeaseHandle; fence: Fence } | undefined;

  constructor(store: ObjectStore, root: string, lease: Lease, deps: RewriteDeps, holder: string) {
    this.#store = store;
    this.#root = root;
    this.#lease = lease;
    this.#deps = deps;
    this.#holder = holder;
  }

  get fence(): Fence | undefined {
    return this.#term?.fence;
  }

  /** Drains one batch if this compactor leads the table; undefined when another one does. */
  async tick(opts: Omit<DrainOptions, 'fence'>): Promise<DrainResult | undefined> {
    const term = await this.#ensureTerm();
    if (term === undefined) return undefined;
    try {
      return await drainTable(this.#store, this.#root, { ...opts, fence: term.fence }, this.#deps);
    } catch (err) {
      if (err instanceof AppError && err.code === 'ERR_COMPACTOR_FENCED') await this.stop();
      throw err;
    }
  }

  /** Ends the term and gives the lease back. */
  async stop(): Promise<void> {
    const term = this.#term;
    this.#term = undefined;
    await term?.handle.release();
  }

  async #ensureTerm(): Promise<{ handle: LeaseHandle; fence: Fence } | undefined> {
    if (this.#term !== undefined && this.#term.handle.isHeld()) return this.#term;
    await this.stop();
    const handle = await this.#lease.tryAcquire(`compactor:${this.#store.url}${this.#root}`);
    if (handle === undefined) return undefined;
    try {
      this.#term = { handle, fence: await acquireFence(this.#store, this.#root, this.#holder, this.#deps.transaction) };
    } catch (err) {
      await handle.release();
      throw err;
    }
    return this.#term;
  }
}

/**
 * CompactorService: the automatic compactor's timer loop over every keyed table of every bucket
 * (embedded in the coordinator, or alone in services/compactor). Each tick DISCOVERS the tables
 * from the store itself — bucket list (BucketStores.list) → table directories under the tables
 * prefix (Catalog.tableNames) — so a table created by any process is picked up on the next tick
 * without any registry; then `compactorTick` (backlog → decideDrain → CompactorLeader) per bucket.
 * One CompactorLeader per (bucket, table) is kept across ticks so a term (lease + storage epoch)
 * lasts as long as the lease does. Ticks never overlap; `stop()` waits for the running tick and
 * gives every lease back. No logging here: outcomes and errors go to the callbacks.
 */
import { Catalog, type BucketStores } from '../catalog/index.ts';
import type { Config } from '../config/index.ts';
import type { Lease } from '../lease/lease.ts';
import type { RewriteDeps } from '../maintenance/maintenance-deps.ts';
import { CompactorLeader } from './compactor-leader.ts';
import { compactorTick, type TickOutcome } from './compactor-loop.ts';
import type { DrainPolicy } from './drain-policy.ts';
import { TickLoop } from './tick-loop.ts';

export interface CompactorServiceOptions {
  readonly stores: BucketStores;
  readonly tablesPrefix: string;
  readonly deps: RewriteDeps;
  readonly lease: Lease;
  /** This process's identity in leases and epoch claims (host:pid:uuid). */
  readonly holder: string;
  readonly policy: DrainPolicy;
  readonly batchSize: number;
  readonly intervalMs: number;
  readonly maxBatches?: number;
  /** The catalog whose snapshot cache the ticks read (embedded: the engine's own, so a table's snapshot is held once); default: a new one. */
  readonly catalog?: Catalog;
  readonly onTick?: (bucket: string, outcomes: readonly TickOutcome[]) => void;
  readonly onError?: (err: unknown) => void;
}

export class CompactorService {
  readonly #opts: CompactorServiceOptions;
  readonly #catalog: Catalog;
  readonly #leaders = new Map<string, CompactorLeader>();
  readonly #loop: TickLoop;

  constructor(opts: CompactorServiceOptions) {
    this.#opts = opts;
    this.#catalog = opts.catalog ?? new Catalog({ stores: opts.stores, tablesPrefix: opts.tablesPrefix });
    this.#loop = new TickLoop(() => this.tickOnce(), opts.intervalMs, (err) => this.#opts.onError?.(err));
  }

  /** One pass over every bucket's tables. */
  async tickOnce(): Promise<{ bucket: string; outcomes: TickOutcome[] }[]> {
    const out: { bucket: string; outcomes: TickOutcome[] }[] = [];
    for (const bucket of await this.#opts.stores.list()) {
      if (this.#loop.stopped) break;
      const store = this.#opts.stores.open(bucket);
      const names = await this.#catalog.tableNames(store);
      const handles = new Map(names.map((name) => {
        const handle = this.#catalog.handle(bucket, store, name);
        return [handle.root, handle] as const;
      }));
      const tables = [...handles.keys()].map((root) => {
        const id = `${bucket}\u0000${root}`;
        let leader = this.#leaders.get(id);
        if (leader === undefined) {
          leader = new CompactorLeader(store, root, this.#opts.lease, this.#opts.deps, this.#opts.holder);
          this.#leaders.set(id, leader);
        }
        return { root, leader };
      });
      const outcomes = await compactorTick(store, tables, {
        // The catalog's snapshot cache: an idle table costs its log's head, not a load every tick.
        snapshot: async (_store, root) => { const handle = handles.get(root); return handle === undefined ? undefined : this.#catalog.trySnapshot(handle); },
        policy: this.#opts.policy, batchSize: this.#opts.batchSize, ...(this.#opts.maxBatches !== undefined ? { maxBatches: this.#opts.maxBatches } : {}),
      });
      this.#opts.onTick?.(bucket, outcomes);
      out.push({ bucket, outcomes });
    }
    return out;
  }

  start(): void {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    for (const leader of this.#leaders.values()) await leader.stop().catch(() => undefined);
    this.#leaders.clear();
  }
}

/** The K3_COMPACTOR_* settings as CompactorService options. */
export function compactorSettings(config: Pick<Config, 'K3_TABLES_PREFIX' | 'K3_COMPACTOR_INTERVAL' | 'K3_COMPACTOR_BACKLOG_ENTRIES' | 'K3_COMPACTOR_BACKLOG_AGE' | 'K3_COMPACTOR_BATCH_SIZE'>): Pick<CompactorServiceOptions, 'tablesPrefix' | 'policy' | 'batchSize' | 'intervalMs'> {
  return {
    tablesPrefix: config.K3_TABLES_PREFIX,
    policy: { backlogEntries: config.K3_COMPACTOR_BACKLOG_ENTRIES, backlogAgeMs: config.K3_COMPACTOR_BACKLOG_AGE },
    batchSize: config.K3_COMPACTOR_BATCH_SIZE,
    intervalMs: config.K3_COMPACTOR_INTERVAL,
  };
}

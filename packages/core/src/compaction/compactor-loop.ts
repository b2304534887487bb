/**
 * One automatic compactor tick over a set of tables (the service calls it every
 * K3_COMPACTOR_INTERVAL): for each table, read the backlog (one LIST), decide with the drain
 * policy, and if due, drain through that table's CompactorLeader until the log is caught up or
 * `maxBatches` ran. Tables are independent: one table's failure is reported, not thrown, so it
 * cannot stall the others. Pure orchestration: no logging, no timers.
 */
import type { Snapshot } from '../delta/snapshot.ts';
import { loadSnapshot } from '../delta/snapshot.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { primaryKeyOf } from '../catalog/table-spec.ts';
import { walBacklog, type WalBacklog } from '../wal/wal-reader.ts';
import type { CompactorLeader } from './compactor-leader.ts';
import type { DrainResult } from './drain.ts';
import { decideDrain, type DrainPolicy } from './drain-policy.ts';

export interface TickTable {
  readonly root: string;
  readonly leader: CompactorLeader;
}

/** `backlog` is the write-log backlog the tick observed before deciding (metrics export it). */
export type TickOutcome =
  | { readonly root: string; readonly status: 'not-keyed' }
  | { readonly root: string; readonly status: 'idle' | 'not-leader'; readonly backlog: WalBacklog }
  | { readonly root: string; readonly status: 'drained'; readonly reason: 'size' | 'age'; readonly results: DrainResult[]; readonly backlog: WalBacklog; readonly ms: number }
  | { readonly root: string; readonly status: 'failed'; readonly error: unknown };

export interface TickOptions {
  /**
   * The table's newest snapshot, undefined when it is gone. Default: a full load from the log. The
   * service passes its catalog's cache (never stale: it checks the log's head each time; on the local
   * directory two HEADs while the log has not moved), so an idle tick reads no checkpoint or commit.
   */
  readonly snapshot?: (store: ObjectStore, root: string) => Promise<Snapshot | undefined>;
  readonly policy: DrainPolicy;
  readonly batchSize: number;
  /** Drains per table per tick at most (default 10), so one huge backlog cannot starve the rest. */
  readonly maxBatches?: number;
  readonly clock?: () => number;
}

export async function compactorTick(store: ObjectStore, tables: readonly TickTable[], opts: TickOptions): Promise<TickOutcome[]> {
  const out: TickOutcome[] = [];
  for (const table of tables) {
    try {
      out.push(await tickTable(store, table, opts));
    } catch (error) {
      out.push({ root: table.root, status: 'failed', error });
    }
  }
  return out;
}

async function tickTable(store: ObjectStore, { root, leader }: TickTable, opts: TickOptions): Promise<TickOutcome> {
  // A table gone meanwhile: the full load fails as it always did (a 'failed' outcome).
  const snapshot: Snapshot = (await opts.snapshot?.(store, root)) ?? (await loadSnapshot(store, root));
  if (primaryKeyOf(snapshot.metadata).length === 0) return { root, status: 'not-keyed' };
  const backlog = await walBacklog(store, snapshot);
  const decision = decideDrain(backlog, opts.policy, (opts.clock ?? Date.now)());
  if (!decision.drain) return { root, status: 'idle', backlog };
  const started = performance.now();
  const results: DrainResult[] = [];
  for (let i = 0; i < (opts.maxBatches ?? 10); i++) {
    const r = await leader.tick({ batchSize: opts.batchSize });
    if (r === undefined) return results.length === 0 ? { root, status: 'not-leader', backlog } : { root, status: 'drained', reason: decision.reason, results, backlog, ms: performance.now() - started };
    results.push(r);
    if (!r.truncated) break;
  }
  return { root, status: 'drained', reason: decision.reason, results, backlog, ms: performance.now() - started };
}

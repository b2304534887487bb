/**
 * FreshBinder: how RequestTables binds a table for FRESHNESS_STRONG / FRESHNESS_OLTP_ONLY
 * (docs/design/wal-and-compaction.md, "Integration"). Attached to a request's RequestTables, it is
 * asked first whenever a table is bound for reading:
 *   - keyed table (merge keys), STRONG → `bindFreshView(…, 'strong')`: (Delta ANTI JOIN log keys)
 *     UNION ALL log upserts, newest record wins, tombstones hide rows;
 *   - keyed table, OLTP_ONLY → the log's upserts only;
 *   - table without merge keys: it has no log, so STRONG = Delta (undefined → the normal binding)
 *     and OLTP_ONLY = an empty table with its definition.
 * The statement then runs verbatim against the view, so every SQL shape that works on EVENTUAL
 * works on STRONG. `release()` drops the views and unpins their files (before the connection closes).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { Freshness, QueryStrategy, ServedBy, type ExecuteQueryResult } from '../api/index.ts';
import { primaryKeyOf } from '../catalog/index.ts';
import { mapDuckDBError } from '../exec/index.ts';
import { bindFreshView, upsertCount, type FreshView, type WarmState } from '../wal/index.ts';
import type { HtapRuntime } from './htap-runtime.ts';
import type { PinnedTable, ScanStats } from './request-tables.ts';
import { targetTableDdl } from './write-target.ts';

export type FreshMode = 'strong' | 'oltp';

export class FreshBinder {
  readonly mode: FreshMode;
  readonly #runtime: HtapRuntime;
  readonly #views: FreshView[] = [];
  /** Tables served from the log (keyed tables bound through a fresh view). */
  readonly merged = new Set<string>();
  /** Of those, tables read on the connection holding their materialized STRONG base (materialized-read.ts). */
  readonly materialized = new Set<string>();
  /** Warm states this request already acquired, by table name: the next bind uses (and releases) them. */
  readonly #adopted = new Map<string, WarmState>();

  constructor(mode: FreshMode, runtime: HtapRuntime) {
    this.mode = mode;
    this.#runtime = runtime;
  }

  /** Binds `pinned` as a fresh view; undefined = bind it the normal (Delta) way. */
  async bind(conn: DuckDBConnection, pinned: PinnedTable): Promise<ScanStats | undefined> {
    const { handle, snapshot } = pinned;
    if (primaryKeyOf(snapshot.metadata).length === 0) {
      if (this.mode === 'strong') return undefined;
      try {
        await conn.run(targetTableDdl(handle.name, snapshot.schema));
      } catch (err) {
        throw mapDuckDBError(err);
      }
      return { version: snapshot.version, files: 0, bytes: 0, rows: 0, partitions: 0 };
    }
    const acquired = this.#adopted.get(handle.name);
    this.#adopted.delete(handle.name);
    const view = await bindFreshView(conn, handle.name, this.mode, handle.store, handle.root, { cache: this.#runtime.cache, records: this.#runtime.records, warm: this.#runtime.warm, pinned: snapshot, ...(acquired !== undefined ? { acquired } : {}) });
    this.#views.push(view);
    this.merged.add(handle.name);
    return freshScanStats(this.mode, view.state);
  }

  /** Hands over a warm state acquired for `pinned` (at its pinned snapshot): the table's bind uses it instead of acquiring again. */
  adopt(pinned: PinnedTable, state: WarmState): void {
    this.#adopted.get(pinned.handle.name)?.release();
    this.#adopted.set(pinned.handle.name, state);
  }

  async release(): Promise<void> {
    for (const state of this.#adopted.values()) state.release();
    this.#adopted.clear();
    for (const v of this.#views.splice(0).reverse()) await v.release().catch(() => undefined);
  }
}

/** What a fresh read of a table reports as scanned: the snapshot's files (STRONG) and the log's upserted rows. */
export function freshScanStats(mode: FreshMode, state: Pick<WarmState, 'snapshot' | 'overlay'>): ScanStats {
  const s = state.snapshot;
  const scanned = mode === 'strong' ? s.files : [];
  return {
    version: s.version,
    files: scanned.length,
    bytes: scanned.reduce((n, f) => n + f.add.size, 0),
    rows: scanned.reduce((n, f) => n + (f.stats?.numRecords ?? 0), 0) + upsertCount(state.overlay),
    partitions: 0,
  };
}

/** The binder a read at `freshness` needs; undefined for EVENTUAL (and unspecified): Delta only. */
export function freshBinderFor(freshness: Freshness | undefined, runtime: HtapRuntime): FreshBinder | undefined {
  if (freshness === Freshness.STRONG) return new FreshBinder('strong', runtime);
  if (freshness === Freshness.OLTP_ONLY) return new FreshBinder('oltp', runtime);
  return undefined;
}

/** Names the strategy of a read served through `binder`: UNARY_MERGED_STRONG, by MERGED or OLTP. */
export function markFresh(result: ExecuteQueryResult, binder: FreshBinder | undefined): ExecuteQueryResult {
  if (binder === undefined) return result;
  if (binder.mode === 'oltp') return { ...result, strategy: QueryStrategy.UNARY_MERGED_STRONG, servedBy: ServedBy.OLTP, strategyReason: 'FRESHNESS_OLTP_ONLY: the write log only' };
  if (binder.merged.size === 0) return { ...result, strategyReason: 'FRESHNESS_STRONG: no table read has merge keys, so there is no write log to merge' };
  return { ...result, strategy: QueryStrategy.UNARY_MERGED_STRONG, servedBy: ServedBy.MERGED, strategyReason: `FRESHNESS_STRONG: write log merged over Delta for ${[...binder.merged].sort().join(', ')}${binder.materialized.size > 0 ? ` (materialized base: ${[...binder.materialized].sort().join(', ')})` : ''}` };
}

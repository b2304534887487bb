/**
 * bindFreshView: the one call a read needs for FRESHNESS_STRONG or FRESHNESS_OLTP_ONLY — load the
 * snapshot and the un-drained overlay (retrying when a drain races the read), bind the snapshot's
 * files, create `name` as the STRONG or OLTP view. `release()` drops everything and unpins the files.
 * With `warm` and the request's `pinned` snapshot the state comes from the process's warm table
 * state (warm-state.ts: advanced incrementally, base file + small tail) instead of a cold reload.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FileCache, FileLease } from '../exec/file-cache.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import { snapshotSelectSql } from '../exec/bind-snapshot.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { WalRecordCache } from './record-cache.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import { bindOltpView, bindStrongView, type DeltaSource } from './strong-view.ts';
import { loadStrongState, type StrongState } from './wal-reader.ts';
import type { WarmState, WarmTables } from './warm-state.ts';
import { bindWarmView } from './warm-view.ts';

export interface FreshView {
  readonly state: StrongState;
  release(): Promise<void>;
}

export async function bindFreshView(
  conn: DuckDBConnection, name: string, freshness: 'strong' | 'oltp',
  store: ObjectStore, root: string, deps: { cache: FileCache; records?: WalRecordCache; warm?: WarmTables; pinned?: Snapshot; acquired?: WarmState },
): Promise<FreshView> {
  if (deps.acquired !== undefined || (deps.warm !== undefined && deps.pinned !== undefined)) {
    // `acquired`: a warm state this request already acquired (and hands over: released with the view).
    const warm = deps.acquired ?? await deps.warm!.acquire(store, root, deps.pinned!);
    return bindOver(conn, name, freshness, store, deps.cache, warm, (delta) => bindWarmView(conn, name, freshness, delta, warm), () => warm.release());
  }
  const state = await loadStrongState(store, root, deps.records ? { cache: deps.records } : {});
  return bindOver(conn, name, freshness, store, deps.cache, state, (delta) => delta !== undefined
    ? bindStrongView(conn, name, delta, state.overlay, state.shape)
    : bindOltpView(conn, name, state.overlay, state.shape));
}

/**
 * Binds `name` as the STRONG view over a warm state the caller acquired and releases itself (e.g.
 * one whose tail was narrowed to the keys a keyed write touches: tail-subset.ts). `release()`
 * drops the view and unpins the files, not the state.
 */
export function bindWarmStrongView(conn: DuckDBConnection, name: string, store: ObjectStore, cache: FileCache, warm: WarmState): Promise<FreshView> {
  return bindOver(conn, name, 'strong', store, cache, warm, (delta) => bindWarmView(conn, name, 'strong', delta, warm));
}

/**
 * Pins the snapshot's files (STRONG only) and binds `name` through `bind` over the snapshot's
 * SELECT (inlined: no separate Delta view to create and drop); `done` runs once the view is
 * released or failed. Binding and release are one DuckDB call each for a small log tail.
 */
async function bindOver(
  conn: DuckDBConnection, name: string, freshness: 'strong' | 'oltp', store: ObjectStore, cache: FileCache, state: StrongState,
  bind: (delta: DeltaSource | undefined) => Promise<{ drop(): Promise<void>; readonly dropSql: string }>, done: () => void = () => undefined,
): Promise<FreshView> {
  let lease: FileLease | undefined;
  try {
    let delta: DeltaSource | undefined;
    if (freshness === 'strong') {
      const { snapshot } = state;
      lease = await cache.acquire(store, snapshot.files.map((f) => ({ key: f.key, size: f.add.size })));
      delta = { sql: await snapshotSelectSql(conn, snapshot, lease.paths) };
    }
    const tables = await bind(delta);
    return {
      state,
      async release() {
        try {
          await conn.run([`DROP VIEW IF EXISTS ${q(name)}`, ...(tables.dropSql !== '' ? [tables.dropSql] : [])].join(';\n'));
        } finally {
          lease?.release();
          done();
        }
      },
    };
  } catch (err) {
    lease?.release();
    done();
    throw err;
  }
}

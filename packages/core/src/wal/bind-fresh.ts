/**
 * bindFreshView: the one call a read needs for FRESHNESS_STRONG or FRESHNESS_OLTP_ONLY — load the
 * snapshot and the un-drained overlay (retrying when a drain races the read), bind the snapshot's
 * files, create `name` as the STRONG or OLTP view. `release()` drops everything and unpins the files.
 * With `warm` and the request's `pinned` snapshot the state comes from the process's warm table
 * state (warm-state.ts: advanced incrementally, base file + small tail) instead of a cold reload.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomBytes } from 'node:crypto';
import type { FileCache, FileLease } from '../exec/file-cache.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import { bindSnapshotCached } from '../exec/read-snapshot-rows.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { WalRecordCache } from './record-cache.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import { bindOltpView, bindStrongView } from './strong-view.ts';
import { loadStrongState, type StrongState } from './wal-reader.ts';
import type { WarmTables } from './warm-state.ts';
import { bindWarmView } from './warm-view.ts';

export interface FreshView {
  readonly state: StrongState;
  release(): Promise<void>;
}

export async function bindFreshView(
  conn: DuckDBConnection, name: string, freshness: 'strong' | 'oltp',
  store: ObjectStore, root: string, deps: { cache: FileCache; records?: WalRecordCache; warm?: WarmTables; pinned?: Snapshot },
): Promise<FreshView> {
  if (deps.warm !== undefined && deps.pinned !== undefined) {
    const warm = await deps.warm.acquire(store, root, deps.pinned);
    return bindOver(conn, name, freshness, store, deps.cache, warm, (delta) => bindWarmView(conn, name, freshness, delta, warm), () => warm.release());
  }
  const state = await loadStrongState(store, root, deps.records ? { cache: deps.records } : {});
  return bindOver(conn, name, freshness, store, deps.cache, state, (delta) => delta !== undefined
    ? bindStrongView(conn, name, { view: delta }, state.overlay, state.shape)
    : bindOltpView(conn, name, state.overlay, state.shape));
}

/** Binds the snapshot's files (STRONG only) as a view, then `name` through `bind`; `done` runs once the view is released or failed. */
async function bindOver(
  conn: DuckDBConnection, name: string, freshness: 'strong' | 'oltp', store: ObjectStore, cache: FileCache, state: StrongState,
  bind: (delta: string | undefined) => Promise<{ drop(): Promise<void> }>, done: () => void = () => undefined,
): Promise<FreshView> {
  const delta = `${name}__delta_${randomBytes(4).toString('hex')}`;
  let lease: FileLease | undefined;
  try {
    lease = freshness === 'strong' ? await bindSnapshotCached(conn, delta, state.snapshot, cache, store) : undefined;
    const tables = await bind(lease === undefined ? undefined : delta);
    return {
      state,
      async release() {
        try {
          // Both views in one DuckDB call, then the log's tables (one call).
          await conn.run(`DROP VIEW IF EXISTS ${q(name)};\nDROP VIEW IF EXISTS ${q(delta)}`);
          await tables.drop();
        } finally {
          lease?.release();
          done();
        }
      },
    };
  } catch (err) {
    await conn.run(`DROP VIEW IF EXISTS ${q(delta)}`).catch(() => undefined);
    lease?.release();
    done();
    throw err;
  }
}

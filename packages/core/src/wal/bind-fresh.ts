/**
 * bindFreshView: the one call a read needs for FRESHNESS_STRONG or FRESHNESS_OLTP_ONLY — load the
 * snapshot and the un-drained overlay (retrying when a drain races the read), bind the snapshot's
 * files, create `name` as the STRONG or OLTP view. `release()` drops everything and unpins the files.
 * With `warm` and the request's `pinned` snapshot the state comes from the process's warm table
 * state (warm-state.ts: advanced incrementally, base file + small tail) instead of a cold reload.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomBytes } from 'node:crypto';
import type { FileCache } from '../exec/file-cache.ts';
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
  if (deps.warm !== undefined && deps.pinned !== undefined) return bindWarm(conn, name, freshness, store, root, { cache: deps.cache, warm: deps.warm, pinned: deps.pinned });
  const state = await loadStrongState(store, root, deps.records ? { cache: deps.records } : {});
  const delta = `${name}__delta_${randomBytes(4).toString('hex')}`;
  const lease = freshness === 'strong' ? await bindSnapshotCached(conn, delta, state.snapshot, deps.cache, store) : undefined;
  try {
    const tables = freshness === 'strong'
      ? await bindStrongView(conn, name, { view: delta }, state.overlay, state.shape)
      : await bindOltpView(conn, name, state.overlay, state.shape);
    return {
      state,
      async release() {
        try {
          await conn.run(`DROP VIEW IF EXISTS ${q(name)}`);
          await tables.drop();
          await conn.run(`DROP VIEW IF EXISTS ${q(delta)}`);
        } finally {
          lease?.release();
        }
      },
    };
  } catch (err) {
    await conn.run(`DROP VIEW IF EXISTS ${q(delta)}`).catch(() => undefined);
    lease?.release();
    throw err;
  }
}

async function bindWarm(
  conn: DuckDBConnection, name: string, freshness: 'strong' | 'oltp',
  store: ObjectStore, root: string, deps: { cache: FileCache; warm: WarmTables; pinned: Snapshot },
): Promise<FreshView> {
  const state = await deps.warm.acquire(store, root, deps.pinned);
  const delta = `${name}__delta_${randomBytes(4).toString('hex')}`;
  let lease: Awaited<ReturnType<typeof bindSnapshotCached>> | undefined;
  try {
    lease = freshness === 'strong' ? await bindSnapshotCached(conn, delta, state.snapshot, deps.cache, store) : undefined;
    const tables = await bindWarmView(conn, name, freshness, lease === undefined ? undefined : delta, state);
    return {
      state,
      async release() {
        try {
          await conn.run(`DROP VIEW IF EXISTS ${q(name)}`);
          await tables.drop();
          await conn.run(`DROP VIEW IF EXISTS ${q(delta)}`);
        } finally {
          lease?.release();
          state.release();
        }
      },
    };
  } catch (err) {
    await conn.run(`DROP VIEW IF EXISTS ${q(delta)}`).catch(() => undefined);
    lease?.release();
    state.release();
    throw err;
  }
}

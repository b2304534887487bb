/**
 * bindFreshView: the one call a read needs for FRESHNESS_STRONG or FRESHNESS_OLTP_ONLY — load the
 * snapshot and the un-drained overlay (retrying when a drain races the read), bind the snapshot's
 * files, create `name` as the STRONG or OLTP view. `release()` drops everything and unpins the files.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomBytes } from 'node:crypto';
import type { FileCache } from '../exec/file-cache.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import { bindSnapshotCached } from '../exec/read-snapshot-rows.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { WalRecordCache } from './record-cache.ts';
import { bindOltpView, bindStrongView } from './strong-view.ts';
import { loadStrongState, type StrongState } from './wal-reader.ts';

export interface FreshView {
  readonly state: StrongState;
  release(): Promise<void>;
}

export async function bindFreshView(
  conn: DuckDBConnection, name: string, freshness: 'strong' | 'oltp',
  store: ObjectStore, root: string, deps: { cache: FileCache; records?: WalRecordCache },
): Promise<FreshView> {
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

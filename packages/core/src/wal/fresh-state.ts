/**
 * acquireFreshState: the STRONG state of a table (its snapshot and un-drained overlay, advanced
 * from the log exactly as `bindFreshView` does) WITHOUT binding a view or pinning data files —
 * for a keyed write that never reads the table's rows (a blind INSERT OR REPLACE,
 * sql/blind-replace.ts) but still needs the snapshot it writes against and the overlay's
 * idempotency keys. `release()` gives the warm state back.
 */
import type { Snapshot } from '../delta/snapshot.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { FreshView } from './bind-fresh.ts';
import type { WalRecordCache } from './record-cache.ts';
import { loadStrongState } from './wal-reader.ts';
import type { WarmTables } from './warm-state.ts';

export async function acquireFreshState(store: ObjectStore, root: string, deps: { records?: WalRecordCache; warm?: WarmTables; pinned?: Snapshot }): Promise<FreshView> {
  if (deps.warm !== undefined && deps.pinned !== undefined) {
    const warm = await deps.warm.acquire(store, root, deps.pinned);
    return { state: warm, release: () => { warm.release(); return Promise.resolve(); } };
  }
  const state = await loadStrongState(store, root, deps.records ? { cache: deps.records } : {});
  return { state, release: () => Promise.resolve() };
}

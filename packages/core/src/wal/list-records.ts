/**
 * Lists WAL record objects in seq order, page by page, stopping at the first key under `_k3_wal/`
 * that is not a record: records (`<20 digits>.rec`) sort before `_drained/`, `_epochs/` and
 * `rejected/`, so those are never paged through.
 */
import type { ObjectStore } from '../object-store/index.ts';
import { walPrefix } from '../object-store/paths.ts';
import { parseWalRecordSeq, walRecordKey } from './wal-keys.ts';

export interface WalEntry {
  readonly seq: number;
  readonly key: string;
  readonly size: number;
  readonly lastModified: number;
}

const PAGE = 1000;

export async function listRecords(store: ObjectStore, root: string, afterSeq?: number): Promise<WalEntry[]> {
  const prefix = walPrefix(root);
  const out: WalEntry[] = [];
  let startAfter = afterSeq === undefined ? undefined : walRecordKey(root, afterSeq);
  for (;;) {
    const { objects } = await store.list(prefix, { limit: PAGE, ...(startAfter !== undefined ? { startAfter } : {}) });
    for (const o of objects) {
      const seq = parseWalRecordSeq(o.key);
      if (seq === undefined || o.key.slice(prefix.length).includes('/')) return out;
      out.push({ seq, key: o.key, size: o.size, lastModified: o.lastModified });
    }
    if (objects.length < PAGE) return out;
    startAfter = objects[objects.length - 1]!.key;
  }
}

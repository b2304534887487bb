/**
 * Lists WAL record objects in seq order, page by page, stopping at the first key under `_k3_wal/`
 * that is not a record: records (`<20 digits>.rec`) sort before `_drained/`, `_epochs/` and
 * `rejected/`, so those are never paged through.
 *
 * `newRecords` finds the records after a seq by HEADing seq + 1, + 2, … where a LIST would read the
 * whole directory (ObjectStore.listScansDirectory: the local directory, whose `_k3_wal/` holds a
 * backlog's worth of records). That finds every record after the seq because writers never leave
 * a free seq below a record (wal-writer.ts: a seq is tried only after its predecessor was seen
 * occupied, or drained, or as the first free seq of a listed run), and a record stays until a drain
 * deletes it after writing a drained marker above it, which the caller checks after this call.
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
/** Records found by HEADs before the rest is LISTed (a HEAD costs ≈ 1/100 of a LIST of a full log). */
const PROBES = 32;

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

/** The records after `afterSeq`, in seq order: HEADs on a store whose LIST reads the whole directory (see above), else `listRecords`. */
export async function newRecords(store: ObjectStore, root: string, afterSeq: number): Promise<WalEntry[]> {
  if (store.listScansDirectory !== true) return listRecords(store, root, afterSeq);
  const out: WalEntry[] = [];
  for (let seq = afterSeq + 1; seq <= afterSeq + PROBES; seq++) {
    const key = walRecordKey(root, seq);
    const meta = await store.head(key);
    if (meta === undefined) return out;
    out.push({ seq, key, size: meta.size, lastModified: meta.lastModified });
  }
  return [...out, ...(await listRecords(store, root, afterSeq + PROBES))];
}

/** The highest record seq after `after` (or `after` itself when there is none): the head a drain before a direct write drains up to. */
export async function lastRecordSeq(store: ObjectStore, root: string, after: number): Promise<number> {
  return Math.max(after, ...(await listRecords(store, root, after)).map((e) => e.seq));
}

/**
 * The first free seq after `afterSeq` as one LIST shows it: the end of the run of records that
 * follows it, + 1. A writer that lost a seq takes this one, not the highest listed + 1, so it never
 * writes above a free seq (what `newRecords` relies on): a run can end below a higher record only
 * when a write raced DROP TABLE (compaction/fill-gaps.ts), and the gap is then filled by writes.
 */
export async function firstFreeSeq(store: ObjectStore, root: string, afterSeq: number): Promise<number> {
  let next = afterSeq + 1;
  for (const e of await listRecords(store, root, afterSeq)) {
    if (e.seq !== next) break;
    next++;
  }
  return next;
}

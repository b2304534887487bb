/**
 * withHtapFields: DescribeTable's write-log figures (docs/api.md, "Table"): the un-drained
 * backlog (`walBacklogEntries`, `walBacklogBytes`, `walOldestEntryAgeMs`, one LIST) and the last
 * drain (`lastDrain*`, read from the newest MERGE commit carrying txn k3-wal). Tables without
 * merge keys have no log: zeros, without any I/O.
 */
import type { Table } from '../api/index.ts';
import { primaryKeyOf } from '../catalog/index.ts';
import { readLastDrain } from '../compaction/last-drain.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { walBacklog } from '../wal/index.ts';

const num = (m: Readonly<Record<string, string>>, k: string): number => Number(m[k] ?? 0) || 0;

export async function withHtapFields(store: ObjectStore, snapshot: Snapshot, table: Table, now: number): Promise<Table> {
  // `table` comes from describeSnapshot, which zero-fills these fields.
  if (primaryKeyOf(snapshot.metadata).length === 0) return table;
  const [backlog, last] = await Promise.all([walBacklog(store, snapshot), readLastDrain(store, snapshot)]);
  const out: Table = {
    ...table,
    walBacklogEntries: Number(backlog.entries),
    walBacklogBytes: Number(backlog.bytes),
    walOldestEntryAgeMs: Number(backlog.oldestLastModified === undefined ? 0 : Math.max(0, now - backlog.oldestLastModified)),
    walDrainedThrough: Number(backlog.watermark),
  };
  if (last === undefined) return out;
  const inserted = num(last.metrics, 'numTargetRowsInserted');
  const updated = num(last.metrics, 'numTargetRowsUpdated');
  const deleted = num(last.metrics, 'numTargetRowsDeleted');
  return {
    ...out,
    lastDrainAt: Number(last.timestamp),
    lastDrainTargetVersion: Number(last.version),
    lastDrainRowsMerged: Number(inserted + updated + deleted),
    lastDrainRowsInserted: Number(inserted),
    lastDrainRowsUpdated: Number(updated),
    lastDrainRowsDeleted: Number(deleted),
    lastDrainRowsRejected: Number(num(last.metrics, 'numRejectedRows')),
  };
}

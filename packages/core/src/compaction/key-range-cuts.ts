/**
 * The cuts a drain hands to the writer's key-range files (exec/key-range-files.ts): the min key
 * (first primary-key column, from the Delta stats) of every live file the drain does NOT rewrite,
 * per partition tuple. The rewritten output then never spans a kept file's range — e.g. new keys
 * above the table land in a file of their own instead of widening the rewritten file's range over
 * the whole table — so the next drain's stats pruning (candidate-files.ts) still finds only the
 * files that hold its keys. Cuts only shape files: a missing or untrusted stat is a NULL literal
 * (a no-op cut), and which rows are written never depends on them.
 */
import type { ActiveFile, Snapshot } from '../delta/snapshot.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import type { KeyRangeCuts } from '../exec/key-range-files.ts';
import { statLiteral, statsUsable } from '../plan/prune.ts';
import type { WalTableShape } from '../wal/table-shape.ts';

export function keyRangeCuts(snapshot: Pick<Snapshot, 'schema' | 'partitionColumns'>, kept: readonly ActiveFile[], shape: WalTableShape): KeyRangeCuts | undefined {
  const key = shape.primaryKey[0];
  if (key === undefined || kept.length === 0 || snapshot.partitionColumns.includes(key)) return undefined;
  const field = snapshot.schema.fields.find((f) => f.name === key);
  if (field === undefined || !statsUsable(field)) return undefined;
  const byTuple = new Map<string, string[]>();
  for (const file of kept) {
    const tuple = JSON.stringify(snapshot.partitionColumns.map((c) => file.add.partitionValues[c] ?? null));
    const list = byTuple.get(tuple) ?? [];
    list.push(statLiteral(file.stats?.minValues[key], field.type, 'min'));
    byTuple.set(tuple, list);
  }
  return { column: q(key), byTuple };
}

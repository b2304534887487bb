/**
 * candidateFiles: the live files that MAY hold an overlay key, from the log alone (no data read).
 * A file is kept unless its partition values or its min/max stats of a key column prove that no
 * overlay key falls inside it. DuckDB evaluates the range join over a VALUES table of per-file
 * bounds, with the same conservative bound literals as query pruning (plan/prune.ts statLiteral:
 * missing or untrustworthy stats are NULL and NULL comparisons count as "may match").
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ActiveFile, Snapshot } from '../delta/snapshot.ts';
import { partitionFieldLiteral } from '../exec/partition-literal.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import { statLiteral, statsUsable } from '../plan/prune.ts';
import type { OverlayTables } from '../wal/overlay-tables.ts';
import type { WalTableShape } from '../wal/table-shape.ts';

export async function candidateFiles(conn: DuckDBConnection, snapshot: Pick<Snapshot, 'files' | 'schema' | 'partitionColumns'>, tables: OverlayTables, shape: WalTableShape): Promise<ActiveFile[]> {
  if (snapshot.files.length === 0) return [];
  const partition = new Set(snapshot.partitionColumns);
  const keys = shape.primaryKey.map((name, i) => ({ name, i, field: snapshot.schema.fields.find((f) => f.name === name)! }));
  const header = ['fid', ...keys.flatMap((k) => [`lo${k.i}`, `hi${k.i}`])];
  const rows = snapshot.files.map((file, fid) => {
    const cells = keys.flatMap((k) => {
      if (partition.has(k.name)) {
        const v = partitionFieldLiteral(file.partitionValues[k.name], k.field);
        return [v, v];
      }
      // Stats of a restored type stored as text (ENUM, UUID, …) do not bound it: no usable bound.
      if (!statsUsable(k.field)) return [partitionFieldLiteral(null, k.field), partitionFieldLiteral(null, k.field)];
      return [statLiteral(file.stats?.minValues[k.name], k.field.type, 'min'), statLiteral(file.stats?.maxValues[k.name], k.field.type, 'max')];
    });
    return `(${[String(fid), ...cells].join(', ')})`;
  });
  const on = keys.map((k) => `COALESCE(k.${q(k.name)} >= f.lo${k.i}, true) AND COALESCE(k.${q(k.name)} <= f.hi${k.i}, true)`).join(' AND ');
  try {
    const sql = `SELECT DISTINCT f.fid FROM (VALUES ${rows.join(', ')}) AS f(${header.join(', ')}) SEMI JOIN ${tables.keys} AS k ON ${on}`;
    const ids = (await conn.runAndReadAll(sql)).getRows().map((r) => Number(r[0]));
    return ids.sort((a, b) => a - b).map((i) => snapshot.files[i]!);
  } catch {
    // Pruning is an optimisation: if DuckDB cannot evaluate it, every file is a candidate.
    return [...snapshot.files];
  }
}

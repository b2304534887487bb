/**
 * Which data files hold a key the overlay touches, found by DuckDB: the key columns of every live
 * file (projection pushdown reads only those columns; partition key columns are the file's typed
 * partition constants) semi-joined with the overlay keys, attributed per file through
 * read_parquet's `filename`. Only these files are rewritten by the drain.
 * Also counts how many upserted / deleted keys already exist in Delta (MERGE metrics).
 * Invariant: a file not returned holds no overlay key, so leaving it untouched is correct.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ActiveFile, Snapshot } from '../delta/snapshot.ts';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { partitionFieldLiteral } from '../exec/partition-literal.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import type { OverlayTables } from '../wal/overlay-tables.ts';
import type { WalTableShape } from '../wal/table-shape.ts';

export interface AffectedFiles {
  readonly files: ActiveFile[];
  /** Upserted keys that already had a row in Delta (updates). */
  readonly matchedUpserts: number;
  /** Overlay keys (upserted or deleted) that had a row in Delta. */
  readonly matchedKeys: number;
}

export async function findAffectedFiles(
  conn: DuckDBConnection,
  snapshot: Pick<Snapshot, 'files' | 'schema' | 'partitionColumns'>,
  localPaths: ReadonlyMap<string, string>,
  tables: OverlayTables,
  shape: WalTableShape,
): Promise<AffectedFiles> {
  if (snapshot.files.length === 0) return { files: [], matchedUpserts: 0, matchedKeys: 0 };
  const partitionColumns = new Set(snapshot.partitionColumns);
  const byLocal = new Map<string, ActiveFile>();
  const selects: string[] = [];
  for (const file of snapshot.files) {
    const local = localPaths.get(file.key);
    if (local === undefined) throw new AppError('ERR_INTERNAL', `No local path was provided for data file ${file.key}; fetch every candidate file before looking for keys.`, { key: file.key });
    byLocal.set(local, file);
    const keys = shape.primaryKey.map((k) => {
      const field = snapshot.schema.fields.find((f) => f.name === k)!;
      const type = shape.columns.find((c) => c.name === k)!.type;
      const expr = partitionColumns.has(k) ? partitionFieldLiteral(file.partitionValues[k], field) : `CAST(${q(k)} AS ${type})`;
      return `${expr} AS ${q(k)}`;
    });
    // One read_parquet per file keeps the file attribution exact even for partition key columns.
    selects.push(`SELECT ${quoteLiteral(local)} AS __k3_file, ${keys.join(', ')} FROM read_parquet(${quoteLiteral(local)}, hive_partitioning = false)`);
  }
  const on = (other: string) => shape.primaryKey.map((k) => `c.${q(k)} = ${other}.${q(k)}`).join(' AND ');
  const candidates = `(${selects.join('\nUNION ALL\n')})`;
  try {
    const hits = (await conn.runAndReadAll(`SELECT c.__k3_file, count(*) FROM ${candidates} AS c SEMI JOIN ${tables.keys} AS k ON ${on('k')} GROUP BY 1`)).getRows();
    const updates = (await conn.runAndReadAll(`SELECT count(*) FROM ${candidates} AS c SEMI JOIN ${tables.upserts} AS u ON ${on('u')}`)).getRows();
    const files = hits.map(([path]) => byLocal.get(String(path))!).filter((f) => f !== undefined);
    return {
      files,
      matchedKeys: hits.reduce((s, [, n]) => s + Number(n), 0),
      matchedUpserts: Number(updates[0]?.[0] ?? 0),
    };
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

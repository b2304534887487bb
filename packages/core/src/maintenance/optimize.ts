/**
 * OPTIMIZE: rewrite small files into files of about `targetFileSizeMb` (compact), or cluster every
 * file of each partition along a Z-order curve of `zOrderColumns` (zorder), in one commit.
 *
 *   plan (optimize-plan.ts) ─▶ per bin: lease files (FileCache) → bind as SQL (snapshotSelectSql)
 *     compact: writeDataFiles(targetFileBytes) → adds
 *     keyed compact (a keyed table, K3_KEYED_ROW_GROUP_SIZE > 0): the whole partition, written as
 *              the drain writes it — writeDataFiles(keyOrder) sorted by the primary key, in
 *              key-range files of K3_KEYED_FILE_ROWS (keyed-optimize-plan.ts picks the partitions)
 *     zorder:  temp table keyed by the morton key, cut into ≈ bin bytes / target chunks
 *              (zorder-sql.ts) → writeDataFiles per chunk, in key order → adds
 *   ─▶ Transaction: readFiles(rewritten) + remove(rewritten, dataChange=false) + add(new, dataChange=false)
 *      commit OPTIMIZE {predicate, targetSize, zOrderBy, auto}
 *
 * Invariants: query results never change (same rows, same partitions; files written from the
 * snapshot's schema, older files' missing columns read as NULL). The commit declares only the
 * files it rewrites as read and changes no data, so it runs as SnapshotIsolation: a concurrent
 * append neither fails it nor gets lost (the rebase keeps the winner's files), while a concurrent
 * delete of a file being rewritten is ERR_DELTA_CONCURRENT_DELETE_DELETE (retryable). Nothing to do
 * → no commit, `partitionsOptimized` "0", `version` = the current version. Files uploaded by a
 * failed attempt are orphans for VACUUM.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { AddFile } from '../delta/actions.ts';
import { DELTA_OPERATIONS } from '../delta/commit-info.ts';
import { loadSnapshot, type Snapshot } from '../delta/snapshot.ts';
import { Transaction } from '../delta/transaction.ts';
import { snapshotSelectSql } from '../exec/bind-snapshot.ts';
import { withConnection } from '../exec/duckdb-instance.ts';
import { writeDataFiles } from '../exec/data-file-writer.ts';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier } from '../exec/sql-quote.ts';
import { primaryKeyOf } from '../catalog/table-spec.ts';
import { keyedWriteOrder, type RewriteDeps } from './maintenance-deps.ts';
import type { KeyedCompact } from './keyed-optimize-plan.ts';
import { planOptimize, type OptimizeBin, type PartitionFilter } from './optimize-plan.ts';
import { ZORDER_CHUNK_COLUMN, ZORDER_KEY_COLUMN, zorderSql } from './zorder-sql.ts';

export const DEFAULT_TARGET_FILE_SIZE_MB = 128;
const MB = 1024 * 1024;

export interface OptimizeRequest {
  /** Default 128. */
  readonly targetFileSizeMb?: number;
  readonly zOrderColumns?: readonly string[];
  readonly partitionFilters?: readonly PartitionFilter[];
}

/** The OptimizeResponse as domain values (numbers); the wire adapters encode it. */
export interface OptimizeResponse {
  readonly version: number;
  readonly optimizeType: 'compact' | 'zorder';
  readonly filesAdded: number;
  readonly filesRemoved: number;
  readonly partitionsOptimized: number;
  readonly totalConsideredFiles: number;
  readonly totalFilesSkipped: number;
  readonly numBatches: number;
  readonly bytesAdded: number;
  readonly bytesRemoved: number;
}

function targetBytesOf(n: number | undefined): number {
  if (n === undefined) return DEFAULT_TARGET_FILE_SIZE_MB * MB;
  if (!Number.isFinite(n) || n <= 0 || n > 1024 * 1024) {
    throw new AppError('ERR_BAD_REQUEST', `targetFileSizeMb ${n} is not valid; give a positive number of megabytes (default ${DEFAULT_TARGET_FILE_SIZE_MB}).`, { targetFileSizeMb: n });
  }
  return Math.max(1, Math.round(n * MB));
}

/** Z-order columns as the schema spells them; partition columns and unknown names are refused. */
function resolveZOrderColumns(snapshot: Snapshot, columns: readonly string[]): string[] {
  const seen = new Set<string>();
  return columns.map((c) => {
    const field = snapshot.schema.fields.find((f) => f.name.toLowerCase() === c.toLowerCase());
    if (field === undefined) {
      throw new AppError('ERR_BAD_REQUEST', `Z-order column "${c}" is not a column of the table; choose from ${snapshot.schema.fields.map((f) => f.name).join(', ')}.`, { column: c });
    }
    if (snapshot.partitionColumns.includes(field.name)) {
      throw new AppError('ERR_BAD_REQUEST', `Z-order column "${field.name}" is a partition column; every file already holds one value of it. Z-order by data columns.`, { column: field.name });
    }
    if (typeof field.type !== 'string' || field.type === 'binary' || field.type === 'boolean') {
      throw new AppError('ERR_BAD_REQUEST', `Z-order column "${field.name}" has type ${JSON.stringify(field.type)}, which has no min/max statistics to skip on; Z-order by numeric, string, date or timestamp columns.`, { column: field.name });
    }
    if (seen.has(field.name)) throw new AppError('ERR_BAD_REQUEST', `Z-order column "${field.name}" is listed twice.`, { column: field.name });
    seen.add(field.name);
    return field.name;
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))] ?? 0;
}

/**
 * A keyed table's compact OPTIMIZE keeps the drain's file layout (key-sorted key-range files) instead
 * of bin-packing them back into large unsorted files; undefined = plain bin-packing (no key, ZORDER BY,
 * K3_KEYED_ROW_GROUP_SIZE 0, or a key that starts with a partition column, which has no file stats).
 */
function keyedCompactOf(snapshot: Snapshot, zorder: readonly string[], deps: RewriteDeps): { primaryKey: string[]; plan: KeyedCompact } | undefined {
  const primaryKey = primaryKeyOf(snapshot.metadata);
  const column = primaryKey[0];
  if (zorder.length > 0 || column === undefined || snapshot.partitionColumns.includes(column) || keyedWriteOrder(primaryKey, deps).keyOrder === undefined) return undefined;
  return { primaryKey, plan: { column, fileRows: deps.keyedFileRows ?? 0 } };
}

async function rewriteBin(conn: DuckDBConnection, store: ObjectStore, snapshot: Snapshot, bin: OptimizeBin, zorder: readonly string[], targetBytes: number, deps: RewriteDeps, primaryKey?: readonly string[]): Promise<AddFile[]> {
  const lease = await deps.cache.acquire(store, bin.files.map((f) => ({ key: f.key, size: f.add.size })));
  const target = {
    store, root: snapshot.root, schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, tmpDir: deps.tmpDir,
    ...(deps.transaction.clock !== undefined ? { clock: deps.transaction.clock } : {}),
  };
  try {
    const source = await snapshotSelectSql(conn, { schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, files: bin.files }, lease.paths);
    let adds: AddFile[];
    if (primaryKey !== undefined) {
      adds = await writeDataFiles(conn, { sql: source }, { ...target, ...keyedWriteOrder(primaryKey, deps) });
    } else if (zorder.length === 0) {
      adds = await writeDataFiles(conn, { sql: source }, { ...target, targetFileBytes: targetBytes });
    } else {
      // Output size ≈ input size; one file per ntile chunk of the curve.
      const chunks = Math.max(1, Math.round(bin.files.reduce((n, f) => n + f.add.size, 0) / targetBytes));
      const temp = quoteIdentifier(`__k3_zorder_${randomUUID().replaceAll('-', '')}`);
      adds = [];
      try {
        await conn.run(`CREATE TEMP TABLE ${temp} AS ${zorderSql(source, zorder, chunks)}`);
        for (let chunk = 1; chunk <= chunks; chunk++) {
          const sql = `SELECT * EXCLUDE (${ZORDER_KEY_COLUMN}, ${ZORDER_CHUNK_COLUMN}) FROM ${temp} WHERE ${ZORDER_CHUNK_COLUMN} = ${chunk} ORDER BY ${ZORDER_KEY_COLUMN}`;
          adds.push(...(await writeDataFiles(conn, { sql }, target)));
        }
      } catch (err) {
        throw mapDuckDBError(err);
      } finally {
        await conn.run(`DROP TABLE IF EXISTS ${temp}`).catch(() => undefined);
      }
    }
    return adds.map((a) => ({ ...a, dataChange: false }));
  } finally {
    lease.release();
  }
}

export async function optimizeTable(store: ObjectStore, root: string, request: OptimizeRequest, deps: RewriteDeps): Promise<OptimizeResponse> {
  const targetBytes = targetBytesOf(request.targetFileSizeMb);
  const snapshot = await loadSnapshot(store, root);
  const zorder = resolveZOrderColumns(snapshot, request.zOrderColumns ?? []);
  const optimizeType = zorder.length > 0 ? 'zorder' : 'compact';
  const keyed = keyedCompactOf(snapshot, zorder, deps);
  const plan = planOptimize(snapshot.files, snapshot.partitionColumns, { targetBytes, zorder: zorder.length > 0, partitionFilters: request.partitionFilters ?? [], ...(keyed !== undefined ? { keyed: keyed.plan } : {}) });
  const removed = plan.bins.flatMap((b) => b.files);
  const bytesRemoved = removed.reduce((n, f) => n + f.add.size, 0);
  const base = { optimizeType, partitionsOptimized: plan.partitionsOptimized, totalConsideredFiles: plan.totalConsideredFiles, totalFilesSkipped: plan.totalConsideredFiles - removed.length, numBatches: plan.bins.length } as const;
  if (plan.bins.length === 0) {
    return { version: snapshot.version, ...base, filesAdded: 0, filesRemoved: 0, bytesAdded: 0, bytesRemoved: 0 };
  }

  const added: AddFile[] = [];
  await withConnection(deps.db, async (conn) => {
    for (const bin of plan.bins) added.push(...(await rewriteBin(conn, store, snapshot, bin, zorder, targetBytes, deps, keyed?.primaryKey)));
  });
  const bytesAdded = added.reduce((n, a) => n + a.size, 0);
  const sizes = added.map((a) => a.size).sort((a, b) => a - b);
  const tx = Transaction.forSnapshot(store, snapshot, deps.transaction).readFiles(removed).removeFiles(removed, { dataChange: false }).addFiles(added);
  const result = await tx.commit({
    operation: DELTA_OPERATIONS.optimize,
    operationParameters: { predicate: plan.predicate, targetSize: targetBytes, zOrderBy: zorder, auto: false },
    operationMetrics: {
      numAddedFiles: added.length, numRemovedFiles: removed.length, numAddedBytes: bytesAdded, numRemovedBytes: bytesRemoved,
      minFileSize: percentile(sizes, 0), p25FileSize: percentile(sizes, 0.25), p50FileSize: percentile(sizes, 0.5), p75FileSize: percentile(sizes, 0.75), maxFileSize: percentile(sizes, 1),
      numBatches: plan.bins.length, totalConsideredFiles: plan.totalConsideredFiles, totalFilesSkipped: plan.totalConsideredFiles - removed.length, numPartitionsOptimized: plan.partitionsOptimized,
    },
  });
  return { version: result.version, ...base, filesAdded: added.length, filesRemoved: removed.length, bytesAdded, bytesRemoved };
}

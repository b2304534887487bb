/**
 * The DuckDB adapter of the Transaction's change-data port (delta/transaction.ts
 * `ChangeDataStager`): for a commit that removes data on a table with the Change Data Feed on,
 * compute the row-level changes and upload them as `_change_data/` files.
 *
 *   removed files' rows (B, weight -1) ─┐  net count per distinct row (one GROUP BY pass):
 *   added files' rows   (A, weight +1) ─┴▶ < 0 → D (rows that left), > 0 → I (rows that arrived)
 *      with a primary key: D ⋈ I on the key → update_preimage (D) / update_postimage (I);
 *                          D without a partner → delete; I without a partner → insert
 *      without one:        D → delete, I → insert (rows have no identity to pair them by)
 *   ─▶ writeDataFiles(schema + _change_type, partitioned like the table) under _change_data/
 *
 * Why one generic seam: every write path — INSERT/UPDATE/DELETE/MERGE straight to Delta, the
 * compactor's drain of keyed writes, RESTORE, CREATE OR REPLACE, ALTER rewrites — commits through
 * `Transaction`, so computing the feed from the commit's own removes and adds covers all of them
 * and cannot drift from what the commit really changed. Rows a rewrite merely copies cancel out.
 * A commit whose rows did not change at all gets an empty change file, so readers do not fall
 * back to reading its removes and adds as deletes and inserts.
 *
 * The files are uploaded before the commit that references them (like data files): a crash or a
 * lost race leaves only orphans that VACUUM deletes; a change is never recorded without its commit.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddCDCFile, AddFile } from '../delta/actions.ts';
import { decodeLogPath, parsePartitionValues } from '../delta/partition-values.ts';
import type { StructType } from '../delta/schema.ts';
import type { ActiveFile } from '../delta/snapshot.ts';
import { putLocalFile, type ObjectStore } from '../object-store/index.ts';
import type { ChangeDataRequest, ChangeDataStager } from '../delta/transaction.ts';
import { withConnection, type K3DuckDB } from '../exec/duckdb-instance.ts';
import { writeDataFiles, writeTypeOf } from '../exec/data-file-writer.ts';
import type { FileCache } from '../exec/file-cache.ts';
import { snapshotSelectSql } from '../exec/bind-snapshot.ts';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { encodeLogPath } from '../exec/partition-path.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import { primaryKeyOf } from '../catalog/table-spec.ts';
import { CHANGE_DATA_DIR, CHANGE_TYPE_COLUMN, changeDataSchema } from './change-columns.ts';

export interface ChangeDataDeps {
  readonly db: K3DuckDB;
  readonly cache: FileCache;
  /** Local directory DuckDB may write to. */
  readonly tmpDir: string;
}

export function createChangeDataStager(deps: ChangeDataDeps): ChangeDataStager {
  return (request) => withConnection(deps.db, (conn) => stageChangeData(conn, request, deps));
}

/** An added file as the reader would see it (key, typed partition values). */
function asActiveFile(add: AddFile, request: ChangeDataRequest): ActiveFile {
  return { add, key: request.root + decodeLogPath(add.path), stats: undefined, partitionValues: parsePartitionValues(add.partitionValues, request.schema, request.metadata.partitionColumns) };
}

export async function stageChangeData(conn: DuckDBConnection, request: ChangeDataRequest, deps: ChangeDataDeps): Promise<AddCDCFile[]> {
  const { schema, metadata } = request;
  const partitionColumns = metadata.partitionColumns ?? [];
  const added = request.added.map((a) => asActiveFile(a, request));
  const all = [...request.removed, ...added];
  const lease = await deps.cache.acquire(request.store, all.map((f) => ({ key: f.key, size: f.add.size })));
  const diff = q(`__k3_cdf_diff_${randomUUID().replaceAll('-', '')}`);
  try {
    const bindable = (files: readonly ActiveFile[]) => ({ schema, partitionColumns, files });
    const before = await snapshotSelectSql(conn, bindable(request.removed), lease.paths);
    const after = await snapshotSelectSql(conn, bindable(added), lease.paths);
    const columns = schema.fields.map((f) => q(f.name));
    // One pass over both sides: rows weighted -1 (before) / +1 (after), summed per distinct row;
    // copied rows cancel, what remains is small (the rows the commit really changed).
    await run(conn, `CREATE TEMP TABLE ${diff} AS ${netChangesSql(before, after, columns)}`);
    const changes = changesSql(diff, columns, primaryKeyOf(metadata).map(q));
    return await writeChangeFiles(conn, changes, { store: request.store, root: request.root, schema, partitionColumns, tmpDir: deps.tmpDir });
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${diff}`).catch(() => undefined);
    lease.release();
  }
}

/** Distinct rows with their net count `__k3_w` (after − before), zero counts dropped. */
export function netChangesSql(before: string, after: string, columns: readonly string[]): string {
  const cols = columns.join(', ');
  return `SELECT ${cols}, sum(__k3_w)::BIGINT AS __k3_w FROM (SELECT ${cols}, -1 AS __k3_w FROM (${before}) UNION ALL SELECT ${cols}, 1 AS __k3_w FROM (${after})) GROUP BY ALL HAVING sum(__k3_w) <> 0`;
}

/**
 * The change rows of one commit (columns = the table's + `_change_type`) from its net changes:
 * negative counts left (delete / update_preimage), positive arrived (insert / update_postimage),
 * each repeated |count| times; with a key, a key on both sides is an update.
 */
export function changesSql(net: string, columns: readonly string[], key: readonly string[]): string {
  const cols = columns.join(', ');
  const ct = q(CHANGE_TYPE_COLUMN);
  const rows = (sign: '<' | '>'): string => `(SELECT ${cols} FROM (SELECT ${cols}, unnest(range(abs(__k3_w))) AS __k3_n FROM ${net} WHERE __k3_w ${sign} 0))`;
  if (key.length === 0) {
    return `SELECT ${cols}, 'delete' AS ${ct} FROM ${rows('<')} UNION ALL SELECT ${cols}, 'insert' AS ${ct} FROM ${rows('>')}`;
  }
  const from = (alias: string): string => columns.map((c) => `${alias}.${c}`).join(', ');
  const partner = (alias: string, sign: '<' | '>'): string => `EXISTS (SELECT 1 FROM ${net} p WHERE p.__k3_w ${sign} 0 AND ${key.map((k) => `p.${k} IS NOT DISTINCT FROM ${alias}.${k}`).join(' AND ')})`;
  return `SELECT ${from('d')}, CASE WHEN ${partner('d', '>')} THEN 'update_preimage' ELSE 'delete' END AS ${ct} FROM ${rows('<')} d
UNION ALL
SELECT ${from('i')}, CASE WHEN ${partner('i', '<')} THEN 'update_postimage' ELSE 'insert' END AS ${ct} FROM ${rows('>')} i`;
}

/** Where change files go: the table (root, schema without `_change_type`, partitioning) and a scratch dir. */
export interface ChangeFileTarget {
  readonly store: ObjectStore;
  readonly root: string;
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly tmpDir: string;
}

/**
 * Uploads the rows of `changesSql` (the table's columns + `_change_type`) as change data files and
 * returns their cdc actions; no rows → one zero-row file (the commit changed no row). Write paths
 * that know the exact row identity (a table without key: DuckDB rowids) stage with this directly.
 */
export async function writeChangeFiles(conn: DuckDBConnection, changesSql: string, target: ChangeFileTarget): Promise<AddCDCFile[]> {
  const files = { store: target.store, root: `${target.root}${CHANGE_DATA_DIR}`, schema: changeDataSchema(target.schema), partitionColumns: target.partitionColumns, tmpDir: target.tmpDir, filePrefix: 'cdc' as const };
  const cdcs = (await writeDataFiles(conn, { sql: changesSql }, files)).map(toCdc);
  return cdcs.length > 0 ? cdcs : [await writeEmptyChangeFile(conn, target)];
}

function toCdc(add: AddFile): AddCDCFile {
  return { path: `${CHANGE_DATA_DIR}${add.path}`, partitionValues: add.partitionValues, size: add.size, dataChange: false };
}

/** A zero-row change file: the commit changed no row (readers must not read its files as changes). */
async function writeEmptyChangeFile(conn: DuckDBConnection, target: ChangeFileTarget): Promise<AddCDCFile> {
  const partitionColumns = new Set(target.partitionColumns);
  const fields = changeDataSchema(target.schema).fields.filter((f) => !partitionColumns.has(f.name));
  const local = join(target.tmpDir, `k3-cdc-empty-${randomUUID()}.parquet`);
  try {
    await mkdir(target.tmpDir, { recursive: true });
    await run(conn, `COPY (SELECT ${fields.map((f) => `NULL::${writeTypeOf(f)} AS ${q(f.name)}`).join(', ')} WHERE false) TO ${quoteLiteral(local)} (FORMAT parquet, COMPRESSION zstd)`);
    const relative = `${CHANGE_DATA_DIR}cdc-00000-${randomUUID()}-c000.zstd.parquet`;
    const size = await putLocalFile(target.store, `${target.root}${relative}`, local);
    const partitionValues: Record<string, string | null> = {};
    for (const c of partitionColumns) partitionValues[c] = null;
    return { path: encodeLogPath(relative), partitionValues, size, dataChange: false };
  } finally {
    await rm(local, { force: true });
  }
}

async function run(conn: DuckDBConnection, sql: string): Promise<void> {
  try {
    await conn.run(sql);
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

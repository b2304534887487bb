/**
 * Data file writer: turns the rows of a SQL query into Delta data files and their `add` actions.
 *
 *   source SQL ──materialize once (casts to the Delta write types)──▶ temp table
 *     └─ per distinct partition tuple: COPY … TO <tmpDir> (FORMAT parquet, COMPRESSION zstd)
 *          └─ per file written: stats query over read_parquet(file) → upload (putLocalFile: the
 *             local directory adopts the file by a hard link, other stores get its bytes) → AddFile
 *
 * Invariants:
 * - Every file is fully uploaded before it is returned, so a commit can only reference complete
 *   files; names are `part-00000-<uuid>-c000.zstd.parquet` and never reused.
 * - Partition columns are not stored in the files; their values are logged in partitionValues
 *   (strings, see partitionValueSql) and the directory is cosmetic (partition-path.ts).
 * - Delta `timestamp` is written as TIMESTAMPTZ (Parquet isAdjustedToUTC=true, micros) with the
 *   session TimeZone=UTC, also inside LIST/STRUCT/MAP; `timestamp_ntz` as TIMESTAMP
 *   (isAdjustedToUTC=false), its partition values zone-less (`2024-01-02 03:04:05.000006`); k3 json columns are written as canonical
 *   (minified) JSON text. Types restored from `k3.duckdbType` are cast to their Delta storage
 *   type here, so a value the storage cannot hold (HUGEINT beyond 38 digits) fails the write.
 * - Stats describe exactly the bytes uploaded: they are computed from the written file.
 * - NOT NULL (`nullable: false`) columns and CHECK constraints (`checks`) are checked before
 *   anything is written.
 * The source is materialized once so that non-deterministic expressions (now(), random(),
 * defaults) produce one set of rows for all partitions.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddFile } from '../delta/actions.ts';
import type { StructField, StructType } from '../delta/schema.ts';
import { AppError } from '../errors/index.ts';
import { putLocalFile, type ObjectStore } from '../object-store/index.ts';
import { deltaToDuckDBWriteType, fieldToDuckDBType, isJsonField } from './duckdb-types.ts';
import { assertChecks, assertPartitionValues } from './storable.ts';
import type { CheckConstraint } from '../delta/check-constraints.ts';
import { mapDuckDBError } from './map-duckdb-error.ts';
import { encodeLogPath, partitionDirectory } from './partition-path.ts';
import { quoteIdentifier as q, quoteLiteral } from './sql-quote.ts';
import { collectFileStats } from './file-stats.ts';
import { keyRangeOrderSql, keyRangeTuples, type KeyRangeCuts } from './key-range-files.ts';

export interface DataFileTarget {
  store: ObjectStore;
  /** Table root key prefix, ending with '/'. */
  root: string;
  schema: StructType;
  partitionColumns: readonly string[];
  /** Split a partition's output into files of about this size (DuckDB FILE_SIZE_BYTES). */
  targetFileBytes?: number;
  /** A local directory DuckDB may write to (allowed_directories when sandboxed). */
  tmpDir: string;
  /** The table's CHECK constraints (delta.constraints.*), enforced before anything is written. */
  checks?: readonly CheckConstraint[];
  clock?: () => number;
  /** File name prefix: `part` (data files, the default) or `cdc` (change data files, as Spark names them). */
  filePrefix?: 'part' | 'cdc';
  /**
   * Keyed tables' drained files (K3_KEYED_ROW_GROUP_SIZE): rows written in this key order, in
   * Parquet row groups of `rowGroupSize` rows, so a point lookup's key pushed into the scan reads
   * one small row group (docs/design/hot-path.md, "Row groups of keyed files").
   */
  keyOrder?: {
    readonly columns: readonly string[];
    readonly rowGroupSize: number;
    /** K3_KEYED_FILE_ROWS: cut each partition's output into files of at most this many rows along the key (key-range-files.ts); 0 / unset = one file. */
    readonly fileRows?: number;
    /** Keys at which a file must start (key-range-files.ts KeyRangeCuts), with fileRows. */
    readonly cuts?: KeyRangeCuts;
  };
}

/** The DuckDB type a Delta column is written as. */
export function writeTypeOf(field: StructField): string {
  if (isJsonField(field)) return 'VARCHAR';
  return deltaToDuckDBWriteType(field.type);
}

function castExpr(field: StructField): string {
  const col = `src.${q(field.name)}`;
  if (isJsonField(field)) return `CAST(json(${col}) AS VARCHAR)`;
  return `CAST(${col} AS ${writeTypeOf(field)})`;
}

/** SQL for the logged partition value (a Delta partition string, or NULL) of a written column. */
function partitionValueSql(field: StructField): string {
  const c = q(field.name);
  const t = field.type;
  if (t === 'string') return `NULLIF(${c}, '')`; // '' means null in partitionValues
  if (t === 'timestamp') return `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%fZ')`;
  if (t === 'timestamp_ntz') return `strftime(${c}, '%Y-%m-%d %H:%M:%S.%f')`;
  if (t === 'date') return `strftime(${c}, '%Y-%m-%d')`;
  if (t === 'float' || t === 'double') {
    return `CASE WHEN isnan(${c}) THEN 'NaN' WHEN ${c} = 'inf'::DOUBLE THEN 'Infinity' WHEN ${c} = '-inf'::DOUBLE THEN '-Infinity' ELSE CAST(${c} AS VARCHAR) END`;
  }
  if (typeof t === 'string' && t !== 'binary') return `CAST(${c} AS VARCHAR)`;
  throw new AppError('ERR_SQL_UNSUPPORTED', `Column "${field.name}" of type ${JSON.stringify(t)} cannot be a partition column; partition by a string, number, boolean, date or timestamp column.`, { column: field.name });
}

async function ensureUtc(conn: DuckDBConnection): Promise<void> {
  const tz = (await conn.runAndReadAll("SELECT current_setting('TimeZone')")).getRows()[0]?.[0];
  if (tz !== 'UTC') await conn.run("SET TimeZone = 'UTC'");
}

export async function writeDataFiles(conn: DuckDBConnection, source: { sql: string }, target: DataFileTarget): Promise<AddFile[]> {
  const { schema, partitionColumns } = target;
  const fields = new Map(schema.fields.map((f) => [f.name, f]));
  const partFields = partitionColumns.map((name) => {
    const f = fields.get(name);
    if (f === undefined) throw new AppError('ERR_DELTA_LOG_CORRUPT', `Partition column "${name}" is not in the table schema.`, { column: name });
    return f;
  });
  const dataFields = schema.fields.filter((f) => !partitionColumns.includes(f.name));
  const pvSql = partFields.map(partitionValueSql);
  const id = randomUUID().replaceAll('-', '');
  const temp = q(`__k3_write_${id}`);
  const workDir = join(target.tmpDir, `k3-write-${id}`);
  try {
    await ensureUtc(conn);
    const fileRows = target.keyOrder?.fileRows ?? 0;
    const rangeOrder = fileRows > 0 && target.keyOrder !== undefined ? keyRangeOrderSql(schema.fields, partitionColumns, target.keyOrder.columns) : '';
    await conn.run(`CREATE TEMP TABLE ${temp} AS SELECT ${schema.fields.map((f) => `${castExpr(f)} AS ${q(f.name)}`).join(', ')} FROM (${source.sql}) AS src${rangeOrder}`);
    await assertNotNull(conn, temp, schema.fields.filter((f) => !f.nullable));
    await assertPartitionValues(conn, `SELECT * FROM ${temp}`, partFields);
    // Constraints are written against the table's DuckDB types, not the storage types.
    await assertChecks(conn, `SELECT ${schema.fields.map((f) => `CAST(${q(f.name)} AS ${fieldToDuckDBType(f)}) AS ${q(f.name)}`).join(', ')} FROM ${temp}`, target.checks ?? []);
    const ranged = rangeOrder === '' ? undefined : await keyRangeTuples(conn, temp, pvSql, fileRows, target.keyOrder?.cuts);
    const tuples = ranged !== undefined
      ? ranged.map((r) => r.tuple)
      : pvSql.length === 0
        ? [[]]
        : (await conn.runAndReadAll(`SELECT DISTINCT ${pvSql.map((s, i) => `${s} AS p${i}`).join(', ')} FROM ${temp}`)).getRows().map((r) => r.map((v) => (v === null ? null : String(v))));
    await mkdir(workDir, { recursive: true });
    const adds: AddFile[] = [];
    let fileIndex = 0;
    for (const [ti, tuple] of tuples.entries()) {
      const where = pvSql.length === 0 ? 'true' : pvSql.map((s, i) => `${s} IS NOT DISTINCT FROM ${tuple[i] === null || tuple[i] === undefined ? 'NULL' : quoteLiteral(tuple[i])}`).join(' AND ');
      const partitionValues: Record<string, string | null> = {};
      partitionColumns.forEach((c, i) => (partitionValues[c] = tuple[i] ?? null));
      const outDir = join(workDir, String(fileIndex));
      const options = ['FORMAT parquet', 'COMPRESSION zstd'];
      if (target.targetFileBytes !== undefined) options.push(`FILE_SIZE_BYTES ${Math.max(1, Math.floor(target.targetFileBytes))}`);
      if (target.keyOrder !== undefined) options.push(`ROW_GROUP_SIZE ${Math.max(1, Math.floor(target.keyOrder.rowGroupSize))}`);
      const order = target.keyOrder === undefined ? '' : ` ORDER BY ${target.keyOrder.columns.map(q).join(', ')}`;
      // Key-range files: one COPY per rowid slice of the key-sorted temp table (key-range-files.ts).
      for (const [si, slice] of (ranged?.[ti]?.slices ?? [undefined]).entries()) {
        const rows = slice === undefined ? '' : ` AND rowid BETWEEN ${slice[0]} AND ${slice[1]}`;
        const select = `SELECT ${dataFields.length === 0 ? 'NULL AS "__k3_empty"' : dataFields.map((f) => q(f.name)).join(', ')} FROM ${temp} WHERE ${where}${rows}${order}`;
        const dest = target.targetFileBytes !== undefined ? outDir : slice === undefined ? `${outDir}.parquet` : `${outDir}-${si}.parquet`;
        await conn.run(`COPY (${select}) TO ${quoteLiteral(dest)} (${options.join(', ')})`);
        const files = target.targetFileBytes !== undefined ? (await readdir(outDir)).sort().map((n) => join(outDir, n)) : [dest];
        for (const file of files) {
          const add = await uploadFile(conn, file, fileIndex++, partitionValues, dataFields, target);
          if (add !== undefined) adds.push(add);
        }
      }
    }
    return adds;
  } catch (err) {
    throw mapDuckDBError(err);
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${temp}`).catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Delta writers must enforce `nullable: false` (PROTOCOL.md "Writer Requirements"). */
async function assertNotNull(conn: DuckDBConnection, temp: string, required: readonly StructField[]): Promise<void> {
  if (required.length === 0) return;
  const counts = (await conn.runAndReadAll(`SELECT ${required.map((f) => `count(*) FILTER (WHERE ${q(f.name)} IS NULL)`).join(', ')} FROM ${temp}`)).getRows()[0] ?? [];
  const index = counts.findIndex((n) => Number(n) > 0);
  const field = required[index];
  if (field !== undefined) {
    throw new AppError('ERR_CONSTRAINT_NOT_NULL', `Column "${field.name}" is NOT NULL but ${String(counts[index])} row(s) have no value for it; provide a value (or a default) for every row.`, { column: field.name });
  }
}

async function uploadFile(conn: DuckDBConnection, file: string, index: number, partitionValues: Record<string, string | null>, dataFields: readonly StructField[], target: DataFileTarget): Promise<AddFile | undefined> {
  const stats = await collectFileStats(conn, file, dataFields);
  if (stats.numRecords === 0) return undefined;
  const name = `${target.filePrefix ?? 'part'}-${String(index).padStart(5, '0')}-${randomUUID()}-c000.zstd.parquet`;
  const relativeKey = `${partitionDirectory(target.partitionColumns, partitionValues)}${name}`;
  const size = await putLocalFile(target.store, `${target.root}${relativeKey}`, file);
  return {
    path: encodeLogPath(relativeKey),
    partitionValues,
    size,
    modificationTime: (target.clock ?? Date.now)(),
    dataChange: true,
    stats: stats.json,
  };
}

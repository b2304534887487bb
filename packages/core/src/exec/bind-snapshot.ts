/**
 * bindSnapshot: a Delta snapshot as a DuckDB relation (TEMP VIEW by default) over local Parquet.
 *
 * Invariants (docs/design/execution.md, "Binding a snapshot"):
 * - Columns are exactly the Delta schema's, in schema order, with their DuckDB types
 *   (duckdb-types.ts; k3 json columns are `JSON`, Delta timestamps are UTC wall-clock TIMESTAMP).
 * - Rows are all active files' rows: one `read_parquet([...], union_by_name = true)` per distinct
 *   partition tuple, joined with UNION ALL, so a filter on a partition column prunes whole
 *   branches at plan time.
 * - Partition columns are typed constants from `ActiveFile.partitionValues`; DuckDB's hive
 *   partition detection is switched off so that nothing is ever parsed from paths — except when
 *   every path provably spells exactly the log's values (hive-partition-read.ts): then ONE
 *   hive-partitioned read_parquet, which DuckDB can aggregate per partition.
 * - A column missing from some files of a group (ADD COLUMN) reads as NULL there (union_by_name);
 *   a column missing from every file of a group is projected as `NULL::TYPE`. Which columns a
 *   file has comes from one batched `parquet_schema()` over all files.
 * - No files → `SELECT NULL::T AS c, … WHERE false`: the same columns, no rows.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructField } from '../delta/schema.ts';
import type { ActiveFile, Snapshot } from '../delta/snapshot.ts';
import { AppError } from '../errors/index.ts';
import { fieldToDuckDBType } from './duckdb-types.ts';
import { mapDuckDBError } from './map-duckdb-error.ts';
import { hivePartitionedSelect } from './hive-partition-read.ts';
import { partitionFieldLiteral } from './partition-literal.ts';
import { quoteIdentifier, quoteLiteral, quoteQualified } from './sql-quote.ts';

export interface BindSnapshotOptions {
  /**
   * Create the relation in this schema (created if needed). Such objects are visible to every
   * connection of the database, so the caller must make names unique; without a schema the
   * relation is TEMP and private to the connection.
   */
  readonly schema?: string;
  /** `view` (default) reads the files at each query; `table` materializes the rows once. */
  readonly kind?: 'view' | 'table';
}

/** The part of a snapshot binding needs (so callers can bind a filtered file list). */
export type BindableSnapshot = Pick<Snapshot, 'schema' | 'partitionColumns' | 'files'>;

interface Group {
  readonly values: ActiveFile['partitionValues'];
  readonly paths: string[];
}

export async function bindSnapshot(
  conn: DuckDBConnection,
  name: string,
  snapshot: BindableSnapshot,
  files: ReadonlyMap<string, string>,
  opts: BindSnapshotOptions = {},
): Promise<void> {
  const sql = await snapshotSelectSql(conn, snapshot, files);
  const kind = opts.kind === 'table' ? 'TABLE' : 'VIEW';
  const target = quoteQualified(opts.schema, name);
  try {
    if (opts.schema !== undefined) await conn.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(opts.schema)}`);
    await conn.run(`CREATE OR REPLACE ${opts.schema === undefined ? 'TEMP ' : ''}${kind} ${target} AS ${sql}`);
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

/** The SELECT a bound snapshot stands for (exposed for EXPLAIN-style tests and job payloads). */
export async function snapshotSelectSql(conn: DuckDBConnection, snapshot: BindableSnapshot, files: ReadonlyMap<string, string>): Promise<string> {
  const fields = snapshot.schema.fields;
  const partitionColumns = new Set(snapshot.partitionColumns);
  if (snapshot.files.length === 0) {
    return `SELECT ${fields.map((f) => `NULL::${fieldToDuckDBType(f)} AS ${quoteIdentifier(f.name)}`).join(', ')} WHERE false`;
  }
  const groups = groupByPartition(snapshot, files);
  const columnsByPath = await readTopLevelColumns(conn, [...files.values()]);
  // Hive layout that says exactly what the log says: one scan DuckDB can aggregate per partition.
  const hive = hivePartitionedSelect({
    fields,
    partitionColumns: snapshot.partitionColumns,
    files: snapshot.files.map((file) => ({ file, path: files.get(file.key)! })),
    columnsByPath,
    dataProjection: (f, present) => projection(f, { values: {}, paths: [] }, partitionColumns, present),
  });
  if (hive !== undefined) return hive;
  const selects = groups.map((group) => {
    const present = new Set(group.paths.flatMap((p) => columnsByPath.get(p) ?? []));
    const projections = fields.map((f) => `${projection(f, group, partitionColumns, present)} AS ${quoteIdentifier(f.name)}`);
    const list = `[${group.paths.map(quoteLiteral).join(', ')}]`;
    return `SELECT ${projections.join(', ')} FROM read_parquet(${list}, union_by_name = true, hive_partitioning = false)`;
  });
  return selects.join('\nUNION ALL\n');
}

function projection(field: StructField, group: Group, partitionColumns: ReadonlySet<string>, present: ReadonlySet<string>): string {
  const sqlType = fieldToDuckDBType(field);
  if (partitionColumns.has(field.name)) return partitionFieldLiteral(group.values[field.name], field);
  if (!present.has(field.name.toLowerCase())) return `NULL::${sqlType}`;
  // The cast is a no-op when types agree; it turns UTC-adjusted TIMESTAMPTZ into UTC wall-clock
  // TIMESTAMP (the connection is in UTC), widened types into the table type, VARCHAR into JSON.
  return `CAST(${quoteIdentifier(field.name)} AS ${sqlType})`;
}

function groupByPartition(snapshot: BindableSnapshot, files: ReadonlyMap<string, string>): Group[] {
  const groups = new Map<string, Group>();
  for (const file of snapshot.files) {
    const local = files.get(file.key);
    if (local === undefined) {
      throw new AppError('ERR_INTERNAL', `No local path was provided for data file ${file.key}; fetch every snapshot file before binding.`, { key: file.key });
    }
    const tuple = snapshot.partitionColumns.map((c) => tupleKey(file.partitionValues[c])).join('\u0000');
    let group = groups.get(tuple);
    if (group === undefined) {
      group = { values: file.partitionValues, paths: [] };
      groups.set(tuple, group);
    }
    group.paths.push(local);
  }
  return [...groups.values()];
}

function tupleKey(value: unknown): string {
  if (value === null || value === undefined) return 'n';
  if (value instanceof Uint8Array) return `x${Buffer.from(value).toString('hex')}`;
  return `${typeof value}:${String(value)}`;
}

/**
 * Top-level columns of local data files already read, by path (bounded, oldest dropped). Paths
 * come from the FileCache, whose files never change under their path (Delta data files are
 * immutable and uniquely named; file-cache.ts), so a file's schema is read once per process and a
 * statement over known files asks DuckDB nothing (docs/design/hot-path.md).
 */
const knownColumns = new Map<string, string[]>();
const KNOWN_COLUMNS_MAX = 100_000;

/** Lower-cased top-level column names per file: cached, else one `parquet_schema()` call over the unknown files. */
async function readTopLevelColumns(conn: DuckDBConnection, paths: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const p of new Set(paths)) {
    const hit = knownColumns.get(p);
    if (hit !== undefined) out.set(p, hit);
    else unknown.push(p);
  }
  if (unknown.length === 0) return out;
  for (const [p, columns] of await queryTopLevelColumns(conn, unknown)) {
    out.set(p, columns);
    knownColumns.set(p, columns);
  }
  while (knownColumns.size > KNOWN_COLUMNS_MAX) knownColumns.delete(knownColumns.keys().next().value!);
  return out;
}

async function queryTopLevelColumns(conn: DuckDBConnection, paths: readonly string[]): Promise<Map<string, string[]>> {
  const unique = [...new Set(paths)];
  let rows: unknown[][];
  try {
    const reader = await conn.runAndReadAll(`SELECT file_name, name, num_children FROM parquet_schema([${unique.map(quoteLiteral).join(', ')}])`);
    rows = reader.getRows();
  } catch (err) {
    throw mapDuckDBError(err);
  }
  const byFile = new Map<string, Array<{ name: string; children: number }>>();
  for (const [file, name, children] of rows) {
    const list = byFile.get(file as string) ?? [];
    list.push({ name: name as string, children: Number(children ?? 0) });
    byFile.set(file as string, list);
  }
  const out = new Map<string, string[]>();
  for (const [file, elements] of byFile) {
    // Schema elements are a depth-first tree: element 0 is the root; skip each top-level
    // element's subtree to find the next one.
    const top: string[] = [];
    let i = 1;
    const skipSubtree = (): void => {
      const el = elements[i++];
      for (let c = 0; c < (el?.children ?? 0); c++) skipSubtree();
    };
    for (let c = 0; c < (elements[0]?.children ?? 0) && i < elements.length; c++) {
      top.push(elements[i]!.name.toLowerCase());
      skipSubtree();
    }
    out.set(file, top);
  }
  return out;
}

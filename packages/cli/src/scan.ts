/**
 * Scan a Delta snapshot into rows with DuckDB: the CLI's `scan` and the conformance suite's
 * content check. Data columns come from `read_parquet` over the snapshot's active files; partition
 * columns come from the log (`ActiveFile.partitionValues`), never from directory names.
 *
 * Local stores are read in place; other stores are downloaded to a temp directory removed in
 * `finally`. Every column is cast to the DuckDB type of its Delta type (TimeZone=UTC, so Delta
 * `timestamp` — Parquet INT96 or UTC-adjusted INT64 — becomes a UTC-wall-clock TIMESTAMP). Columns
 * absent from every file (added by schema evolution) read as NULL. Row order: file order of the
 * snapshot, then row order within each file.
 */
import { mkdtemp, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import { AppError } from '@k3/core';
import type { ActiveFile, Snapshot, StructField } from '@k3/core/delta';
import { createDuckDB, deltaToDuckDBType, quoteIdentifier, quoteLiteral } from '@k3/core/exec';
import { LocalObjectStore, type ObjectStore } from '@k3/core/object-store';
import { toLosslessJson } from './json-value.ts';

export interface ScanColumn {
  readonly name: string;
  /** DuckDB type text. */
  readonly type: string;
}

export interface ScanResult {
  readonly columns: ScanColumn[];
  /** Rows as lossless JSON values (see json-value.ts). */
  readonly rows: Record<string, unknown>[];
}

/** Local file paths of the snapshot's data files; `cleanup` removes any temporary downloads. */
export async function materialize(store: ObjectStore, files: readonly ActiveFile[]): Promise<{ paths: string[]; cleanup: () => Promise<void> }> {
  if (store instanceof LocalObjectStore) {
    const paths = files.map((f) => path.join(store.rootDir, ...f.key.split('/')));
    for (const [i, p] of paths.entries()) {
      try {
        await stat(p);
      } catch {
        throw missing(store, files[i]?.key ?? p);
      }
    }
    return { paths, cleanup: async () => {} };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'k3-scan-'));
  try {
    const paths: string[] = [];
    for (const [i, f] of files.entries()) {
      const bytes = await store.get(f.key);
      if (bytes === undefined) throw missing(store, f.key);
      const p = path.join(dir, `${i}.parquet`);
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, bytes);
      paths.push(p);
    }
    return { paths, cleanup: () => rm(dir, { recursive: true, force: true }) };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function missing(store: ObjectStore, key: string): AppError {
  return new AppError('ERR_DELTA_DATA_FILE_MISSING', `Data file ${store.url}${key} referenced by the snapshot does not exist (vacuumed or deleted); read a newer version.`, { key });
}

/** SQL literal of a typed partition value. */
function partitionLiteral(value: unknown, duckType: string): string {
  if (value === null || value === undefined) return `CAST(NULL AS ${duckType})`;
  if (typeof value === 'bigint' && duckType === 'TIMESTAMP') return `make_timestamp(${value.toString()})`;
  if (value instanceof Uint8Array) return `from_hex(${quoteLiteral(Buffer.from(value).toString('hex'))})`;
  if (typeof value === 'number' && !Number.isFinite(value)) return `CAST(${quoteLiteral(String(value))} AS ${duckType})`;
  return `CAST(${quoteLiteral(String(value))} AS ${duckType})`;
}

export async function withDuck<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = await createDuckDB({ threads: 2 });
  try {
    const conn = await db.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  } finally {
    db.closeSync();
  }
}

function columnSql(field: StructField, partitioned: boolean, present: ReadonlySet<string>): string {
  const t = deltaToDuckDBType(field.type);
  const q = quoteIdentifier(field.name);
  if (partitioned) return `p.${q}`;
  if (!present.has(field.name)) return `CAST(NULL AS ${t}) AS ${q}`;
  // Nested values are left as Parquet typed them: casting structs by position could misalign fields.
  return typeof field.type === 'string' ? `CAST(d.${q} AS ${t}) AS ${q}` : `d.${q}`;
}

/**
 * Stream a snapshot's rows in DuckDB-sized batches to `onRows` (lossless JSON values), without
 * materializing the whole table in memory. `onColumns` is called once, before any rows.
 */
export async function streamSnapshot(
  store: ObjectStore,
  snapshot: Snapshot,
  onColumns: (columns: ScanColumn[]) => void | Promise<void>,
  onRows: (rows: Record<string, unknown>[]) => void | Promise<void>,
): Promise<void> {
  const partSet = new Set(snapshot.partitionColumns);
  const fields = snapshot.schema.fields;
  if (snapshot.files.length === 0) {
    await onColumns(fields.map((f) => ({ name: f.name, type: deltaToDuckDBType(f.type) })));
    return;
  }
  const { paths, cleanup } = await materialize(store, snapshot.files);
  try {
    await withDuck(async (conn) => {
      const fileList = `[${paths.map(quoteLiteral).join(', ')}]`;
      // hive_partitioning off: partition values come from the log, never from directory names.
      const source = `read_parquet(${fileList}, filename = true, file_row_number = true, union_by_name = true, hive_partitioning = false)`;
      const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
      const present = new Set(described.getRowObjectsJS().map((r) => String(r['column_name'])));
      const partCols = fields.filter((f) => partSet.has(f.name));
      const partDefs = partCols.map((f) => `${quoteIdentifier(f.name)} ${deltaToDuckDBType(f.type)}`);
      await conn.run(`CREATE TEMP TABLE k3_parts (k3_file_index INTEGER, k3_path VARCHAR${partDefs.map((d) => `, ${d}`).join('')})`);
      const values = snapshot.files.map((f, i) => `(${i}, ${quoteLiteral(paths[i] ?? '')}${partCols.map((c) => `, ${partitionLiteral(f.partitionValues[c.name], deltaToDuckDBType(c.type))}`).join('')})`);
      for (let i = 0; i < values.length; i += 1000) await conn.run(`INSERT INTO k3_parts VALUES ${values.slice(i, i + 1000).join(', ')}`);
      const select = fields.map((f) => columnSql(f, partSet.has(f.name), present)).join(', ');
      const result = await conn.stream(
        `SELECT ${select} FROM ${source} d JOIN k3_parts p ON d.filename = p.k3_path ORDER BY p.k3_file_index, d.file_row_number`,
      );
      const types = result.columnTypes();
      const names = result.columnNames();
      await onColumns(names.map((n, i) => ({ name: n, type: String(types[i]) })));
      for await (const batch of result.yieldRowObjectJson()) {
        await onRows(batch.map((row) => {
          const out: Record<string, unknown> = {};
          names.forEach((n, i) => { out[n] = toLosslessJson(row[n], types[i] as DuckDBType); });
          return out;
        }));
      }
    });
  } finally {
    await cleanup();
  }
}

/** All rows of a snapshot in memory (tests, `--format table`); prefer streamSnapshot for big tables. */
export async function scanSnapshot(store: ObjectStore, snapshot: Snapshot): Promise<ScanResult> {
  let columns: ScanColumn[] = [];
  const rows: Record<string, unknown>[] = [];
  await streamSnapshot(store, snapshot, (c) => { columns = c; }, (batch) => { for (const r of batch) rows.push(r); });
  return { columns, rows };
}

/** Row count of a snapshot: from stats when every file has them (unless `useStats: false`), else from Parquet footers. */
export async function countRows(store: ObjectStore, snapshot: Snapshot, opts: { useStats?: boolean } = {}): Promise<{ rows: number; source: 'stats' | 'parquet' }> {
  if (snapshot.numRecords !== undefined && opts.useStats !== false) return { rows: snapshot.numRecords, source: 'stats' };
  if (snapshot.files.length === 0) return { rows: 0, source: 'parquet' };
  const { paths, cleanup } = await materialize(store, snapshot.files);
  try {
    return await withDuck(async (conn) => {
      const r = await conn.runAndReadAll(`SELECT coalesce(sum(num_rows), 0)::BIGINT AS n FROM parquet_file_metadata([${paths.map(quoteLiteral).join(', ')}])`);
      return { rows: Number(r.getRowObjectsJS()[0]?.['n'] ?? 0), source: 'parquet' as const };
    });
  } finally {
    await cleanup();
  }
}

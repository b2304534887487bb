/**
 * WriteTarget: the table a DML statement writes, as a DuckDB TEMP TABLE named like the k3 table
 * with the exact column types, NOT NULL constraints and DEFAULTs, so that DuckDB itself runs the
 * user's statement verbatim and enforces its own semantics.
 *
 * Row identity without touching the user's SQL: files are loaded one INSERT at a time, so file i
 * owns the contiguous rowid range [lo_i, hi_i). DuckDB keeps rowids stable under UPDATE and DELETE
 * of an unindexed table, and new rows get rowids >= the loaded count. Before the statement a
 * shadow copy (`rowid` + values) is taken; afterwards a join of shadow and table names exactly
 * the files whose rows were deleted or changed. Only those files are rewritten.
 *
 * Invariant: the temp table has no index unless `primaryKey` is asked for (upserts), because an
 * indexed UPDATE of key columns may move rows to new rowids; upserts never change the key.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { K3_COLUMN_META, type StructType } from '../delta/schema.ts';
import type { ActiveFile } from '../delta/snapshot.ts';
import { fieldToDuckDBType, mapDuckDBError, quoteIdentifier as q, snapshotSelectSql } from '../exec/index.ts';

export interface FileRange {
  readonly file: ActiveFile;
  readonly lo: number;
  readonly hi: number;
}

export interface DiffResult {
  /** Files whose rows were deleted or changed. */
  readonly affected: readonly FileRange[];
  readonly insertedRows: number;
  readonly deletedRows: number;
  readonly changedRows: number;
}

const SHADOW = q('__k3_before');
const RANGES = q('__k3_ranges');

/** CREATE TEMP TABLE `name` with the table's columns, constraints and defaults. */
export function targetTableDdl(name: string, schema: StructType, primaryKey: readonly string[] = []): string {
  const columns = schema.fields.map((f) => {
    const parts = [q(f.name), fieldToDuckDBType(f)];
    if (!f.nullable) parts.push('NOT NULL');
    const dflt = f.metadata?.[K3_COLUMN_META.default];
    if (typeof dflt === 'string' && dflt !== '') parts.push(`DEFAULT (${dflt})`);
    return parts.join(' ');
  });
  if (primaryKey.length > 0) columns.push(`PRIMARY KEY (${primaryKey.map(q).join(', ')})`);
  return `CREATE TEMP TABLE ${q(name)} (${columns.join(', ')})`;
}

export class WriteTarget {
  readonly name: string;
  readonly schema: StructType;
  readonly partitionColumns: readonly string[];
  readonly #conn: DuckDBConnection;
  readonly #ranges: FileRange[] = [];
  #loaded = 0;

  private constructor(conn: DuckDBConnection, name: string, schema: StructType, partitionColumns: readonly string[]) {
    this.#conn = conn;
    this.name = name;
    this.schema = schema;
    this.partitionColumns = partitionColumns;
  }

  static async create(conn: DuckDBConnection, name: string, schema: StructType, partitionColumns: readonly string[], primaryKey: readonly string[] = []): Promise<WriteTarget> {
    await run(conn, targetTableDdl(name, schema, primaryKey));
    return new WriteTarget(conn, name, schema, partitionColumns);
  }

  get loadedRows(): number {
    return this.#loaded;
  }

  get ranges(): readonly FileRange[] {
    return this.#ranges;
  }

  /** Appends the rows of `files` (local paths in `paths`), one file per INSERT. */
  async load(files: readonly ActiveFile[], paths: ReadonlyMap<string, string>): Promise<void> {
    for (const file of files) {
      const select = await snapshotSelectSql(this.#conn, { schema: this.schema, partitionColumns: this.partitionColumns, files: [file] }, paths);
      const result = await run(this.#conn, `INSERT INTO ${q(this.name)} SELECT * FROM (${select})`);
      const n = Number(result);
      this.#ranges.push({ file, lo: this.#loaded, hi: this.#loaded + n });
      this.#loaded += n;
    }
  }

  /** Takes the shadow copy the diff compares against (values only when updates must be seen). */
  async snapshotBefore(withValues: boolean): Promise<void> {
    const cols = withValues ? ', *' : '';
    await run(this.#conn, `CREATE TEMP TABLE ${SHADOW} AS SELECT rowid AS "__k3_rowid"${cols} FROM ${q(this.name)}`);
    const values = this.#ranges.map((r, i) => `(${i}, ${r.lo}, ${r.hi})`);
    await run(this.#conn, `CREATE TEMP TABLE ${RANGES} (idx INTEGER, lo BIGINT, hi BIGINT)`);
    if (values.length > 0) await run(this.#conn, `INSERT INTO ${RANGES} VALUES ${values.join(', ')}`);
  }

  /** After the statement: which loaded files changed, and how many rows were inserted. */
  async diff(withValues: boolean): Promise<DiffResult> {
    const t = q(this.name);
    const cols = this.schema.fields.map((f) => q(f.name));
    const changedExpr = withValues && cols.length > 0
      ? `(ROW(${cols.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM ROW(${cols.map((c) => `b.${c}`).join(', ')}))`
      : 'false';
    const sql = `
      SELECT r.idx,
             count(*) FILTER (WHERE t.rowid IS NULL) AS deleted,
             count(*) FILTER (WHERE t.rowid IS NOT NULL AND ${changedExpr}) AS changed
      FROM ${SHADOW} b
      JOIN ${RANGES} r ON b."__k3_rowid" >= r.lo AND b."__k3_rowid" < r.hi
      LEFT JOIN ${t} t ON t.rowid = b."__k3_rowid"
      GROUP BY r.idx
      HAVING deleted > 0 OR changed > 0`;
    const rows = await readRows(this.#conn, sql);
    const affected: FileRange[] = [];
    let deletedRows = 0;
    let changedRows = 0;
    for (const [idx, deleted, changed] of rows) {
      const range = this.#ranges[Number(idx)];
      if (range !== undefined) affected.push(range);
      deletedRows += Number(deleted);
      changedRows += Number(changed);
    }
    const inserted = await readRows(this.#conn, `SELECT count(*) FROM ${t} WHERE rowid >= ${this.#loaded}`);
    return { affected, insertedRows: Number(inserted[0]?.[0] ?? 0), deletedRows, changedRows };
  }

  /**
   * The statement's row changes by rowid (needs the shadow with values): a loaded row gone is a
   * delete, one with other values an update (pre-image from the shadow, post-image from the
   * table), a row at rowid ≥ the loaded count an insert. Columns: the table's + `_change_type`.
   */
  changesSql(): string {
    const t = q(this.name);
    const cols = this.schema.fields.map((f) => q(f.name));
    const of = (alias: string): string => cols.map((c) => `${alias}.${c}`).join(', ');
    const ct = q('_change_type');
    const changed = `ROW(${of('t')}) IS DISTINCT FROM ROW(${of('b')})`;
    return [
      `SELECT ${of('b')}, 'delete' AS ${ct} FROM ${SHADOW} b LEFT JOIN ${t} t ON t.rowid = b."__k3_rowid" WHERE t.rowid IS NULL`,
      `SELECT ${of('b')}, 'update_preimage' AS ${ct} FROM ${SHADOW} b JOIN ${t} t ON t.rowid = b."__k3_rowid" WHERE ${changed}`,
      `SELECT ${of('t')}, 'update_postimage' AS ${ct} FROM ${SHADOW} b JOIN ${t} t ON t.rowid = b."__k3_rowid" WHERE ${changed}`,
      `SELECT ${of('t')}, 'insert' AS ${ct} FROM ${t} t WHERE t.rowid >= ${this.#loaded}`,
    ].join('\nUNION ALL\n');
  }

  /** SQL selecting the rows to write: what is left of `affected` files plus every new row. */
  rowsToWriteSql(affected: readonly FileRange[]): string {
    const cols = this.schema.fields.map((f) => q(f.name)).join(', ');
    // Everything in the table is to be written (a plain INSERT, or every loaded file affected).
    if (affected.length === this.#ranges.length) return `SELECT ${cols} FROM ${q(this.name)}`;
    const conds = affected.map((r) => `(rowid >= ${r.lo} AND rowid < ${r.hi})`);
    conds.push(`rowid >= ${this.#loaded}`);
    return `SELECT ${cols} FROM ${q(this.name)} WHERE ${conds.join(' OR ')}`;
  }

  /** Loaded rows still present, and rows the statement added. */
  async countRows(): Promise<{ kept: number; inserted: number }> {
    const rows = await readRows(this.#conn, `SELECT count(*) FILTER (WHERE rowid < ${this.#loaded}), count(*) FILTER (WHERE rowid >= ${this.#loaded}) FROM ${q(this.name)}`);
    return { kept: Number(rows[0]?.[0] ?? 0), inserted: Number(rows[0]?.[1] ?? 0) };
  }
}

/**
 * TEMP VIEW `name` over `files` with one extra column, `__k3_file` = index into `files`: the
 * relation a write-scope probe runs against. Dropped by `dropProbeView`.
 */
export async function createProbeView(conn: DuckDBConnection, name: string, schema: StructType, partitionColumns: readonly string[], files: readonly ActiveFile[], paths: ReadonlyMap<string, string>): Promise<void> {
  const selects: string[] = [];
  for (const [i, file] of files.entries()) {
    const select = await snapshotSelectSql(conn, { schema, partitionColumns, files: [file] }, paths);
    selects.push(`SELECT *, ${i} AS "__k3_file" FROM (${select})`);
  }
  await run(conn, `CREATE TEMP VIEW ${q(name)} AS ${selects.join(' UNION ALL ')}`);
}

export async function dropProbeView(conn: DuckDBConnection, name: string): Promise<void> {
  await run(conn, `DROP VIEW IF EXISTS temp.main.${q(name)}`);
}

async function run(conn: DuckDBConnection, sql: string): Promise<number> {
  try {
    const result = await conn.run(sql);
    return result.rowsChanged;
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

async function readRows(conn: DuckDBConnection, sql: string): Promise<unknown[][]> {
  try {
    return (await conn.runAndReadAll(sql)).getRows();
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

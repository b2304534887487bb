/**
 * Loads a WalOverlay into DuckDB as two TEMP tables with the table's own column types:
 * `<name>_up` (the upserted rows, columns in table order) and `<name>_keys` (every overlay key,
 * key columns only). Values travel as VARCHAR through the appender and are cast in SQL, which is
 * exact because WAL values are DuckDB's own text of the typed value (record-codec.ts).
 * A small overlay (the usual tail of a warm state) travels as quoted VARCHAR literals instead, and
 * both tables are made by ONE DuckDB call (two CTAS statements in one query): 1 call instead of 6.
 * `tryCast: true` uses TRY_CAST so a bad value becomes NULL instead of failing (the drain's
 * validation compares NULLs with the text to find such rows).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import type { WalValue } from './record-codec.ts';
import { appendTextRows } from './append-text-rows.ts';
import { deletedTuples, upsertedRows, type WalOverlay } from './overlay.ts';
import type { WalTableShape } from './table-shape.ts';

export interface OverlayTables {
  /** Quoted name of the typed upserts table. */
  readonly upserts: string;
  /** Quoted name of the typed keys table (upserted and deleted keys). */
  readonly keys: string;
  /** Drops both tables. */
  drop(): Promise<void>;
  /** The statements `drop()` runs, for a caller batching them with its own (one DuckDB call). */
  readonly dropSql: string;
}

/**
 * `opts.then`: a statement (e.g. the view over these tables) run right after them — in the same
 * DuckDB call when the overlay travels as literals. If it fails, the tables are dropped too.
 */
export async function loadOverlayTables(conn: DuckDBConnection, name: string, overlay: WalOverlay, shape: WalTableShape, opts: { tryCast?: boolean; then?: string } = {}): Promise<OverlayTables> {
  const upName = `${name}_up`;
  const keysName = `${name}_keys`;
  const cast = opts.tryCast === true ? 'TRY_CAST' : 'CAST';
  const keyColumns = shape.primaryKey.map((k) => shape.columns.find((c) => c.name === k)!);
  const upRows = upsertedRows(overlay);
  const keyRows = overlay.byKey.tuples(); // wip/bulk11: no entry built per key
  try {
    const literal = literalRows(upRows, shape.columns.length) && literalRows(keyRows, keyColumns.length);
    if (literal) {
      await conn.run([literalCtas(upName, shape.columns, upRows, cast), literalCtas(keysName, keyColumns, keyRows, cast), ...(opts.then !== undefined ? [opts.then] : [])].join(';\n'));
    } else {
      await loadTyped(conn, upName, shape.columns, upRows, cast);
      // Keys: the deleted keys appended, the upserted ones copied from the typed upserts in SQL
      // (not appended a second time: the appender is most of a big load, e.g. a drain's).
      const deleteRows = deletedTuples(overlay);
      await loadTyped(conn, keysName, keyColumns, deleteRows, cast);
      await conn.run(`INSERT INTO ${q(keysName)} SELECT ${keyColumns.map((c) => q(c.name)).join(', ')} FROM ${q(upName)}`);
      if (opts.then !== undefined) await conn.run(opts.then);
    }
  } catch (err) {
    await dropAll(conn, [upName, keysName]);
    throw mapDuckDBError(err);
  }
  return { upserts: q(upName), keys: q(keysName), drop: () => dropAll(conn, [upName, keysName]), dropSql: dropSql([upName, keysName]) };
}

/** Rows small enough to travel as SQL literals (a bounded statement text). */
const LITERAL_ROWS = 64;
const LITERAL_CHARS = 64 * 1024;

function literalRows(rows: readonly (readonly WalValue[])[], width: number): boolean {
  if (rows.length > LITERAL_ROWS) return false;
  let chars = 0;
  for (const row of rows) for (let i = 0; i < width; i++) chars += (row[i] ?? '').length + 4;
  return chars <= LITERAL_CHARS;
}

/** `CREATE OR REPLACE TEMP TABLE name AS SELECT cast(c_i AS type) … FROM (VALUES …)`: the same typed table loadTyped makes. */
function literalCtas(name: string, columns: readonly { name: string; type: string }[], rows: readonly (readonly WalValue[])[], cast: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${q(name)} AS ${typedRowsSelect(columns, rows, cast)}`;
}

/**
 * The overlay's upserted rows as ONE SELECT of the table's typed columns in table order (what
 * `<name>_up` holds), for a caller inserting them straight into its own table with no TEMP tables
 * (named-rows-load.ts, wip/ingest8); undefined when they are too many to travel as literals.
 */
export function overlayUpsertsSelect(overlay: WalOverlay, shape: WalTableShape): { select: string; rows: number } | undefined {
  const rows = upsertedRows(overlay);
  return literalRows(rows, shape.columns.length) ? { select: typedRowsSelect(shape.columns, rows, 'CAST'), rows: rows.length } : undefined;
}

/** From this many rows on, each column's values travel as ONE string split in SQL (fewer literals to bind; wip/ingest8). */
const SPLIT_ROWS = 32;
/** The separator and NULL marker of a split column (no value may hold either: such rows travel as VALUES). */
const SEP = '\u001f';
const NULL_MARK = '\u001e';

/** `SELECT cast(c_i AS type) AS name, … FROM (<the rows as VARCHAR columns c0 … cn>)`. */
function typedRowsSelect(columns: readonly { name: string; type: string }[], rows: readonly (readonly WalValue[])[], cast: string): string {
  const split = rows.length >= SPLIT_ROWS ? splitColumns(rows, columns.length) : undefined;
  if (split !== undefined) {
    // unnest of equally long lists in one SELECT zips them row by row (values-source-load.ts relies on it too).
    const cells = split.map((col, i) => `unnest(string_split(${quoteLiteral(col)}, chr(31))) AS c${i}`).join(', ');
    return `SELECT ${columns.map((c, i) => `${cast}(NULLIF(c${i}, chr(30)) AS ${c.type}) AS ${q(c.name)}`).join(', ')} FROM (SELECT ${cells})`;
  }
  const select = columns.map((c, i) => `${cast}(c${i} AS ${c.type}) AS ${q(c.name)}`).join(', ');
  const raw = rows.length === 0
    ? `SELECT ${columns.map((_, i) => `CAST(NULL AS VARCHAR) AS c${i}`).join(', ')} WHERE false`
    : `SELECT * FROM (VALUES ${rows.map((row) => `(${columns.map((_, i) => {
      // A bare string literal is already VARCHAR (a column of only NULLs is NULL-typed; both cast
      // alike below): no per-value CAST to bind — binding those was half the call for 50 rows.
      const v = row[i] ?? null;
      return v === null ? 'NULL' : quoteLiteral(v);
    }).join(', ')})`).join(', ')}) AS v(${columns.map((_, i) => `c${i}`).join(', ')})`;
  return `SELECT ${select} FROM (${raw})`;
}

/** Each column's values joined by SEP (NULL as NULL_MARK); undefined when a value holds either character. */
function splitColumns(rows: readonly (readonly WalValue[])[], width: number): string[] | undefined {
  const out: string[] = [];
  for (let i = 0; i < width; i++) {
    const parts = new Array<string>(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const v = rows[r]![i] ?? null;
      if (v !== null && (v.includes(SEP) || v.includes(NULL_MARK))) return undefined;
      parts[r] = v ?? NULL_MARK;
    }
    out.push(parts.join(SEP));
  }
  return out;
}

async function loadTyped(conn: DuckDBConnection, name: string, columns: readonly { name: string; type: string }[], rows: readonly (readonly WalValue[])[], cast: string): Promise<void> {
  const raw = `${name}_raw`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(raw)} (${columns.map((_, i) => `c${i} VARCHAR`).join(', ')})`);
  try {
    await appendTextRows(conn, raw, [rows], columns.length);
    const select = columns.map((c, i) => `${cast}(c${i} AS ${c.type}) AS ${q(c.name)}`).join(', ');
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(name)} AS SELECT ${select} FROM ${q(raw)}`);
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${q(raw)}`);
  }
}

function dropSql(names: readonly string[]): string {
  return names.map((n) => `DROP TABLE IF EXISTS ${q(n)}`).join(';\n');
}

async function dropAll(conn: DuckDBConnection, names: readonly string[]): Promise<void> {
  // One call; DROP … IF EXISTS of a missing table succeeds, so one failing drop is the only way this fails.
  await conn.run(dropSql(names)).catch(async () => {
    for (const n of names) await conn.run(`DROP TABLE IF EXISTS ${q(n)}`).catch(() => undefined);
  });
}

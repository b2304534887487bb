/**
 * The DuckDB statement each typed data operation stands for (docs/design/typed-operations.md).
 * Each builder validates its request against the table and returns SQL text plus bound values;
 * the engine then runs it like any Execute statement, so routing, strategies, constraints and
 * errors are exactly those of the equivalent SQL.
 *
 *   Insert     INSERT INTO "t" ("a", "b") VALUES ($1, DEFAULT), ($2, $3)      (omitted column → DEFAULT)
 *   Merge      MERGE INTO "t" USING (VALUES (CAST($1 AS T), …), …) AS "__k3_source"("a", …)
 *                ON "t"."k" = "__k3_source"."k" AND …
 *                WHEN MATCHED THEN UPDATE SET "b" = "__k3_source"."b", …   (omitted when only match columns are sent)
 *                WHEN NOT MATCHED THEN INSERT ("a", …) VALUES ("__k3_source"."a", …)
 *   Update     UPDATE "t" SET "a" = $1, … WHERE <predicate>
 *   DeleteRows DELETE FROM "t" WHERE <predicate>
 *   Query      SELECT "a", … | * FROM "t" [AS OF VERSION n | AS OF TIMESTAMP '<ISO>'] [WHERE …]
 *                [ORDER BY "a" DESC NULLS FIRST, …] [LIMIT $k] [OFFSET $m]
 */
import { duckdbTypeOf, isStorableColumnType } from '../catalog/index.ts';
import { parseTimestampMs } from '../maintenance/index.ts';
import { AppError } from '../errors/index.ts';
import type { SqlParam } from '../sql/statement-params.ts';
import { compilePredicate, type Predicate } from './predicate.ts';
import { SqlBuilder, type TypedTable } from './sql-builder.ts';

export interface TypedStatement {
  readonly sql: string;
  readonly params: SqlParam[];
}

export type Row = Readonly<Record<string, unknown>>;

export interface OrderBy {
  readonly column: string;
  readonly descending?: boolean;
  readonly nullsFirst?: boolean;
}

export interface QuerySpec {
  readonly columns?: readonly string[];
  readonly where?: Predicate;
  readonly orderBy?: readonly OrderBy[];
  readonly limit?: number | bigint | string;
  readonly offset?: number | bigint | string;
  readonly asOfVersion?: number | bigint | string;
  /** ISO-8601 text or epoch milliseconds. */
  readonly asOfTimestamp?: string | number | Date;
}

/** The source relation's alias in a typed MERGE. */
const SOURCE = '__k3_source';

function bad(message: string, details?: Record<string, unknown>): AppError {
  return new AppError('ERR_BAD_REQUEST', message, details);
}

function rowsOf(rows: unknown, what: string): Row[] {
  if (!Array.isArray(rows) || rows.length === 0) throw bad(`${what} needs a non-empty list of rows (JSON objects by column name).`);
  return rows.map((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw bad(`rows[${i}] must be a JSON object by column name.`, { row: i });
    return r as Row;
  });
}

/** Columns the rows mention, in table order, each resolved once. */
function mentionedColumns(b: SqlBuilder, rows: readonly Row[]): { names: string[]; keyOf: Map<string, string> } {
  const keyOf = new Map<string, string>();
  for (const row of rows) for (const key of Object.keys(row)) if (row[key] !== undefined && !keyOf.has(key)) keyOf.set(key, b.column(key).name);
  const used = new Set(keyOf.values());
  return { names: b.table.columns.map((c) => c.name).filter((n) => used.has(n)), keyOf };
}

/** The value of table column `name` in `row` (any spelling of the name that resolves to it). */
function valueIn(row: Row, name: string, keyOf: ReadonlyMap<string, string>): { present: boolean; value: unknown } {
  for (const [key, resolved] of keyOf) if (resolved === name && row[key] !== undefined) return { present: true, value: row[key] };
  return { present: false, value: undefined };
}

export function insertStatement(table: TypedTable, rows: unknown): TypedStatement {
  const b = new SqlBuilder(table);
  const list = rowsOf(rows, 'Insert');
  const mentioned = mentionedColumns(b, list);
  const { keyOf } = mentioned;
  let { names } = mentioned;
  // Rows of defaults only: list every column, each DEFAULT.
  if (names.length === 0) names = table.columns.map((c) => c.name);
  const tuples = list.map((row) => `(${names.map((n) => {
    const { present, value } = valueIn(row, n, keyOf);
    return present ? b.value(b.column(n), value) : 'DEFAULT';
  }).join(', ')})`);
  return { sql: `INSERT INTO ${b.ident(table.name)} (${names.map((n) => b.ident(n)).join(', ')}) VALUES ${tuples.join(', ')}`, params: b.params };
}

export function mergeStatement(table: TypedTable, rows: unknown, matchColumns: readonly string[] | undefined): TypedStatement {
  const b = new SqlBuilder(table);
  const list = rowsOf(rows, 'Merge');
  const { names, keyOf } = mentionedColumns(b, list);
  const match = (matchColumns !== undefined && matchColumns.length > 0 ? matchColumns : table.mergeKeys).map((m) => b.column(m).name);
  if (match.length === 0) throw bad(`Table ${table.name} has no merge keys; name the columns that identify a row in matchColumns.`, { table: table.name });
  if (new Set(match).size !== match.length) throw bad('matchColumns names a column twice.');
  list.forEach((row, i) => {
    const missing = names.filter((n) => !valueIn(row, n, keyOf).present);
    if (missing.length > 0) throw bad(`Every Merge row must carry the same columns; rows[${i}] lacks ${missing.join(', ')} (send null for NULL).`, { row: i, missing });
  });
  const absent = match.filter((m) => !names.includes(m));
  if (absent.length > 0) throw bad(`Merge rows must carry the match column(s) ${absent.join(', ')}.`, { missing: absent });
  const tuples = list.map((row) => `(${names.map((n) => {
    const column = b.column(n);
    const duck = isStorableColumnType(column.type) ? duckdbTypeOf(column.type) : 'VARCHAR';
    return `CAST(${b.value(column, valueIn(row, n, keyOf).value)} AS ${duck})`;
  }).join(', ')})`);
  const t = b.ident(table.name);
  const s = b.ident(SOURCE);
  const on = match.map((m) => `${t}.${b.ident(m)} = ${s}.${b.ident(m)}`).join(' AND ');
  const updated = names.filter((n) => !match.includes(n));
  const whenMatched = updated.length === 0 ? '' : ` WHEN MATCHED THEN UPDATE SET ${updated.map((n) => `${b.ident(n)} = ${s}.${b.ident(n)}`).join(', ')}`;
  const cols = names.map((n) => b.ident(n)).join(', ');
  const sql = `MERGE INTO ${t} USING (VALUES ${tuples.join(', ')}) AS ${s}(${cols}) ON ${on}${whenMatched} WHEN NOT MATCHED THEN INSERT (${cols}) VALUES (${names.map((n) => `${s}.${b.ident(n)}`).join(', ')})`;
  return { sql, params: b.params };
}

export function updateStatement(table: TypedTable, set: unknown, where: unknown): TypedStatement {
  const b = new SqlBuilder(table);
  if (set === null || typeof set !== 'object' || Array.isArray(set) || Object.keys(set).length === 0) throw bad('Update needs set: a non-empty JSON object {column: value}.');
  if (where === undefined || where === null) throw bad('Update needs a where predicate (to change every row, use Execute with UPDATE … without WHERE).');
  const seen = new Set<string>();
  const assignments = Object.entries(set as Row).filter(([, v]) => v !== undefined).map(([key, value]) => {
    const column = b.column(key);
    if (seen.has(column.name)) throw bad(`set names column ${column.name} twice.`);
    seen.add(column.name);
    return `${b.ident(column.name)} = ${b.value(column, value)}`;
  });
  const predicate = compilePredicate(b, where);
  return { sql: `UPDATE ${b.ident(table.name)} SET ${assignments.join(', ')} WHERE ${predicate}`, params: b.params };
}

export function deleteStatement(table: TypedTable, where: unknown): TypedStatement {
  const b = new SqlBuilder(table);
  if (where === undefined || where === null) throw bad('DeleteRows needs a where predicate (to delete every row, use Execute with DELETE FROM … or TRUNCATE).');
  const predicate = compilePredicate(b, where);
  return { sql: `DELETE FROM ${b.ident(table.name)} WHERE ${predicate}`, params: b.params };
}

export function queryStatement(table: TypedTable, spec: QuerySpec): TypedStatement {
  const b = new SqlBuilder(table);
  const columns = spec.columns === undefined || spec.columns.length === 0 ? '*' : spec.columns.map((c) => b.ident(b.column(c).name)).join(', ');
  let from = b.ident(table.name);
  if (spec.asOfVersion !== undefined && spec.asOfTimestamp !== undefined) throw bad('Give asOfVersion or asOfTimestamp, not both.');
  if (spec.asOfVersion !== undefined) from += ` AS OF VERSION ${nonNegative(spec.asOfVersion, 'asOfVersion')}`;
  if (spec.asOfTimestamp !== undefined) from += ` AS OF TIMESTAMP '${isoOf(spec.asOfTimestamp)}'`;
  let sql = `SELECT ${columns} FROM ${from}`;
  if (spec.where !== undefined && spec.where !== null) sql += ` WHERE ${compilePredicate(b, spec.where)}`;
  if (spec.orderBy !== undefined && spec.orderBy.length > 0) {
    sql += ` ORDER BY ${spec.orderBy.map((o, i) => {
      if (o === null || typeof o !== 'object' || typeof o.column !== 'string') throw bad(`orderBy[${i}] must be {column, descending?, nullsFirst?}.`);
      const nulls = o.nullsFirst === undefined ? '' : o.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST';
      return `${b.ident(b.column(o.column).name)}${o.descending === true ? ' DESC' : ' ASC'}${nulls}`;
    }).join(', ')}`;
  }
  if (spec.limit !== undefined) sql += ` LIMIT ${b.param(nonNegative(spec.limit, 'limit'))}`;
  if (spec.offset !== undefined) sql += ` OFFSET ${b.param(nonNegative(spec.offset, 'offset'))}`;
  return { sql, params: b.params };
}

function nonNegative(value: number | bigint | string, what: string): bigint {
  const n = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value) : undefined;
  if (n === undefined || n < 0n || n >= 2n ** 63n) throw bad(`${what} must be a non-negative integer (a JSON number or string); got ${JSON.stringify(String(value))}.`);
  return n;
}

/** A time-travel target as normalized ISO text built here (never the caller's text). */
function isoOf(value: string | number | Date): string {
  const ms = value instanceof Date ? value.getTime() : parseTimestampMs(typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw bad(`asOfTimestamp must be ISO-8601 text or epoch milliseconds; got ${JSON.stringify(String(value))}.`);
  return new Date(ms).toISOString();
}

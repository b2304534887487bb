/**
 * Reading table definitions back from DuckDB: k3 lets DuckDB parse and bind every CREATE TABLE /
 * ALTER TABLE on a TEMP table of a scratch connection, then reads the result from
 * duckdb_columns() / duckdb_constraints(). DuckDB stays the only SQL grammar; k3 only maps the
 * outcome onto Delta column types (catalog/column-types.ts) and validates it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { columnSpecOf, type ColumnSpec } from '../catalog/index.ts';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError, quoteLiteral } from '../exec/index.ts';
import { tokenize } from './sql-tokens.ts';

export interface IntrospectedColumn {
  readonly name: string;
  readonly duckdbType: string;
  readonly nullable: boolean;
  readonly defaultExpression: string;
}

export interface IntrospectedTable {
  readonly columns: readonly IntrospectedColumn[];
  readonly primaryKey: readonly string[];
  /** CHECK constraints in definition order: DuckDB's name and canonical expression text. */
  readonly checks: ReadonlyArray<{ readonly name: string; readonly expression: string }>;
  /** Constraint kinds k3 does not keep (UNIQUE, FOREIGN KEY). */
  readonly otherConstraints: readonly string[];
}

async function rows(conn: DuckDBConnection, sql: string): Promise<unknown[][]> {
  try {
    return (await conn.runAndReadAll(sql)).getRows();
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

/** The TEMP table `name` of this connection, or undefined when it does not exist. */
export async function introspectTempTable(conn: DuckDBConnection, name: string): Promise<IntrospectedTable | undefined> {
  const where = `database_name = 'temp' AND table_name = ${quoteLiteral(name)}`;
  const cols = await rows(conn, `SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns() WHERE ${where} ORDER BY column_index`);
  if (cols.length === 0) return undefined;
  const cons = await rows(conn, `SELECT constraint_type, constraint_column_names, constraint_name, expression FROM duckdb_constraints() WHERE ${where} ORDER BY constraint_index`);
  let primaryKey: string[] = [];
  const otherConstraints: string[] = [];
  const checks: Array<{ name: string; expression: string }> = [];
  for (const [type, names, name, expression] of cons) {
    if (type === 'PRIMARY KEY') primaryKey = listOf(names);
    else if (type === 'CHECK') checks.push({ name: String(name), expression: String(expression) });
    else if (type !== 'NOT NULL') otherConstraints.push(String(type));
  }
  return {
    columns: cols.map(([name, type, nullable, dflt]) => ({
      name: String(name), duckdbType: String(type), nullable: nullable === true, defaultExpression: dflt === null || dflt === undefined ? '' : String(dflt),
    })),
    primaryKey,
    checks,
    otherConstraints,
  };
}

function listOf(value: unknown): string[] {
  // DuckDB list values arrive as DuckDBListValue ({ items }) through getRows().
  const items = (value as { items?: unknown[] } | null)?.items ?? (Array.isArray(value) ? value : []);
  return items.map(String);
}

/** k3 column specs of introspected columns (refuses types Delta cannot store). */
export function toColumnSpecs(columns: readonly IntrospectedColumn[]): ColumnSpec[] {
  return columns.map((c) => columnSpecOf(c.name, c.duckdbType, c.nullable, c.defaultExpression));
}

/**
 * A default must be one self-contained expression whose value casts to the column type. It is
 * evaluated once here (GENERATE_UUID(), ULID(), CURRENT_TIMESTAMP() included) so that a bad
 * default fails at creation, not at the first INSERT.
 */
export async function validateDefault(conn: DuckDBConnection, column: string, expr: string, duckdbType: string): Promise<void> {
  if (expr === '') return;
  const tokens = tokenize(expr);
  const balanced = tokens.every((t) => t.depth >= 0) && tokens.filter((t) => t.kind === 'punct' && t.text === '(').length === tokens.filter((t) => t.kind === 'punct' && t.text === ')').length;
  if (tokens.length === 0 || !balanced || tokens.some((t) => t.kind === 'punct' && t.text === ';')) {
    throw invalidDefault(column, expr, duckdbType, 'it must be a single SQL expression');
  }
  try {
    await conn.run(`SELECT CAST((${expr}) AS ${duckdbType})`);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
    throw invalidDefault(column, expr, duckdbType, reason);
  }
}

function invalidDefault(column: string, expr: string, duckdbType: string, reason: string): AppError {
  return new AppError(
    'ERR_DEFAULT_EXPRESSION_INVALID',
    `Default expression ${JSON.stringify(expr)} of column "${column}" is not valid for type ${duckdbType}: ${reason}. Use a constant of the column type or GENERATE_UUID(), ULID(), CURRENT_TIMESTAMP().`,
    { column, defaultExpression: expr },
  );
}

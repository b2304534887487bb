/**
 * Result column names as DuckDB gives them, so FINAL SQL (which reads renamed merged columns) can
 * alias its outputs back: an explicit alias; for a column reference the table's own spelling of
 * the column (DuckDB reports the bound name, `region` → `Region`); otherwise the expression's
 * ToString as printed by DuckDB (`SUM(amount)/COUNT(*)` → `(sum(amount) / count_star())`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { renderExpression, type Expr } from './select-ast.ts';

export async function outputName(conn: DuckDBConnection, written: Expr, tableColumns: readonly string[]): Promise<string> {
  if (written.alias !== undefined && written.alias !== '') return written.alias;
  if (written.class === 'COLUMN_REF') {
    const last = written.column_names.at(-1) ?? '';
    return tableColumns.find((c) => c.toLowerCase() === last.toLowerCase()) ?? last;
  }
  return renderExpression(conn, written);
}

export async function outputNames(conn: DuckDBConnection, written: readonly Expr[], tableColumns: readonly string[]): Promise<string[]> {
  const names: string[] = [];
  for (const e of written) names.push(await outputName(conn, e, tableColumns));
  return names;
}

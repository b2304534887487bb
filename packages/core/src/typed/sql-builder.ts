/**
 * SqlBuilder: the statement text of one typed operation and its bound values. Identifiers come
 * from the table's own column list (resolved like DuckDB identifiers: exact, else a unique
 * case-insensitive match) and are always quoted; values are always placeholders `$k`, never text.
 */
import type { Column } from '../api/index.ts';
import { AppError } from '../errors/index.ts';
import { quoteIdentifier } from '../exec/index.ts';
import type { SqlParam } from '../sql/statement-params.ts';
import { columnParam } from './column-values.ts';

export interface TypedTable {
  /** The stored table name. */
  readonly name: string;
  readonly columns: readonly Column[];
  readonly mergeKeys: readonly string[];
}

export class SqlBuilder {
  readonly table: TypedTable;
  readonly params: SqlParam[] = [];

  constructor(table: TypedTable) {
    this.table = table;
  }

  /** The table's column named `name`; ERR_COLUMN_NOT_FOUND listing the columns. */
  column(name: string): Column {
    const { columns } = this.table;
    const exact = columns.find((c) => c.name === name);
    if (exact !== undefined) return exact;
    const folded = columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
    if (folded.length === 1) return folded[0]!;
    throw new AppError('ERR_COLUMN_NOT_FOUND', `Table ${this.table.name} has no column "${name}"; its columns are ${columns.map((c) => c.name).join(', ')}.`, { table: this.table.name, column: name });
  }

  ident(name: string): string {
    return quoteIdentifier(name);
  }

  /** A placeholder for `value` converted for `column` (column-values.ts). */
  value(column: Pick<Column, 'name' | 'type'>, value: unknown): string {
    return this.param(columnParam(column, value));
  }

  param(value: SqlParam): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
}

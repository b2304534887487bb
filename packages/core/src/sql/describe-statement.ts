/**
 * describeStatement: what a statement takes and returns, without executing it — the placeholder
 * types and the result columns as DuckDB type text (the Postgres wire's Parse/Describe needs
 * them before any value exists). Tables bind as EMPTY tables with their exact definition, so
 * describing reads no data and writes nothing.
 */
import { DuckDBTypeId, StatementType, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { duckDBTypeText, mapDuckDBError } from '../exec/index.ts';

export interface DescribedColumn {
  readonly name: string;
  /** DuckDB type text (`BIGINT`, `DECIMAL(18,3)`, `JSON`, `VARCHAR[]` …). */
  readonly type: string;
}

export interface StatementDescription {
  /** `query`: returns rows; `write`: INSERT/UPDATE/DELETE/MERGE (rows only with RETURNING); `ddl`: anything else. */
  readonly kind: 'query' | 'write' | 'ddl';
  /** One per placeholder `$1 … $n`; type `UNKNOWN` when DuckDB cannot infer it (`SELECT $1`). */
  readonly parameters: readonly { readonly type: string }[];
  /**
   * Result columns; empty for DDL and maintenance statements (their result shape is fixed by k3).
   * Absent when they depend on a placeholder whose type DuckDB cannot infer (`SELECT $1 + 1`):
   * DuckDB only knows them once values are bound.
   */
  readonly columns?: readonly DescribedColumn[];
}

const WRITES: ReadonlySet<StatementType> = new Set([StatementType.INSERT, StatementType.UPDATE, StatementType.DELETE, StatementType.MERGE_INTO]);

export function describePrepared(prepared: DuckDBPreparedStatement): StatementDescription {
  try {
    const parameters: { type: string }[] = [];
    for (let i = 1; i <= prepared.parameterCount; i++) {
      let type = 'UNKNOWN';
      try {
        type = duckDBTypeText(prepared.parameterType(i));
      } catch {
        // DuckDB could not infer the placeholder's type from its context.
      }
      parameters.push({ type });
    }
    const kind = WRITES.has(prepared.statementType) ? 'write' : 'query';
    const columns: DescribedColumn[] = [];
    for (let i = 0; i < prepared.columnCount; i++) {
      if (prepared.columnTypeId(i) === DuckDBTypeId.INVALID) return { kind, parameters };
      columns.push({ name: prepared.columnName(i), type: duckDBTypeText(prepared.columnType(i)) });
    }
    return { kind, parameters, columns };
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

/**
 * Which function names are aggregates, asked of DuckDB itself (`duckdb_functions()`), so an
 * aggregate the planner does not know (median, string_agg, approx_*, …) is recognised and forces a
 * fallback instead of being mistaken for a scalar. Cached per process: the catalog of built-in
 * aggregates is fixed by the DuckDB build.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { walk } from './ast-walk.ts';
import type { Expr, FunctionExpr } from './select-ast.ts';

let cached: Promise<ReadonlySet<string>> | undefined;

export function aggregateFunctionNames(conn: DuckDBConnection): Promise<ReadonlySet<string>> {
  cached ??= conn
    .runAndReadAll("SELECT DISTINCT lower(function_name) FROM duckdb_functions() WHERE function_type = 'aggregate'")
    .then((r) => new Set(r.getRows().map((row) => String(row[0]))))
    .catch((e: unknown) => {
      cached = undefined;
      throw e;
    });
  return cached;
}

export function isAggregateCall(e: Expr, aggregates: ReadonlySet<string>): e is FunctionExpr {
  return e.class === 'FUNCTION' && (e.schema === '' || e.schema === 'main') && aggregates.has(e.function_name.toLowerCase());
}

/** True when any of the expressions contains an aggregate call. */
export function containsAggregate(exprs: readonly (Expr | null)[], aggregates: ReadonlySet<string>): boolean {
  let found = false;
  for (const e of exprs) if (e !== null) walk(e, (x) => !(found ||= isAggregateCall(x, aggregates)));
  return found;
}

/**
 * The prepared statements one pooled DuckDB connection keeps, most recently used last (a Map's
 * insertion order): a hit moves to the end, a new statement past `max` destroys the oldest. Used by
 * the point-lookup pool (wal/point-lookup.ts), the bound-read pool (sql/bound-read-pool.ts) and the
 * worker's scan-view pool (dispatch/scan-view-pool.ts).
 */
import type { DuckDBPreparedStatement } from '@duckdb/node-api';

/** The statement kept under `key`, now the most recently used; undefined when none. */
export function takeRecentStatement(statements: Map<string, DuckDBPreparedStatement>, key: string): DuckDBPreparedStatement | undefined {
  const hit = statements.get(key);
  if (hit === undefined) return undefined;
  statements.delete(key);
  statements.set(key, hit);
  return hit;
}

/** Keeps `stmt` under `key`; past `max` statements the least recently used are destroyed. */
export function keepStatement(statements: Map<string, DuckDBPreparedStatement>, key: string, stmt: DuckDBPreparedStatement, max: number): void {
  statements.set(key, stmt);
  while (statements.size > max) {
    const [oldest, old] = statements.entries().next().value!;
    old.destroySync();
    statements.delete(oldest);
  }
}

/** Destroys every statement kept (their connection's view is about to change, or the connection to close). */
export function dropStatements(statements: Map<string, DuckDBPreparedStatement>): void {
  for (const stmt of statements.values()) stmt.destroySync();
  statements.clear();
}

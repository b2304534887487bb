/**
 * PRIMARY KEY enforcement for writes straight to Delta, with DuckDB's outcome (the statement fails
 * with a duplicate-key Constraint Error and nothing changes) at a fraction of DuckDB's cost model:
 * the result table = files left untouched + the rows this write produces, so keys are unique iff
 *   (1) the produced rows hold no key twice, and
 *   (2) no produced key exists in an untouched file (a semi-join reading only key columns).
 * Duplicates already present among untouched files (e.g. written by another engine) are not this
 * statement's doing and are not reported.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Snapshot } from '../delta/snapshot.ts';
import { AppError } from '../errors/index.ts';
import { bindSnapshot, mapDuckDBError, quoteIdentifier as q } from '../exec/index.ts';
import type { RequestTables } from './request-tables.ts';
import type { FileRange } from './write-target.ts';

const UNTOUCHED = '__k3_untouched';

export async function assertUniqueKeys(
  conn: DuckDBConnection,
  tables: RequestTables,
  table: string,
  snapshot: Snapshot,
  primaryKey: readonly string[],
  rowsSql: string,
  rewritten: readonly FileRange[],
): Promise<void> {
  if (primaryKey.length === 0) return;
  const keys = primaryKey.map(q).join(', ');
  const within = await firstRow(conn, `SELECT ${keys} FROM (${rowsSql}) GROUP BY ALL HAVING count(*) > 1 LIMIT 1`);
  if (within !== undefined) throw duplicate(table, primaryKey, within);

  const rewrittenKeys = new Set(rewritten.map((r) => r.file.key));
  const untouched = snapshot.files.filter((f) => !rewrittenKeys.has(f.key));
  if (untouched.length === 0) return;
  const paths = await tables.localFiles(untouched);
  await bindSnapshot(conn, UNTOUCHED, { schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, files: untouched }, paths);
  try {
    const clash = await firstRow(conn, `SELECT ${keys} FROM (${rowsSql}) w SEMI JOIN ${q(UNTOUCHED)} u USING (${keys}) LIMIT 1`);
    if (clash !== undefined) throw duplicate(table, primaryKey, clash);
  } finally {
    await conn.run(`DROP VIEW IF EXISTS temp.main.${q(UNTOUCHED)}`).catch(() => undefined);
  }
}

async function firstRow(conn: DuckDBConnection, sql: string): Promise<unknown[] | undefined> {
  try {
    return (await conn.runAndReadAll(sql)).getRows()[0];
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

function duplicate(table: string, primaryKey: readonly string[], values: readonly unknown[]): AppError {
  const shown = primaryKey.map((k, i) => `${k}: ${String(values[i])}`).join(', ');
  return new AppError(
    'ERR_CONSTRAINT_PRIMARY_KEY',
    `Constraint Error: Duplicate key "${shown}" violates primary key constraint of table ${table}. Use a different key, or MERGE / INSERT … ON CONFLICT to update the existing row.`,
    { table, primaryKey: [...primaryKey] },
  );
}

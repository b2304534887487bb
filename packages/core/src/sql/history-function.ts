/**
 * The history table function: `SELECT … FROM k3_history('t' [, limit [, before_version]])` (alias
 * `table_history`). DuckDB cannot call into TypeScript from SQL, so the call is rewritten to an
 * internal relation name before binding — `"t@history:l<limit>:b<before>"` — and bound lazily
 * (time-travel-binding.ts) as a TEMP VIEW over `historyRelationSql` of that history page: the
 * columns of DESCRIBE HISTORY (version, timestamp, operation, operation_parameters,
 * operation_metrics, user_metadata, engine_info, read_version), newest first.
 *
 * Only calls in a table position (after FROM / JOIN / `,` / LATERAL) with literal arguments are
 * rewritten; anything else is left to DuckDB, which reports the unknown function. Default limit:
 * HISTORY_MAX_LIMIT (1000); older pages via before_version, exactly like the HTTP route.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError, quoteIdentifier } from '../exec/index.ts';
import { historyRelationSql } from '../maintenance/history-sql.ts';
import { HISTORY_MAX_LIMIT, tableHistory } from '../maintenance/history.ts';
import { parseVersion } from '../maintenance/time-travel-target.ts';
import type { PinnedTable } from './request-tables.ts';
import { isPunct, type Token } from './sql-tokens.ts';
import { rewriteTableFunctionCalls } from './table-function-calls.ts';

const FUNCTIONS = new Set(['k3_history', 'table_history']);
const BINDING = /^(.+)@history:l(\d+)(?::b(\d+))?$/;

export interface HistoryBinding {
  readonly table: string;
  readonly limit: number;
  readonly beforeVersion: number | undefined;
}

const usage = (detail: string): AppError =>
  new AppError('ERR_SQL_PARSE', `${detail} Call the history table function as k3_history('table' [, limit [, before_version]]), e.g. SELECT * FROM k3_history('events', 50).`);

function stringArg(t: Token | undefined): string {
  if (t?.kind !== 'string' || !t.text.startsWith("'")) throw usage('The first argument of k3_history is the table name as a string literal.');
  return t.text.slice(1, -1).replaceAll("''", "'");
}

function intArg(t: Token | undefined, what: string): number {
  if (t?.kind !== 'number') throw usage(`The ${what} of k3_history is an integer literal.`);
  return parseVersion(t.text.replaceAll('_', ''), what);
}

/** Replaces every `k3_history(…)` / `table_history(…)` in a table position by its binding name. */
export function rewriteHistoryCalls(sql: string): string {
  return rewriteTableFunctionCalls(sql, FUNCTIONS, (tokens, i) => {
    const table = stringArg(tokens[i + 2]);
    let k = i + 3;
    let limit = HISTORY_MAX_LIMIT;
    let before: number | undefined;
    if (isPunct(tokens[k], ',')) {
      limit = intArg(tokens[k + 1], 'limit');
      k += 2;
      if (isPunct(tokens[k], ',')) {
        before = intArg(tokens[k + 1], 'before_version');
        k += 2;
      }
    }
    if (!isPunct(tokens[k], ')')) throw usage('k3_history takes at most three literal arguments.');
    return { close: k, name: `${table}@history:l${limit}${before === undefined ? '' : `:b${before}`}` };
  });
}

export function parseHistoryBinding(name: string): HistoryBinding | undefined {
  const m = BINDING.exec(name);
  if (m === null) return undefined;
  return { table: m[1]!, limit: Number(m[2]), beforeVersion: m[3] === undefined ? undefined : Number(m[3]) };
}

/** TEMP VIEW `name` over the history page of the pinned table. */
export async function bindHistoryRelation(conn: DuckDBConnection, pinned: PinnedTable, name: string, h: HistoryBinding): Promise<void> {
  const page = await tableHistory(pinned.handle.store, pinned.handle.root, { limit: h.limit, beforeVersion: h.beforeVersion });
  try {
    await conn.run(`CREATE TEMP VIEW ${quoteIdentifier(name)} AS ${historyRelationSql(page.entries)}`);
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

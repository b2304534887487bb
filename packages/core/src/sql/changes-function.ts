/**
 * The change-feed table function: `SELECT … FROM table_changes('t', from [, to])`, where from/to
 * are version integers or timestamp strings (ISO-8601, no zone = UTC), as in Databricks SQL.
 * Like k3_history (history-function.ts), the call is rewritten before binding to an internal
 * relation name that describes itself — `"t@changes:v1:v3"`, `"t@changes:ts<ms>:"` (to = latest) —
 * and bound lazily by time-travel-binding.ts as a TEMP VIEW over the change plan
 * (cdf/change-plan.ts, cdf/changes-sql.ts): the table's columns + `_change_type`,
 * `_commit_version`, `_commit_timestamp`. So the feed works wherever a table can be read: joins,
 * CTEs, subqueries, INSERT … SELECT, CTAS.
 *
 * Timestamps: from → the first version committed at or after it; to → the last version committed
 * at or before it (the reader's timestamp resolution). Vacuumed files → ERR_DELTA_DATA_FILE_MISSING
 * (files outside the current snapshot are HEADed on stores read through the cache).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { changesSelectSql } from '../cdf/changes-sql.ts';
import { planChanges, planFiles } from '../cdf/change-plan.ts';
import { commitTimestamp, parseCommit } from '../delta/commit-reader.ts';
import { resolveVersionAtTimestamp } from '../delta/timestamp-resolver.ts';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError, quoteIdentifier } from '../exec/index.ts';
import { parseTimestampMs, parseVersion } from '../maintenance/time-travel-target.ts';
import { commitKey, type ObjectStore } from '../object-store/index.ts';
import type { RequestTables } from './request-tables.ts';
import { isPunct, type Token } from './sql-tokens.ts';
import { rewriteTableFunctionCalls } from './table-function-calls.ts';

const FUNCTIONS = new Set(['table_changes', 'k3_table_changes']);
const BINDING = /^(.+)@changes:(v\d+|ts-?\d+):(v\d+|ts-?\d+)?$/;

type Bound = { version: number } | { timestamp: number };

export interface ChangesBinding {
  readonly table: string;
  readonly from: Bound;
  readonly to: Bound | undefined;
}

const usage = (detail: string): AppError =>
  new AppError('ERR_SQL_PARSE', `${detail} Call the change feed as table_changes('table', from_version [, to_version]) or with timestamps, e.g. SELECT * FROM table_changes('events', 3, 7).`);

function boundArg(t: Token | undefined, what: string): string {
  if (t?.kind === 'number') return `v${parseVersion(t.text.replaceAll('_', ''), what)}`;
  if (t?.kind === 'string' && t.text.startsWith("'")) return `ts${parseTimestampMs(t.text.slice(1, -1).replaceAll("''", "'"))}`;
  throw usage(`The ${what} of table_changes is a version integer or a timestamp string literal.`);
}

/** Replaces every `table_changes(…)` in a table position by its binding name. */
export function rewriteChangesCalls(sql: string): string {
  return rewriteTableFunctionCalls(sql, FUNCTIONS, (tokens, i) => {
    const tableTok = tokens[i + 2];
    if (tableTok?.kind !== 'string' || !tableTok.text.startsWith("'")) throw usage('The first argument of table_changes is the table name as a string literal.');
    const table = tableTok.text.slice(1, -1).replaceAll("''", "'");
    if (!isPunct(tokens[i + 3], ',')) throw usage('table_changes needs a start version or timestamp.');
    const from = boundArg(tokens[i + 4], 'start');
    let k = i + 5;
    let to = '';
    if (isPunct(tokens[k], ',')) {
      to = boundArg(tokens[k + 1], 'end');
      k += 2;
    }
    if (!isPunct(tokens[k], ')')) throw usage('table_changes takes at most three literal arguments.');
    return { close: k, name: `${table}@changes:${from}:${to}` };
  });
}

function parseBound(text: string): Bound {
  return text.startsWith('ts') ? { timestamp: Number(text.slice(2)) } : { version: Number(text.slice(1)) };
}

export function parseChangesBinding(name: string): ChangesBinding | undefined {
  const m = BINDING.exec(name);
  if (m === null) return undefined;
  return { table: m[1]!, from: parseBound(m[2]!), to: m[3] === undefined ? undefined : parseBound(m[3]) };
}

/** The version range a binding names: timestamps resolved against the commit log. */
export async function resolveChangeRange(store: ObjectStore, root: string, b: Pick<ChangesBinding, 'from' | 'to'>): Promise<{ fromVersion: number; toVersion?: number }> {
  const fromVersion = 'version' in b.from ? b.from.version : await firstVersionAtOrAfter(store, root, b.from.timestamp);
  if (b.to === undefined) return { fromVersion };
  return { fromVersion, toVersion: 'version' in b.to ? b.to.version : await resolveVersionAtTimestamp(store, root, b.to.timestamp) };
}

async function firstVersionAtOrAfter(store: ObjectStore, root: string, timestamp: number): Promise<number> {
  const v = await resolveVersionAtTimestamp(store, root, timestamp);
  const bytes = await store.get(commitKey(root, v));
  const at = bytes === undefined ? timestamp : commitTimestamp(parseCommit(bytes, v).commitInfo, timestamp);
  return at < timestamp ? v + 1 : v;
}

/** TEMP VIEW `name` over the changes of the pinned table in the binding's range. */
export async function bindChangesRelation(conn: DuckDBConnection, tables: RequestTables, name: string, b: ChangesBinding, assertPresent: (store: ObjectStore, keys: readonly string[], what: string) => Promise<void>): Promise<void> {
  const pinned = await tables.pin(b.table);
  const { store, root } = pinned.handle;
  const plan = await planChanges(store, root, await resolveChangeRange(store, root, b));
  const unique = [...new Map(planFiles(plan).map((f) => [f.key, f])).values()];
  const live = new Set(pinned.snapshot.files.map((f) => f.key));
  await assertPresent(store, unique.filter((f) => !live.has(f.key)).map((f) => f.key), `The changes of versions ${plan.fromVersion}..${plan.toVersion}`);
  const sql = await changesSelectSql(conn, plan, await tables.localFiles(unique));
  try {
    await conn.run(`CREATE TEMP VIEW ${quoteIdentifier(name)} AS ${sql}`);
  } catch (err) {
    throw mapDuckDBError(err);
  }
  tables.scanned.set(`${pinned.handle.name}@v${plan.toVersion}`, { version: plan.toVersion, files: unique.length, bytes: unique.reduce((s, f) => s + f.add.size, 0), rows: 0, partitions: 0 });
}

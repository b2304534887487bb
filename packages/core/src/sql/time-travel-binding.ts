/**
 * Time travel in the engine (docs/design/maintenance.md, "Time travel"): the SQL text is
 * rewritten before the pre-pass so that every time-travelled reference names an internal relation
 * that describes itself — `t@v3` (version 3), `t@ts1747526400000` (newest version at that epoch
 * ms), `t@history…` (the k3_history table function, history-function.ts). DuckDB then reports the
 * name as a missing table and RequestTables.prepare asks `bindTimeTravelRelation` to bind it, the
 * same lazy binding every bucket table gets; so AS OF works wherever a table can be read (SELECT,
 * subqueries, CTEs, INSERT … SELECT and MERGE sources, CTAS, DESCRIBE of a query).
 *
 * Invariants: a pinned reference reads exactly `loadSnapshot(store, root, at)` — before the first
 * commit / after the latest → the reader's ERR_DELTA_TIMESTAMP_OUT_OF_RANGE / ERR_DELTA_VERSION_NOT_FOUND;
 * a vacuumed version → ERR_DELTA_DATA_FILE_MISSING (files not in the current snapshot are HEADed
 * on stores that are not read in place, so a stale FileCache copy never answers for a vacuumed
 * file). The scan is recorded as `<stored name>@v<version>`; `reportVersions` folds it into the
 * response's `versions`. Time travel reads Delta only: the write log is never overlaid on it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Snapshot } from '../delta/snapshot.ts';
import { loadSnapshot } from '../delta/snapshot.ts';
import { AppError } from '../errors/index.ts';
import { bindSnapshot } from '../exec/index.ts';
import { extractAsOf } from '../maintenance/as-of.ts';
import { mapLimit } from '../maintenance/maintenance-deps.ts';
import { localPathOf, type ObjectStore } from '../object-store/index.ts';
import { bindChangesRelation, parseChangesBinding, rewriteChangesCalls } from './changes-function.ts';
import { bindHistoryRelation, parseHistoryBinding, rewriteHistoryCalls } from './history-function.ts';
import { scanStatsOf, type RequestTables, type ScanStats } from './request-tables.ts';
import { isWord, tokenize } from './sql-tokens.ts';

const PINNED = /^(.+)@(v|ts)(-?\d+)$/;
const SCANNED_PIN = /^(.+)@v(\d+)$/;

/** The statement with AS OF clauses and history table functions replaced by internal relation names. */
export function rewriteTimeTravel(sql: string): string {
  const out = extractAsOf(rewriteChangesCalls(rewriteHistoryCalls(sql))).sql;
  if (out !== sql) assertNotWritingThePast(out);
  return out;
}

/** `DELETE FROM t AS OF VERSION 3 …`: a write always applies to the newest version. */
function assertNotWritingThePast(sql: string): void {
  const tokens = tokenize(sql);
  if (!isWord(tokens[0], 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE')) return;
  let i = 1;
  if (isWord(tokens[i], 'OR')) i += 2;
  if (isWord(tokens[i], 'INTO', 'FROM', 'TABLE')) i++;
  const target = tokens[i];
  if (target?.kind === 'quoted' && target.text.includes('@')) {
    throw new AppError('ERR_SQL_UNSUPPORTED', 'A write cannot target a past version (AS OF); writes apply to the newest version. To roll the table back use RESTORE TABLE t TO VERSION n; to copy old rows use INSERT INTO t SELECT … FROM t AS OF VERSION n.');
  }
}

/**
 * Binds `name` when it is an internal time-travel relation; false when it is not one (the caller
 * then binds it as a bucket table). `as: 'definition'` binds an empty table of that version's schema.
 */
export async function bindTimeTravelRelation(conn: DuckDBConnection, tables: RequestTables, name: string, as: 'data' | 'definition'): Promise<boolean> {
  const history = parseHistoryBinding(name);
  if (history !== undefined) {
    await bindHistoryRelation(conn, await tables.pin(history.table), name, history);
    return true;
  }
  const changes = parseChangesBinding(name);
  if (changes !== undefined) {
    await bindChangesRelation(conn, tables, name, changes, assertKeysPresent);
    return true;
  }
  const m = PINNED.exec(name);
  if (m === null) return false;
  const [, table, unit, value] = m as unknown as [string, string, 'v' | 'ts', string];
  const current = await tables.pin(table);
  const at = unit === 'v' ? { version: Number(value) } : { timestamp: Number(value) };
  const snapshot = await loadSnapshot(current.handle.store, current.handle.root, at);
  const key = `${current.handle.name}@v${snapshot.version}`;
  if (as === 'definition') {
    await tables.bindDefinition(conn, { handle: { ...current.handle, name }, snapshot });
    tables.scanned.delete(name);
    tables.scanned.set(key, { version: snapshot.version, files: 0, bytes: 0, rows: 0, partitions: 0 });
    return true;
  }
  // Bound directly, not through bindView: a fresh (write-log) overlay belongs to the current
  // version only, never to the past.
  await assertFilesPresent(current.handle.store, current.snapshot, snapshot);
  await bindSnapshot(conn, name, snapshot, await tables.localFiles(snapshot.files));
  tables.scanned.set(key, scanStatsOf(snapshot));
  return true;
}

/**
 * Files of an old version that the current one no longer references are what VACUUM deletes. On
 * a store read through the FileCache a deleted file may still be cached, so they are HEADed.
 */
async function assertFilesPresent(store: ObjectStore, current: Snapshot, then: Snapshot): Promise<void> {
  if (then.version === current.version) return;
  const live = new Set(current.files.map((f) => f.key));
  await assertKeysPresent(store, then.files.filter((f) => !live.has(f.key)).map((f) => f.key), `Version ${then.version}`, { version: then.version });
}

/** HEADs the keys a cached store might still serve after VACUUM deleted them (read-in-place stores need no check). */
async function assertKeysPresent(store: ObjectStore, keys: readonly string[], what: string, details: Record<string, unknown> = {}): Promise<void> {
  const remote = keys.filter((k) => localPathOf(store, k) === undefined);
  const gone = (await mapLimit(remote, 16, async (k) => ((await store.head(k)) === undefined ? k : undefined))).filter((k) => k !== undefined);
  if (gone.length > 0) {
    throw new AppError(
      'ERR_DELTA_DATA_FILE_MISSING',
      `${what} can no longer be read: ${gone.length} of its data files were removed (usually by VACUUM), e.g. ${gone[0]!}. Query a newer version.`,
      { ...details, missingFiles: gone.length, key: gone[0]! },
    );
  }
}

/**
 * `versions` of a response: each table → the version read. A table read at several versions in one
 * statement keeps its plain name for the unpinned read and lists each other version as `t@v<n>`.
 */
export function reportVersions(scanned: ReadonlyMap<string, ScanStats>): Record<string, number> {
  const byTable = new Map<string, { current?: number; pinned: Set<number> }>();
  for (const [key, s] of scanned) {
    const m = SCANNED_PIN.exec(key);
    const table = m?.[1] ?? key;
    const entry = byTable.get(table) ?? { pinned: new Set<number>() };
    if (m === null) entry.current = s.version;
    else entry.pinned.add(s.version);
    byTable.set(table, entry);
  }
  const out: Record<string, number> = {};
  for (const [table, { current, pinned }] of byTable) {
    const all = new Set(pinned);
    if (current !== undefined) all.add(current);
    if (all.size === 1) {
      out[table] = [...all][0]!;
      continue;
    }
    if (current !== undefined) out[table] = current;
    for (const v of [...pinned].sort((a, b) => a - b)) if (v !== current) out[`${table}@v${v}`] = v;
  }
  return out;
}

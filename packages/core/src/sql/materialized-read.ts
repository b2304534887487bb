/**
 * A STRONG read of ONE keyed table served on the connection that holds the table's materialized
 * STRONG base (wal/materialized-strong.ts; docs/design/hot-path.md, "Materialized STRONG base"):
 * the statement's own view there is `mat ANTI JOIN tail keys UNION ALL tail upserts`, built from
 * the warm state this request just acquired (so it holds every write acknowledged before the
 * read began), and dropped after the statement.
 *
 * Only the plainest shape goes here — one statement, a SELECT whose DuckDB AST names exactly one
 * unqualified base table and no CTE, no time travel — so nothing but that one view is ever bound
 * on the shared connection. Anything else, or no materialization ready for exactly this state,
 * returns undefined: the caller reads the usual way, on its own connection, with the state
 * handed over (FreshBinder.adopt) so the log is not asked twice.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ExecuteQueryResult } from '../api/index.ts';
import { primaryKeyOf } from '../catalog/index.ts';
import { mapDuckDBError } from '../exec/index.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import { bindWarmView, emptyOverlay, loadOverlayTables, MATERIALIZED_TABLE, type WalOverlay, type WalTableShape } from '../wal/index.ts';
import { putEntry } from '../wal/overlay.ts';
import type { AnalysedStatement } from './analysed-statement.ts';
import { soleBaseTable } from './federated-read.ts';
import { freshScanStats } from './fresh-read.ts';
import type { HtapRuntime } from './htap-runtime.ts';
import type { RequestTables } from './request-tables.ts';
import { isWord } from './sql-tokens.ts';

export interface MaterializedReadAttempt {
  readonly conn: DuckDBConnection;
  readonly tables: RequestTables;
  /** Connections the attempt interrupts on timeout or cancel (besides its own). */
  readonly interrupts: Set<DuckDBConnection>;
}

export async function tryMaterializedRead(
  a: MaterializedReadAttempt, analysed: AnalysedStatement, runtime: HtapRuntime,
  run: (conn: DuckDBConnection) => Promise<ExecuteQueryResult>,
): Promise<ExecuteQueryResult | undefined> {
  const binder = a.tables.fresh;
  if (binder?.mode !== 'strong' || analysed.timeTravel || !isWord(analysed.statement?.tokens[0], 'SELECT', 'FROM')) return undefined;
  const ast = await analysed.selectAst(a.conn);
  const name = ast === undefined ? undefined : soleBaseTable(ast);
  if (name === undefined) return undefined;
  const pinned = await a.tables.tryPin(name);
  if (pinned === undefined || a.tables.scanned.has(pinned.handle.name) || primaryKeyOf(pinned.snapshot.metadata).length === 0) return undefined;
  const { handle } = pinned;
  const state = await runtime.warm.acquire(handle.store, handle.root, pinned.snapshot);
  const lease = runtime.materialized.tryLease(handle.store, handle.root, state);
  if (lease === undefined) {
    binder.adopt(pinned, state);
    return undefined;
  }
  const { conn } = lease;
  let broken = true;
  a.interrupts.add(conn);
  try {
    // The base is in the materialized table; tail keys decided after what it reflects are applied
    // to it once (a state older than the table reads it as it is: it holds at least every write
    // acknowledged before this read began).
    // Records after the base are all in the tail; a table behind the base (built from an older
    // base of this version) takes its changes from the whole overlay instead, once.
    const changed = changedSince(lease.seq >= (state.base?.seqUpTo ?? 0) ? state.tail : state.overlay, lease.seq);
    if (changed.byKey.size > 0) {
      await applyToMaterialized(conn, changed, state.shape);
      lease.advanced(changed.lastSeq);
    }
    const bound = await bindWarmView(conn, handle.name, 'strong', { view: MATERIALIZED_TABLE }, { ...state, base: undefined, tail: emptyOverlay() });
    a.tables.scanned.set(handle.name, freshScanStats('strong', state));
    binder.merged.add(handle.name);
    binder.materialized.add(handle.name);
    const result = await run(conn);
    // Exactly one table bound (ours): anything else bound on this connection would outlive the statement.
    if (a.tables.scanned.size !== 1) return result;
    try {
      await conn.run([`DROP VIEW IF EXISTS ${q(handle.name)}`, ...(bound.dropSql !== '' ? [bound.dropSql] : [])].join(';\n'));
    } catch (err) {
      throw mapDuckDBError(err);
    }
    broken = false;
    return result;
  } finally {
    a.interrupts.delete(conn);
    state.release();
    lease.release(broken);
  }
}

/** The part of a folded tail decided by records after `seq`: the keys whose state changed since. */
function changedSince(tail: WalOverlay, seq: number): WalOverlay {
  const out = emptyOverlay();
  for (const [k, entry] of tail.byKey.since(seq)) putEntry(out, k, entry); // wip/bulk11: no entry built for older keys
  out.lastSeq = tail.lastSeq;
  return out;
}

/** Replaces the changed keys' rows in the materialized table (deleted keys just go). One transaction. */
async function applyToMaterialized(conn: DuckDBConnection, changed: WalOverlay, shape: WalTableShape): Promise<void> {
  const name = `${MATERIALIZED_TABLE}_delta`;
  const mat = q(MATERIALIZED_TABLE);
  const on = shape.primaryKey.map((k) => `${mat}.${q(k)} = k.${q(k)}`).join(' AND ');
  const columns = shape.columns.map((c) => q(c.name)).join(', ');
  const tables = await loadOverlayTables(conn, name, changed, shape);
  try {
    await conn.run(['BEGIN TRANSACTION', `DELETE FROM ${mat} USING ${tables.keys} AS k WHERE ${on}`, `INSERT INTO ${mat} (${columns}) SELECT ${columns} FROM ${tables.upserts}`, 'COMMIT'].join(';\n'));
  } catch (err) {
    throw mapDuckDBError(err);
  } finally {
    await tables.drop();
  }
}

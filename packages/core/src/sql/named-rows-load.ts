/**
 * loadNamedRows: the STRONG rows of the keys a scoped keyed write names, loaded into its scratch
 * target WITHOUT binding a STRONG view (docs/design/hot-path.md, "Concurrent MERGE ingest").
 *
 * STRONG = (Delta rows whose key the log does not mention) ∪ (the log's newest upsert per key). The
 * warm state's full overlay is the folded log (every record acknowledged before the acquire, from
 * any coordinator; key-locator lookups read it the same way), so for each named key:
 *
 *   overlay upsert ........ its row image (text cast back to the column types, overlay-tables.ts)
 *   overlay tombstone ..... no row
 *   otherwise ............. its Delta row, read only from the files whose key statistics may hold
 *                           it (key-locator.ts), with the keys' range pushed into the Parquet scan
 *
 * That is exactly what the narrowed STRONG view gave for those keys (tail-subset.ts), without the
 * warm base file, the view's DDL and its drop, and without a per-statement copy of the tail (the
 * state is acquired `keyLookupsOnly`, so an ingest of such writes never triggers a base rewrite).
 * Keys match by their canonical write-log text, so only `narrowable` shapes take this path.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ActiveFile } from '../delta/index.ts';
import type { FileCache } from '../exec/index.ts';
import { mapDuckDBError, quoteIdentifier as q, snapshotSelectSql } from '../exec/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { KeyLocator, keyString, loadOverlayTables, narrowTail, overlayUpsertsSelect, type WalTableShape, type WalValue, type WarmState } from '../wal/index.ts';

const locator = new KeyLocator();

export interface NamedRows {
  /** Scratch target (quoted) the rows are inserted into. */
  readonly target: string;
  /** TEMP table (quoted) holding the named key tuples, typed. */
  readonly keysTable: string;
  /** ` WHERE s.<first key> BETWEEN …` over the named keys (constants; '' when unknown). */
  readonly range: string;
  /** Name stem for this statement's TEMP tables (unquoted). */
  readonly stem: string;
}

/**
 * Loads the STRONG rows of `tuples` (the named keys as write-log text) into `rows.target`, then runs
 * `after` — in the same DuckDB call when the overlay rows travel as literals. `first`: statements
 * the load reads (the target's DDL, the keys table: merge-images.ts defers them), run before it in its call.
 */
export async function loadNamedRows(conn: DuckDBConnection, cache: FileCache, store: ObjectStore, state: WarmState, shape: WalTableShape, tuples: readonly (readonly WalValue[])[], rows: NamedRows, after: readonly string[], first: readonly string[] = []): Promise<void> {
  const { named, files } = locateNamed(state, shape, tuples);
  const keyList = shape.primaryKey.map(q).join(', ');
  // No Delta file to read: the overlay's rows go straight into the target in the same call — no
  // TEMP tables (their `_keys` would be read only by the Delta rows' anti join; wip/ingest8).
  const direct = files.size === 0 ? overlayUpsertsSelect(named, shape) : undefined;
  if (direct !== undefined) {
    const statements = [...first, ...(direct.rows > 0 ? [`INSERT INTO ${rows.target} ${direct.select}`] : []), ...after];
    try {
      if (statements.length > 0) await conn.run(statements.join(';\n'));
    } catch (err) {
      throw mapDuckDBError(err);
    }
    return;
  }
  const lease = files.size === 0 ? undefined : await cache.acquire(store, [...files.values()].map((f) => ({ key: f.key, size: f.add.size })));
  try {
    const loads = [`INSERT INTO ${rows.target} SELECT * FROM ${q(`${rows.stem}_up`)}`];
    if (lease !== undefined) {
      const delta = await snapshotSelectSql(conn, { ...state.snapshot, files: [...files.values()] }, lease.paths);
      loads.push(`INSERT INTO ${rows.target} SELECT s.* FROM (${delta}) AS s SEMI JOIN ${rows.keysTable} AS k USING (${keyList}) ANTI JOIN ${q(`${rows.stem}_keys`)} AS o USING (${keyList})${rows.range}`);
    }
    await loadOverlayTables(conn, rows.stem, named, shape, { then: [...first, ...loads, ...after].join(';\n') });
  } finally {
    lease?.release();
  }
}

/** The overlay's entries of the named keys, and the Delta files that may hold the others. */
function locateNamed(state: WarmState, shape: WalTableShape, tuples: readonly (readonly WalValue[])[]): { named: WarmState['overlay']; files: Map<string, ActiveFile> } {
  // Read synchronously: the shared overlay only ever gains newer acknowledged records.
  const named = narrowTail({ ...state, tail: state.overlay }, tuples).tail;
  // Keys the log does not decide are read from Delta — only from the files that may hold them. A
  // NULL key part matches no stored row (key columns are NOT NULL).
  const files = new Map<string, ActiveFile>();
  for (const tuple of tuples) {
    if (tuple.some((v) => v === null) || named.byKey.has(keyString(tuple))) continue;
    for (const f of locator.locate(state.snapshot, shape.primaryKey, tuple.map((v) => v ?? ''))) files.set(f.key, f);
  }
  return { named, files };
}

/**
 * The STRONG rows loadNamedRows would load, as ONE SELECT of typed columns, when no Delta file may
 * hold a named key and the overlay's rows are literals (a typed empty SELECT when there is none) — for a reader
 * that needs them only as a relation (merge-images.ts, wip/ingest11); undefined otherwise.
 */
export function namedRowsSelect(state: WarmState, shape: WalTableShape, tuples: readonly (readonly WalValue[])[]): string | undefined {
  const { named, files } = locateNamed(state, shape, tuples);
  if (files.size > 0) return undefined;
  const direct = overlayUpsertsSelect(named, shape);
  return direct?.select;
}

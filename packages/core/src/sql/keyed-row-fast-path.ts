/**
 * tryKeyedRowFastPath: a single-row `INSERT [OR REPLACE | OR IGNORE] INTO t VALUES (<literals>)
 * [ON CONFLICT …]` into a keyed table in a few DuckDB calls instead of the general keyed-write
 * path's dozen (docs/design/keyed-row-fast-path.md). Undefined means "not handled, nothing was
 * written": the caller runs the general path (sql/keyed-write.ts), which is also where every
 * error of this shape is reported — any DuckDB failure, any CHECK / storable flag, any surprise
 * in the row count falls back, so errors, codes and messages are the general path's by
 * construction.
 *
 *   warm state (log tail LISTed, nothing bound) ─▶ idempotency key recorded? answer it
 *   plain INSERT: ONE DuckDB call
 *     CREATE TEMP TABLE t (exact DDL + PRIMARY KEY) ; <user INSERT> ;
 *     SELECT <row as WAL text>, <CHECK violated?…>, <text round-trip broken?…> FROM t
 *   upsert: (DDL ; user statement on the empty target ; SELECT key text) names the key; the old
 *     row comes from the warm overlay (in memory) or, when the log does not know the key, from
 *     the Delta files whose key statistics may hold it; then ONE call (DELETE ; load old row ;
 *     user statement) gives DuckDB's own row count, and ONE SELECT captures the row + flags
 *   key clash (plain INSERT): warm overlay upsert → clash, tombstone → free, else one probe of
 *     the Delta files the key locator keeps for it (wal/key-locator.ts; none → no probe at all)
 *   ─▶ WalWriter.append (group commit) ─▶ ack once the record is durable
 *
 * The scratch target lives on the request's connection, which the engine closes after the
 * attempt; it is dropped explicitly only before falling back (the general path re-creates it).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { WriteStrategy, type ExecuteWriteResult } from '../api/index.ts';
import { checkConstraintsOf, recordedRequest } from '../delta/index.ts';
import { K3_COLUMN_META } from '../delta/schema.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import { mapDuckDBError, quoteIdentifier as q, quoteLiteral, snapshotSelectSql } from '../exec/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { captureSelectList, emptyOverlay, KeyLocator, keyString, walTableShape, type WalOverlay, type WalTableShape, type WalValue } from '../wal/index.ts';
import type { HtapRuntime } from './htap-runtime.ts';
import type { KeyedRoute } from './keyed-route.ts';
import { duplicateKey, runStatement } from './keyed-write.ts';
import type { PrePassed } from './pre-pass.ts';
import type { PinnedTable, RequestTables } from './request-tables.ts';
import type { DmlShape } from './route-write.ts';
import { isWord } from './sql-tokens.ts';
import { blindAsInsert, isBlindReplace, isBlindUpsert } from './blind-replace.ts';
import { valuesKey } from './key-literals.ts';
import { literalRow } from './literal-row.ts';
import { targetTableDdl } from './write-target.ts';

const DATED = new Set(['date', 'timestamp', 'timestamp_ntz']);
/**
 * Key → Delta file locator (wip/lookup's wal/key-locator.ts: per-snapshot interval index of the
 * files' key statistics, integer and VARCHAR keys). Keyed by table id + version, bounded.
 */
const locator = new KeyLocator();
/** Statement separator that a trailing `-- comment` in the user's text cannot swallow. */
export const SEP = '\n;\n';

export interface FastPathContext {
  readonly conn: DuckDBConnection;
  readonly tables: RequestTables;
  readonly htap: HtapRuntime;
  readonly idempotencyKey?: string | undefined;
}

/** Whether the statement has the one shape the fast path takes (decided from tokens alone). */
export function fastPathShape(statement: PrePassed, shape: DmlShape, route: KeyedRoute, tables: RequestTables): boolean {
  // No subquery, no second statement: the VALUES row reads nothing but constants, and the only
  // relation the statement can name is its target — in ON CONFLICT DO UPDATE that is the one
  // conflicting row, which the fast path loads (so `shape.selfReference` is no obstacle here).
  // Parameters ($n): plain INSERT only (prepared on the request's connection); an upsert's key
  // must be known before its old row is loaded.
  return shape.verb === 'INSERT' && route.strategy === WriteStrategy.KEYED_INSERT_SINGLE && !shape.returning
    && (tables.params.length === 0 || !shape.upsert)
    && !statement.tokens.some((t) => t.text === ';' || isWord(t, 'SELECT', 'FROM', 'TABLE'));
}

/** What one fast statement did: DuckDB's row count and the record's contents; undefined = fall back. */
export interface FastOutcome {
  readonly rowsAffected: number;
  readonly upserts: WalValue[][];
  readonly deletes: WalValue[][];
}

/** What a fast statement works with: the warm state's snapshot and overlay, the table's log shape, the quoted target name. */
export interface FastScope {
  readonly snapshot: Snapshot;
  readonly overlay: WalOverlay;
  readonly wal: WalTableShape;
  readonly name: string;
}

/**
 * The frame both fast paths share: the warm state (released after), a recorded idempotency key
 * answered, tables with extra storable checks left to the general path; `body` runs the statement
 * (undefined → its scratch target is dropped and the general path runs); a statement that changed
 * something (or carries an idempotency key) is appended to the log and acknowledged once durable.
 */
export async function runFastWrite(ctx: FastPathContext, pinned: PinnedTable, route: KeyedRoute, body: (scope: FastScope) => Promise<FastOutcome | undefined>, readsNoRow = false): Promise<ExecuteWriteResult | undefined> {
  const { conn, htap, idempotencyKey } = ctx;
  const { handle } = pinned;
  // Only keys are looked up in the overlay (no view is bound): the shared overlay, no tail copy.
  // A statement that reads no row (a blind replace) and carries no idempotency key needs nothing
  // the log says: no acquire (no LIST) — the pinned snapshot and an empty overlay.
  const warm = readsNoRow && idempotencyKey === undefined
    ? { snapshot: pinned.snapshot, overlay: emptyOverlay(), release: () => undefined }
    : await htap.warm.acquire(handle.store, handle.root, pinned.snapshot, { keyLookupsOnly: true });
  try {
    const { snapshot, overlay } = warm;
    const recorded = recordedRequest(snapshot.txns, idempotencyKey) ?? (idempotencyKey === undefined ? undefined : overlay.requests.get(idempotencyKey));
    if (recorded !== undefined) return { tableName: handle.name, strategy: route.strategy, rowsAffected: Number(recorded), version: Number(snapshot.version) };
    if (!plainSchema(snapshot)) return undefined;
    const wal = walTableShape(snapshot);
    const name = q(handle.name);
    const out = await body({ snapshot, overlay, wal, name });
    if (out === undefined) {
      await conn.run(`DROP TABLE IF EXISTS temp.main.${name}`);
      return undefined;
    }
    const { rowsAffected, upserts, deletes } = out;
    if (upserts.length > 0 || deletes.length > 0 || idempotencyKey !== undefined) {
      await htap.writer(handle.store).append(snapshot.root, {
        tableId: wal.tableId, schemaFingerprint: wal.fingerprint, columns: wal.columns, primaryKey: wal.primaryKey, upserts, deletes,
        ...(idempotencyKey !== undefined ? { idempotency: { key: idempotencyKey, rowsAffected } } : {}),
      }, snapshot);
    }
    return { tableName: handle.name, strategy: route.strategy, rowsAffected, version: Number(snapshot.version) };
  } finally {
    warm.release();
  }
}

export function tryKeyedRowFastPath(ctx: FastPathContext, statement: PrePassed, shape: DmlShape, pinned: PinnedTable, route: KeyedRoute): Promise<ExecuteWriteResult | undefined> {
  if (!ctx.htap.keyedRowFastPath || !fastPathShape(statement, shape, route, ctx.tables)) return Promise.resolve(undefined);
  const { conn } = ctx;
  const { handle } = pinned;
  const blind = (wal: WalTableShape): boolean => shape.upsert && (isBlindReplace(statement, shape) || isBlindUpsert(statement, shape, wal.columns.map((c) => c.name), wal.primaryKey));
  return runFastWrite(ctx, pinned, route, async ({ snapshot, overlay, wal, name }) => {
    const keyIndex = wal.primaryKey.map((k) => wal.columns.findIndex((c) => c.name === k));
    const ddl = targetTableDdl(handle.name, snapshot.schema, wal.primaryKey);
    const literals = (onConflict: boolean): WalValue[] | undefined => (ctx.htap.keyedLiteralRows ? literalRow(statement.tokens, wal, snapshot, onConflict) : undefined);
    if (!shape.upsert) {
      // A row of plain literals is its own record (literal-row.ts): no DuckDB call at all.
      const row = ctx.tables.params.length === 0
        ? literals(false) ?? await capturedRow(conn, [ddl, statement.sql], name, wal, snapshot)
        : await preparedRow(ctx, ddl, statement.sql, name, wal, snapshot);
      if (row === undefined) return undefined;
      const tuple = keyIndex.map((i) => row[i] ?? null);
      const k = keyString(tuple);
      const decided = overlay.byKey.get(k);
      const clash = decided !== undefined ? decided.row !== undefined : await deltaHasKey(ctx, handle.store, handle.name, snapshot, wal, tuple);
      if (clash) throw duplicateKey(wal.primaryKey, tuple);
      return { rowsAffected: 1, upserts: [row], deletes: [] };
    }
    // A blind replace (no column list, or every non-key column set from EXCLUDED: blind-replace.ts)
    // writes the same full row whatever the key held, so the old row is not read at all (no
    // locator, no Parquet): (DDL ; the statement on the empty target ; capture + flags) — ONE call.
    // On the empty target the one row cannot conflict: it runs as the plain INSERT it then is.
    if (blind(wal)) {
      const row = literals(true) ?? await capturedRow(conn, [ddl, blindAsInsert(statement)], name, wal, snapshot);
      return row === undefined ? undefined : { rowsAffected: 1, upserts: [row], deletes: [] };
    }
    // The key: read from the VALUES literals, else a dry run on the empty target names it
    // (DuckDB's own defaults and casts).
    let tuple = valuesKey(statement.tokens, wal);
    let before = [ddl];
    if (tuple === undefined) {
      const named = await tryRows(conn, [ddl, statement.sql, `SELECT ${captureSelectList(keyIndex.map((i) => wal.columns[i]!))} FROM ${name} AS src`].join(SEP));
      const first = named?.[0];
      if (named?.length !== 1 || first === undefined) return undefined;
      tuple = first.map(text);
      before = [`DELETE FROM ${name}`];
    }
    const rowsAffected = await runOverOldRow(ctx, handle.store, { snapshot, overlay, wal, name }, tuple, before, statement.sql);
    if (rowsAffected === undefined) return undefined;
    if (rowsAffected === 0) return { rowsAffected, upserts: [], deletes: [] };
    // The statement must leave exactly the row of the named key (else: the general path decides).
    const row = await capturedRow(conn, [], name, wal, snapshot);
    if (row === undefined || keyString(keyIndex.map((i) => row[i] ?? null)) !== keyString(tuple!)) return undefined;
    return { rowsAffected, upserts: [row], deletes: [] };
  }, blind(walTableShape(pinned.snapshot)));
}

/**
 * A plain INSERT with parameters: the target's DDL (1 call), the statement prepared, bound and run
 * (DuckDB's own parameter typing, as on the general path), then the row captured with its flags.
 */
async function preparedRow(ctx: FastPathContext, ddl: string, sql: string, name: string, wal: WalTableShape, snapshot: Snapshot): Promise<WalValue[] | undefined> {
  try {
    await ctx.conn.run(ddl);
    if ((await runStatement(ctx.conn, ctx.tables, sql, false)).rowsChanged !== 1) return undefined;
  } catch (err) {
    return fallbackUnlessInterrupted(err);
  }
  return capturedRow(ctx.conn, [], name, wal, snapshot);
}

/**
 * ONE call: `before` (e.g. the target's DDL, or emptying it), the key's STRONG row loaded into the
 * target, then the user's statement; DuckDB's row count of the statement, undefined when it failed.
 */
export async function runOverOldRow(ctx: FastPathContext, store: ObjectStore, scope: FastScope, tuple: readonly WalValue[], before: readonly string[], sql: string): Promise<number | undefined> {
  const old = await oldRowLoad(ctx, store, scope.overlay, scope.snapshot, scope.wal, tuple, scope.name);
  try {
    return (await ctx.conn.run([...before, ...old.load, sql].join(SEP))).rowsChanged;
  } catch (err) {
    return fallbackUnlessInterrupted(err);
  } finally {
    old.release();
  }
}

/**
 * Tables whose every check the one capture query covers: no restored wide types (their storage
 * cast is checked separately by assertStorable) and no date / timestamp partition columns (the
 * ±infinity refusal). Others take the general path.
 */
export function plainSchema(snapshot: Snapshot): boolean {
  const partitions = new Set(snapshot.partitionColumns);
  return snapshot.schema.fields.every((f) => typeof f.metadata?.[K3_COLUMN_META.duckdbType] !== 'string' && !(partitions.has(f.name) && typeof f.type === 'string' && DATED.has(f.type)));
}

/**
 * `before` (if any) then the target's one row as WAL text, with the CHECK constraints and the
 * text round trip evaluated in the same call. Undefined on any failure, any flag raised, or a row
 * count other than one: the general path then reports exactly what it always reported.
 */
export async function capturedRow(conn: DuckDBConnection, before: readonly string[], name: string, wal: WalTableShape, snapshot: Snapshot): Promise<WalValue[] | undefined> {
  const flags = [
    ...checkConstraintsOf(snapshot.metadata).map((c) => `NOT COALESCE((${c.expression}), true)`),
    ...wal.columns.map((c) => `CAST(CAST(src.${q(c.name)} AS VARCHAR) AS ${c.type}) IS DISTINCT FROM src.${q(c.name)}`),
  ];
  const rows = await tryRows(conn, [...before, `SELECT ${captureSelectList(wal.columns)}, ${flags.join(', ')} FROM ${name} AS src`].join(SEP));
  const only = rows?.[0];
  if (rows?.length !== 1 || only === undefined) return undefined;
  if (only.slice(wal.columns.length).some((f) => f !== false)) return undefined;
  return only.slice(0, wal.columns.length).map(text);
}

async function tryRows(conn: DuckDBConnection, sql: string): Promise<unknown[][] | undefined> {
  try {
    return (await conn.runAndReadAll(sql)).getRows();
  } catch (err) {
    return fallbackUnlessInterrupted(err);
  }
}

/**
 * A failed fast-path call means "let the general path decide" — except an interrupt (the request
 * was cancelled or timed out): that stands, as it would on the general path.
 */
function fallbackUnlessInterrupted(err: unknown): undefined {
  const mapped = mapDuckDBError(err);
  if (mapped.code === 'ERR_QUERY_CANCELLED') throw mapped;
  return undefined;
}

function text(v: unknown): WalValue {
  return v === null || v === undefined ? null : String(v);
}

function typedLiteral(v: WalValue, type: string): string {
  return v === null ? `NULL::${type}` : `CAST(${quoteLiteral(v)} AS ${type})`;
}

function keyPredicate(wal: WalTableShape, tuple: readonly WalValue[]): string {
  return wal.primaryKey.map((k, i) => `s.${q(k)} = ${typedLiteral(tuple[i] ?? null, wal.columns.find((c) => c.name === k)!.type)}`).join(' AND ');
}

/**
 * Statements loading the key's STRONG row into the target `name`: the log's newest image (its text
 * cast back), nothing (a tombstone, or no file can hold the key), or the located Delta files' row.
 * `release()` after running them (the Delta files are leased until then).
 */
async function oldRowLoad(ctx: FastPathContext, store: ObjectStore, overlay: WalOverlay, snapshot: Snapshot, wal: WalTableShape, tuple: readonly WalValue[], name: string): Promise<{ load: string[]; release(): void }> {
  const k = keyString(tuple);
  const decided = overlay.byKey.get(k);
  const image = decided?.row;
  if (image !== undefined) return { load: [`INSERT INTO ${name} SELECT ${image.map((v, i) => typedLiteral(v, wal.columns[i]!.type)).join(', ')}`], release: () => undefined };
  const delta = decided !== undefined ? undefined : await leaseCandidates(ctx, store, snapshot, wal, tuple);
  if (delta === undefined) return { load: [], release: () => undefined };
  return { load: [`INSERT INTO ${name} SELECT * FROM (${delta.sql}) AS s WHERE ${keyPredicate(wal, tuple)}`], release: delta.release };
}

/** The Delta files that may hold the key, leased, as one SELECT; undefined when none can. */
async function leaseCandidates(ctx: FastPathContext, store: ObjectStore, snapshot: Snapshot, wal: WalTableShape, tuple: readonly WalValue[]): Promise<{ sql: string; release(): void } | undefined> {
  // Key columns are NOT NULL (the target's PRIMARY KEY enforced it), so every value is text.
  const files = locator.locate(snapshot, wal.primaryKey, tuple.map((v) => v ?? ''));
  if (files.length === 0) return undefined;
  const lease = await ctx.htap.cache.acquire(store, files.map((f) => ({ key: f.key, size: f.add.size })));
  try {
    return { sql: await snapshotSelectSql(ctx.conn, { ...snapshot, files }, lease.paths), release: () => lease.release() };
  } catch (err) {
    lease.release();
    throw err;
  }
}

/**
 * Whether Delta (at the warm state's snapshot) holds the key: asked of PointLookups
 * (wal/point-lookup.ts, wip/lookup12) — the key locator's files, a decoded file answered in
 * JavaScript with no DuckDB call, else one call on a pooled connection, which also loads the file
 * for the next probes; no file whose key statistics can hold the key → no call at all.
 */
async function deltaHasKey(ctx: FastPathContext, store: ObjectStore, name: string, snapshot: Snapshot, wal: WalTableShape, tuple: readonly WalValue[]): Promise<boolean> {
  // Key columns are NOT NULL (the target's PRIMARY KEY enforced it), so every value is text.
  const key = tuple.map((v) => v ?? '');
  if (locator.locate(snapshot, wal.primaryKey, key).length === 0) return false;
  const [found] = await ctx.htap.lookups.lookupKeys(
    { store, root: snapshot.root, name, snapshot, shape: wal, keys: [key], projection: wal.primaryKey.map((k) => q(k)).join(', '), plainColumns: wal.primaryKey },
    async (answer) => ('encoded' in answer ? answer.encoded.rows.length : (await answer.result.fetchChunk())?.rowCount ?? 0) > 0,
  );
  return found === true;
}

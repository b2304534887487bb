/**
 * executeKeyedWrite: a KEYED_* / MERGE_* statement on a table with merge keys, through the write
 * log (docs/design/wal-and-compaction.md, "Integration"). DuckDB runs the user's statement
 * verbatim against a TEMP TABLE holding (part of) the table's STRONG state, so the semantics are
 * DuckDB's; the difference before/after becomes ONE log record (full row images + tombstone keys),
 * acknowledged once the object is durable (what `appendKeyedWrite` does, split so that a statement
 * that changed nothing writes no record).
 *
 *   bindFreshView(STRONG) ─▶ TEMP TABLE <target> (exact definition) loaded with:
 *       plain INSERT ............ nothing (new keys are checked against STRONG afterwards)
 *       INSERT OR REPLACE / ON CONFLICT: the STRONG rows whose keys the statement inserts (a dry
 *         run on the empty target names them)
 *       UPDATE / DELETE ......... the STRONG rows matching the WHERE predicate
 *       MERGE ON t.key = s.col .. the STRONG rows whose keys the source names (merge-scope.ts)
 *       MERGE otherwise, self-reading: every STRONG row
 *   ─▶ shadow copy ─▶ statement ─▶ upserts = target EXCEPT shadow, deletes = shadow keys EXCEPT target keys
 *   ─▶ keys unique in the target, new keys absent from STRONG (else 409 ERR_CONSTRAINT_PRIMARY_KEY)
 *   ─▶ captureRows / captureKeys ─▶ WalWriter.append ─▶ ack
 *
 * Changing key columns moves the row: the old key is a tombstone, the new row an upsert.
 * Concurrent writers: see the design note (log order decides; a record is a full row image).
 * The response's `version` is the Delta version the write read (its STRONG view's base): a keyed
 * write commits no Delta version of its own (docs/api.md).
 */
import { toResultColumns } from './query-result.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomBytes } from 'node:crypto';
import { StatementType } from '@duckdb/node-api';
import type { ExecuteWriteResult } from '../api/index.ts';
import { primaryKeyOf } from '../catalog/index.ts';
import { recordedRequest } from '../delta/request-txns.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import { checkConstraintsOf } from '../delta/index.ts';
import { AppError } from '../errors/index.ts';
import { assertChecks, assertStorable, encodeResult, storableQueries, textRoundTripDiffers, mapDuckDBError, quoteIdentifier as q, quoteLiteral, type EncodedResult } from '../exec/index.ts';
import { bindWarmStrongView, captureKeys, captureRows, captureRowsIfRoundTrip, roundTripCaptureSql, roundTripRows, roundTripColumns, type RoundTripCapture, keyString, narrowable, narrowTail, walTableShape, type FreshView, type WalTableShape, type WalValue, type WarmState } from '../wal/index.ts';
import { assertParametersGiven } from './classify-statement.ts';
import { FreshBinder } from './fresh-read.ts';
import type { HtapRuntime } from './htap-runtime.ts';
import type { KeyedRoute } from './keyed-route.ts';
import { isBlindReplace, isBlindUpsert } from './blind-replace.ts';
import { startBlindReplace } from './blind-replace-early.ts';
import { blindSelectCaptureSql, blindSelectTook, insertableRows } from './blind-select.ts';
import { mergeKeepsKeys } from './merge-keeps-keys.ts';
import { mergeSourceScope, type MergeSourceScope } from './merge-scope.ts';
import { mergeImages, mergeImagesPlan, type MergeImagesPlan } from './merge-images.ts';
import { changedRowsSql } from './changed-rows.ts';
import { keysWithRange, keysWithRangeSql, rangeOf, scalarsWithCapture, scalarsWithCaptureSql } from './keys-with-range.ts';
import { loadNamedRows, namedRowsSelect } from './named-rows-load.ts';
import type { PrePassed } from './pre-pass.ts';
import type { PinnedTable, RequestTables } from './request-tables.ts';
import { clauseText, type DmlShape } from './route-write.ts';
import { valuesSourceLoad } from './values-source-load.ts';
import { targetTableDdl } from './write-target.ts';

const DML_TYPES: ReadonlySet<StatementType> = new Set([StatementType.INSERT, StatementType.UPDATE, StatementType.DELETE, StatementType.MERGE_INTO]);
const BEFORE = q('__k3_keyed_before');
/** A tail larger than this is narrowed to the keys a write touches (the literal-tail bound of overlay-tables.ts). */
const NARROW_TAIL_KEYS = 64;

type LoadMode = 'none' | 'replace' | 'inserted-keys' | 'where' | 'merge-keys' | 'all';

export interface KeyedWriteContext {
  readonly conn: DuckDBConnection;
  readonly tables: RequestTables;
  readonly htap: HtapRuntime;
  /** A retry of a key already recorded (drained into Delta, or pending in the log) answers the recorded outcome. */
  readonly idempotencyKey?: string | undefined;
}

export async function executeKeyedWrite(ctx: KeyedWriteContext, statement: PrePassed, shape: DmlShape, pinned: PinnedTable, route: KeyedRoute): Promise<ExecuteWriteResult> {
  const { conn, tables, htap } = ctx;
  const { handle } = pinned;
  let strong = `__k3_strong_${randomBytes(4).toString('hex')}`;
  // The table's STRONG state, advanced from the log. Its STRONG view is bound only when the write
  // reads it (a blind replace never does), and over the tail of the keys it touches when those are
  // known first (tail-subset.ts): a write then loads a few tail rows, not the whole un-drained tail.
  // A blind replace binds no view: it needs the state for its snapshot and idempotency keys only.
  const blindReplace = isBlindReplace(statement, shape);
  // A MERGE loads the STRONG rows of the keys its source names straight from the warm state's
  // overlay and the located Delta files (named-rows-load.ts): key lookups only, no view, no tail
  // copy, no base rewrite. A view is bound only if the MERGE turns out unscoped or creates keys it
  // did not name — over a full state acquired then (`viewState`).
  const direct = !blindReplace && loadMode(shape) === 'merge-keys' && narrowable(walTableShape(pinned.snapshot));
  // wip/bulk6: a blind replace's one DuckDB call does not read the state, so it runs while the state is acquired.
  const early = blindReplace && !shape.returning ? startBlindReplace(conn, pinned.snapshot, q(handle.name), () => blindOnce(conn, tables, statement, pinned.snapshot, handle.name, htap.blindSelectCapture)) : undefined;
  const state = await htap.warm.acquire(handle.store, handle.root, pinned.snapshot, { keyLookupsOnly: blindReplace || direct }).catch(async (err: unknown) => {
    await early?.settled();
    throw err;
  });
  let full: WarmState | undefined = direct ? undefined : state;
  const viewState = async (): Promise<WarmState> => (full ??= await htap.warm.acquire(handle.store, handle.root, state.snapshot));
  const blind = blindReplace || isBlindUpsert(statement, shape, state.shape.columns.map((c) => c.name), primaryKeyOf(state.snapshot.metadata));
  const mode: LoadMode = blind ? 'replace' : loadMode(shape);
  let view: FreshView | undefined;
  /** Key strings the bound view is exact for; undefined: every key. */
  let exactFor: Set<string> | undefined;
  const bindView = async (touched?: () => Promise<readonly (readonly WalValue[])[]>): Promise<void> => {
    if (view !== undefined) return;
    let over = await viewState();
    if (touched !== undefined && over.tail.byKey.size > NARROW_TAIL_KEYS && narrowable(over.shape)) {
      const tuples = await touched();
      over = narrowTail(over, tuples);
      exactFor = new Set(tuples.map(keyString));
    }
    view = await bindWarmStrongView(conn, strong, handle.store, htap.cache, over);
  };
  /** A view exact for every key, replacing a narrowed one (rare: a write creating keys it did not name first). */
  const bindFullView = async (): Promise<void> => {
    if (view !== undefined && exactFor === undefined) return;
    await view?.release();
    view = undefined;
    exactFor = undefined;
    strong = `__k3_strong_${randomBytes(4).toString('hex')}`;
    await bindView();
  };
  // Other tables the statement reads are read STRONG too (read-your-writes across tables).
  const binder = new FreshBinder('strong', htap);
  tables.fresh = binder;
  try {
    const { snapshot } = state;
    const { idempotencyKey } = ctx;
    const recorded = recordedRequest(snapshot.txns, idempotencyKey) ?? (idempotencyKey === undefined ? undefined : state.overlay.requests.get(idempotencyKey));
    if (recorded !== undefined) return { tableName: handle.name, strategy: route.strategy, rowsAffected: Number(recorded), version: Number(snapshot.version) };
    const keys = primaryKeyOf(snapshot.metadata);
    const keyList = keys.map(q).join(', ');
    const name = q(handle.name);
    /** A statement loading the target, run together with the shadow copy (one DuckDB call). */
    let loaded: string | undefined;
    // The PRIMARY KEY lets DuckDB itself answer ON CONFLICT / OR REPLACE and in-statement duplicates;
    // UPDATE / DELETE / MERGE run without it (DuckDB refuses some updates of indexed columns) and
    // uniqueness is checked after.
    const withKey = shape.verb === 'INSERT';
    /** A MERGE whose source ran once into a TEMP table (mergeTouchedKeys): the statement reading it. */
    const runOnce: RunOnce = {};
    /** The target's DDL and the keys table, left out of the source's call for the images: made where a path reads them. */
    const deferred = (): string[] => {
      const d = runOnce.deferred ?? [];
      runOnce.deferred = undefined;
      return d;
    };
    /** The target holds every STRONG row of the keys in `__k3_keyed_keys`: a new key inside them cannot clash. */
    let covered = mode === 'inserted-keys';
    /** The shadow copy was made with the load (named-rows-load.ts). */
    let before = false;
    /** A MERGE answered by its row images (merge-images.ts, wip/ingest11): no MERGE, no shadow copy, no comparison. */
    let images: { rowsAffected: number; upserts: WalValue[][] } | undefined;
    const ddl = targetTableDdl(handle.name, snapshot.schema, withKey ? keys : []);
    // A blind replace and a MERGE send the target's DDL with their first DuckDB call (one round trip
    // fewer); their fallback paths create it only if that call did not get so far (`target.ensure`).
    const target = { ddl, ensure: ddl.replace(/^CREATE TEMP TABLE /, 'CREATE TEMP TABLE IF NOT EXISTS ') };
    if (mode !== 'replace' && mode !== 'merge-keys') await run(conn, ddl);
    const shape2 = walTableShape(snapshot);
    if (mode === 'where' || mode === 'all') await bindView();
    if (mode === 'inserted-keys') {
      await runUserStatement(conn, tables, statement, false);
      // One DuckDB call each: (keys, empty the target, their range), then (load, shadow copy) below.
      const range = await keyRangeFilter(conn, '__k3_keyed_keys', 's', walTableShape(snapshot), [
        `CREATE TEMP TABLE __k3_keyed_keys AS SELECT DISTINCT ${keyList} FROM ${name}`, `DELETE FROM ${name}`]);
      await bindView(() => captureKeys(conn, `SELECT ${keyList} FROM __k3_keyed_keys`, shape2));
      if (range !== undefined) loaded = `INSERT INTO ${name} SELECT s.* FROM ${q(strong)} AS s SEMI JOIN __k3_keyed_keys AS k USING (${keyList})${range}`;
    } else if (mode === 'where') {
      const where = clauseText(statement.sql, statement.tokens, 'WHERE', ['RETURNING']);
      try {
        // Through the binder: a subquery in the predicate may read other bucket tables (STRONG).
        await runStatement(conn, tables, `INSERT INTO ${name} SELECT * FROM ${q(strong)} AS ${name} WHERE ${where ?? 'true'}`, false);
      } catch {
        // The predicate needs the statement's own aliases: load everything (always correct).
        await run(conn, `DELETE FROM ${name}`);
        await run(conn, `INSERT INTO ${name} SELECT * FROM ${q(strong)}`);
      }
    } else if (mode === 'merge-keys') {
      // The row images (merge-images.ts, wip/ingest11) of a MERGE whose source runs once: planned in the source's call.
      if (direct && htap.mergeRowImages && !shape.returning && checkConstraintsOf(snapshot.metadata).length === 0 && !storableQueries(snapshot.schema.fields, snapshot.partitionColumns)) {
        runOnce.planFor = (scope) => (scope.aliasColumns === undefined ? undefined
          : mergeImagesPlan({ tokens: statement.tokens, sql: statement.sql, fields: snapshot.schema.fields, shape: shape2, source: MERGE_SOURCE, qualifier: scope.qualifier, sourceColumns: scope.aliasColumns, keySources: scope.keySources, target: name }));
      }
      const touched = await mergeTouchedKeys(conn, tables, statement, keys, name, shape2, runOnce, target, htap.mergeValuesLoad);
      covered = touched !== 'all';
      if (direct && touched !== 'all') {
        if (touched !== undefined) {
          const tuples = runOnce.keys ?? await captureKeys(conn, `SELECT ${keyList} FROM __k3_keyed_keys`, shape2);
          const rows = { target: name, keysTable: '__k3_keyed_keys', range: touched, stem: `__k3_named_${randomBytes(4).toString('hex')}` };
          const plan = runOnce.merge === undefined ? undefined : runOnce.plan;
          const shadow = [`CREATE TEMP TABLE ${BEFORE} AS SELECT * FROM ${name}`];
          // The named rows as one SELECT the images read in the target's place (no Delta file to read): no load call.
          const select = plan === undefined ? undefined : namedRowsSelect(state, state.shape, tuples);
          if (plan !== undefined && select !== undefined) images = await mergeImages(conn, plan, shape2, select);
          if (images === undefined) await loadNamedRows(conn, htap.cache, handle.store, state, state.shape, tuples, rows, plan === undefined || select !== undefined ? shadow : [], deferred());
          if (plan !== undefined && select === undefined) images = await mergeImages(conn, plan, shape2);
          // Not proven equivalent: the shadow copy is made (with the load, or below) and the MERGE runs as before.
          before = images !== undefined || plan === undefined || select !== undefined;
        }
      } else {
        await bindView(touched === 'all' ? undefined : async () => runOnce.keys ?? captureKeys(conn, `SELECT ${keyList} FROM __k3_keyed_keys`, shape2));
        loaded = touched === 'all' ? `INSERT INTO ${name} SELECT * FROM ${q(strong)}`
          : touched === undefined ? undefined : `INSERT INTO ${name} SELECT s.* FROM ${q(strong)} AS s SEMI JOIN __k3_keyed_keys AS k USING (${keyList})${touched}`;
      }
    } else if (mode === 'all') {
      await run(conn, `INSERT INTO ${name} SELECT * FROM ${q(strong)}`);
    }
    // A plain INSERT starts from an empty target: there is no "before" (every row is new, none is
    // deleted), so the shadow copy, the new-keys table and the tombstone capture are skipped —
    // three DuckDB calls fewer on the hottest write (docs/design/hot-path.md). A blind INSERT OR
    // REPLACE (blind-replace.ts) too: its rows replace whole rows, whatever was there.
    const empty = mode === 'none' || mode === 'replace';
    if (images === undefined && runOnce.deferred !== undefined) await run(conn, deferred().join(';\n'));
    if (!empty && !before) await run(conn, [...(loaded !== undefined ? [loaded] : []), `CREATE TEMP TABLE ${BEFORE} AS SELECT * FROM ${name}`].join(';\n'));

    const differs = textRoundTripDiffers(snapshot.schema.fields, 'src');
    // A blind INSERT OR REPLACE: target DDL, the statement (as the plain INSERT) and the capture of
    // its rows with the round-trip flags in ONE DuckDB call (`blindInOneCall`).
    const taken = early === undefined ? undefined : await early.take(snapshot);
    const once = taken?.ran === true ? taken.rows : mode === 'replace' && blindReplace && !shape.returning ? await blindInOneCall(conn, tables, statement, target, roundTripCaptureSql(`SELECT * FROM ${name}`, shape2, differs), name, shape2) : undefined;
    const out = once !== undefined ? { rowsChanged: once.count } as { rowsChanged: number; returning?: EncodedResult }
      : images !== undefined ? { rowsChanged: images.rowsAffected }
      : runOnce.merge === undefined ? await runUserStatement(conn, tables, statement, shape.returning, blindReplace, mode === 'replace' ? target : undefined) : await runRewrittenMerge(conn, tables, runOnce.merge, statement, shape.returning);
    const rowsAffected = out.returning !== undefined ? out.returning.rows.length : out.rowsChanged;
    const upsertSql = empty ? `SELECT * FROM ${name}` : `SELECT * FROM ${name} EXCEPT SELECT * FROM ${BEFORE}`;
    const deleteSql = `SELECT ${keyList} FROM ${BEFORE} EXCEPT SELECT ${keyList} FROM ${name}`;
    // Keys unique in the target (UPDATE / DELETE / MERGE run without the PRIMARY KEY): asked in
    // the same DuckDB call as the new keys' clash with STRONG when there is one (same error).
    let duplicates = withKey || images !== undefined ? undefined : `SELECT ${keyList} FROM ${name} GROUP BY ALL HAVING count(*) > 1 LIMIT 1`;
    /** false: the write removed no key (counted with the new keys), so there are no tombstones to capture. */
    let removes: boolean | undefined;
    /** The changed rows with their round-trip flags, captured with the new keys (roundTripCaptureSql's rows). */
    let preCaptured: unknown[][] | undefined;
    // New keys must be absent from STRONG. Only the new keys' range of STRONG is read: a static
    // key-range filter reaches the Parquet scans (row-group min/max) and the log's tables, so a
    // one-row INSERT reads one row group.
    const assertNewKeysAbsent = async (newKeys: string, range: string | undefined): Promise<void> => {
      if (range === undefined) return; // no (non-NULL) new key: nothing can clash
      const clashSql = `SELECT ${keys.map((k) => `s.${q(k)}`).join(', ')} FROM ${q(strong)} AS s SEMI JOIN (SELECT ${keyList} FROM ${newKeys}) AS n USING (${keyList})${range} LIMIT 1`;
      const clash = await firstRow(conn, duplicates === undefined ? clashSql : `SELECT * FROM ((${duplicates}) UNION ALL (${clashSql})) LIMIT 1`);
      duplicates = undefined;
      if (clash !== undefined) throw duplicateKey(keys, clash);
    };
    if (mode !== 'all' && !empty && covered && images === undefined) {
      // Every STRONG row of a named key is in the target (and in BEFORE): a new key among them had
      // no STRONG row, and two rows of one key show in the duplicates check. Only new keys the
      // write did not name are checked against STRONG — over a view exact for them.
      // The duplicates check rides in the same call (its key values are asked only when it fires),
      // and so does the count of keys the write removed (none: no tombstone capture).
      let duplicated: boolean | undefined;
      // The loaded rows (and so BEFORE) hold named keys only: a key outside the named set is new
      // (one EXCEPT, was two), and its TEMP table is made only when there is one (wip/ingest5).
      const outside = `SELECT ${keyList} FROM ${name} EXCEPT SELECT ${keyList} FROM __k3_keyed_keys`;
      // A MERGE that deletes nothing and assigns no key column removes no key (merge-keeps-keys.ts,
      // wip/ingest8): no tombstones, and their count is not asked.
      const keepsKeys = mergeKeepsKeys(statement.tokens, keys);
      if (keepsKeys) removes = false;
      const also = { sql: [...(keepsKeys ? [] : [`(SELECT count(*) FROM (${deleteSql}))`]), ...(duplicates !== undefined ? [`(SELECT count(*) FROM (${duplicates}))`] : [])], seen: (values: readonly unknown[]) => {
        const [gone, dup] = keepsKeys ? [false, values[0]] : values;
        if (!keepsKeys) removes = gone === undefined ? undefined : Number(gone) > 0;
        if (duplicates !== undefined && dup !== undefined) duplicated = Number(dup) > 0;
      } };
      // The capture of the changed rows rides in this call too (keys-with-range.ts); any failure asks separately.
      // The changed rows by an anti join, not EXCEPT (changed-rows.ts, wip/ingest7): the same rows while
      // the keys are unique, and a duplicate fails the check asked in this call before they are used.
      const changed = htap.mergeChangedAntiJoin ? changedRowsSql(name, BEFORE, shape2.columns.map((c) => c.name), keys) : upsertSql;
      const both = scalarsWithCaptureSql(`(${outside})`, shape2, also.sql, roundTripCaptureSql(changed, shape2, differs));
      let range: string | undefined;
      try {
        if (both === undefined) throw new Error('no key column');
        const got = scalarsWithCapture((await conn.runAndReadAll(both)).getRows(), shape2, also.sql.length, 's');
        also.seen(got.also);
        range = got.range;
        preCaptured = got.captured;
      } catch {
        range = await keyRangeFilter(conn, `(${outside})`, 's', shape2, [], also);
      }
      if (duplicated === false) duplicates = undefined;
      if (range !== undefined) {
        await run(conn, `CREATE TEMP TABLE __k3_keyed_new AS ${outside}`);
        await bindFullView();
      }
      await assertNewKeysAbsent('__k3_keyed_new', range);
    } else if (mode !== 'all' && !empty && images === undefined) {
      const range = await keyRangeFilter(conn, '__k3_keyed_new', 's', shape2,
        [`CREATE TEMP TABLE __k3_keyed_new AS SELECT ${keyList} FROM ${name} EXCEPT SELECT ${keyList} FROM ${BEFORE}`]);
      if (range !== undefined && exactFor !== undefined) {
        // The view is exact for the keys named first; a new key outside them needs the whole tail.
        const outside = await firstRow(conn, `SELECT count(*) FROM __k3_keyed_new AS n ANTI JOIN __k3_keyed_keys AS k USING (${keyList})`);
        if (Number(outside?.[0] ?? 0) > 0) await bindFullView();
      }
      await assertNewKeysAbsent('__k3_keyed_new', range);
    }
    if (duplicates !== undefined) {
      const dup = await firstRow(conn, duplicates);
      if (dup !== undefined) throw duplicateKey(keys, dup);
    }
    const result: ExecuteWriteResult = { tableName: handle.name, strategy: route.strategy, rowsAffected: Number(rowsAffected), version: Number(snapshot.version) };
    if (out.returning !== undefined) result.returning = { columns: toResultColumns(out.returning.columns), rows: out.returning.rows as unknown[][] };
    // Row images are checked before the log append: an acknowledged write always drains.
    await assertChecks(conn, upsertSql, checkConstraintsOf(snapshot.metadata));
    // The capture answers the text round-trip check in the same call; only a failure or a value
    // that does not read back runs the separate checks (the canonical error) and the plain capture.
    const checked = once?.values ?? images?.upserts ?? (preCaptured !== undefined ? roundTripRows(preCaptured, shape2) : undefined) ?? await captureRowsIfRoundTrip(conn, upsertSql, shape2, differs);
    await assertStorable(conn, upsertSql, snapshot.schema.fields, snapshot.partitionColumns, checked !== undefined);
    const upserts = checked ?? await captureRows(conn, upsertSql, shape2);
    const deletes = empty || removes === false || images !== undefined ? [] : await captureKeys(conn, deleteSql, shape2);
    if (mode === 'none' && upserts.length > 0) {
      // A plain INSERT's new keys are its captured rows: one row's key is a constant already (its
      // text reads back exactly: assertStorable checked that), so no min/max query is needed.
      const [only] = upserts;
      const keyIndex = shape2.primaryKey.map((k) => shape2.columns.findIndex((c) => c.name === k));
      // Its new keys are known (the captured rows): the view needs only their tail entries.
      await bindView(() => Promise.resolve(upserts.map((row) => keyIndex.map((i) => row[i] ?? null))));
      await assertNewKeysAbsent(name, upserts.length === 1 && only !== undefined ? keyEquals(only, 's', shape2) : await keyRangeFilter(conn, name, 's', shape2));
    }
    // A statement that changed nothing (DO NOTHING, no matching row) writes no record — unless it
    // carries an idempotency key, whose (empty) record makes a retry answer the same.
    if (upserts.length > 0 || deletes.length > 0 || idempotencyKey !== undefined) {
      await htap.writer(handle.store).append(snapshot.root, {
        tableId: shape2.tableId, schemaFingerprint: shape2.fingerprint, columns: shape2.columns, primaryKey: shape2.primaryKey, upserts, deletes,
        ...(idempotencyKey !== undefined ? { idempotency: { key: idempotencyKey, rowsAffected } } : {}),
      }, snapshot);
    }
    return result;
  } finally {
    await early?.settled();
    tables.fresh = undefined;
    await binder.release();
    try {
      // The view's DROP is housekeeping (the connection closes with the attempt): its failure — e.g. a
      // deadline that passed after the log append — must not turn an acknowledged write into an error.
      await view?.release().catch(() => undefined);
    } finally {
      state.release();
      if (full !== state) full?.release();
    }
  }
}

function loadMode(shape: DmlShape): LoadMode {
  if (shape.selfReference) return 'all';
  if (shape.verb === 'MERGE') return 'merge-keys';
  if (shape.verb === 'INSERT') return shape.upsert ? 'inserted-keys' : 'none';
  return 'where';
}

/**
 * The target keys a keyed MERGE can match, left in TEMP table `__k3_keyed_keys`: the range filter
 * over them (' WHERE …' or ''), undefined when the source names no key, 'all' when the MERGE may
 * match any row (merge-scope.ts) — then the caller loads every STRONG row.
 */
async function mergeTouchedKeys(conn: DuckDBConnection, tables: RequestTables, statement: PrePassed, keys: readonly string[], name: string, shape: WalTableShape, runOnce: RunOnce, target: { ddl: string; ensure: string }, valuesLoad = false): Promise<string | undefined | 'all'> {
  const keyList = keys.map(q).join(', ');
  const scope = await mergeSourceScope(conn, statement, keys);
  if (scope === undefined) {
    await run(conn, target.ddl);
    return 'all';
  }
  const source = scope.keysFrom(scope.source);
  const create = `CREATE TEMP TABLE __k3_keyed_keys AS SELECT ${keyList} FROM ${name} WHERE false`;
  if (tables.params.length === 0) {
    // The source runs ONCE: materialized as __k3_merge_src, its keys read from there, and the MERGE
    // rewritten to read it (`USING __k3_merge_src AS <qualifier>`) — a 200-row VALUES source was
    // bound and run twice before (keys, then the MERGE), the two costliest calls of a MERGE batch.
    // The keys the MERGE can match are then exactly the ones loaded, even for a volatile source.
    // Only a source whose alias names every column, distinctly (`AS s(id, v)`): the TEMP table then
    // has exactly those columns (DuckDB would rename a repeated name, which the original refuses).
    const named = scope.aliasColumns;
    if (named !== undefined && new Set(named).size === named.length && scope.start < scope.end && statement.sql.slice(scope.start, scope.end) === scope.source && !statement.tokens.some((t) => t.text === ';')) {
      try {
        // Fails (a set operation of unequal widths) when the source has columns the alias does not name.
        const widthCheck = `SELECT * FROM ${MERGE_SOURCE} UNION ALL SELECT ${named.map(() => 'NULL').join(', ')} LIMIT 0`;
        // A VALUES source of literals is loaded as typed columns, not bound as text (values-source-load.ts, wip/ingest6).
        const cells = valuesLoad ? await valuesSourceLoad(conn, statement.sql, statement.tokens, scope.start, scope.end, named.length) : undefined;
        const keysSelect = keysSelectAs(keys, shape, scope.keysFrom(`${MERGE_SOURCE} AS ${q(scope.qualifier)}`));
        // A MERGE the row images may answer (wip/ingest11) reads neither the target table nor the keys
        // table when its named rows need no Delta file: both are made later, where a path reads them.
        const plan = runOnce.planFor?.(scope);
        const deferred = plan === undefined ? undefined : [target.ensure, `CREATE TEMP TABLE __k3_keyed_keys AS ${keysSelect}`];
        const first = [...(deferred === undefined ? [target.ddl] : []), `CREATE TEMP TABLE ${MERGE_SOURCE} AS SELECT * FROM ${cells?.from ?? scope.source}`,
          ...(deferred === undefined ? [`CREATE TEMP TABLE __k3_keyed_keys AS ${keysSelect}`] : [])];
        // The keys as write-log text ride in this call with their range (keys-with-range.ts, wip/ingest5).
        // The width check is a filter of that last SELECT: a multi-statement call answers with the
        // FIRST result set, so a SELECT of its own before it would hide the keys (and did hide the range).
        // A loaded VALUES source has exactly the alias's columns (values-source-load.ts): no width check.
        const both = keysWithRangeSql(deferred === undefined ? '__k3_keyed_keys' : `(${keysSelect})`, shape, cells === undefined ? `NOT EXISTS (${widthCheck})` : undefined);
        if (both === undefined) throw new Error('no key column'); // (a keyed table always has one)
        const { tuples, range } = keysWithRange((await conn.runAndReadAll([...first, both].join(';\n'))).getRows(), shape, 's');
        runOnce.keys = tuples;
        runOnce.plan = plan;
        runOnce.deferred = deferred;
        const sql = `${statement.sql.slice(0, scope.start)}${MERGE_SOURCE} AS ${q(scope.qualifier)}${statement.sql.slice(scope.end)}`;
        runOnce.merge = { ...statement, sql };
        return range;
      } catch {
        await run(conn, `DROP TABLE IF EXISTS __k3_keyed_keys; DROP TABLE IF EXISTS ${MERGE_SOURCE}`);
      }
    }
  }
  await run(conn, target.ensure);
  if (tables.params.length === 0) {
    // One DuckDB call: (keys table, the source's keys, their range). A source that needs the
    // binder (another bucket table not bound yet) fails here and takes the path below.
    try {
      return await keyRangeFilter(conn, '__k3_keyed_keys', 's', shape, [create, `INSERT INTO __k3_keyed_keys ${source}`]);
    } catch {
      await run(conn, 'DROP TABLE IF EXISTS __k3_keyed_keys');
    }
  }
  try {
    await run(conn, create);
    // Through the binder: the source may read other bucket tables (STRONG).
    await runStatement(conn, tables, `INSERT INTO __k3_keyed_keys ${source}`, false);
    return await keyRangeFilter(conn, '__k3_keyed_keys', 's', shape);
  } catch {
    // DuckDB could not run the source on its own (e.g. it needs the statement's context): load everything.
    return 'all';
  }
}

const MERGE_SOURCE = '__k3_merge_src';

/**
 * `__k3_keyed_keys`' SELECT from `select` (the source's distinct keys), for ONE statement: each column
 * CAST to the target key's type — the cast an INSERT into a table of those types applies — where
 * it was a CREATE … WHERE false plus an INSERT (wip/ingest8: a statement fewer in the source's call).
 */
function keysSelectAs(keys: readonly string[], shape: WalTableShape, select: string): string {
  const columns = keys.map((k, i) => `CAST(__k3_k.${q(`c${i}`)} AS ${shape.columns.find((c) => c.name === k)!.type}) AS ${q(k)}`);
  return `SELECT ${columns.join(', ')} FROM (${select}) AS __k3_k(${keys.map((_, i) => q(`c${i}`)).join(', ')})`;
}

/** The source-once path's outputs (mergeTouchedKeys) and the row images' planner it calls. */
interface RunOnce {
  /** The MERGE reading the materialized source. */
  merge?: PrePassed;
  /** The named keys as write-log text. */
  keys?: WalValue[][];
  planFor?: (scope: MergeSourceScope) => MergeImagesPlan | undefined;
  plan?: MergeImagesPlan | undefined;
  /** Statements left out of the source's call (target DDL, keys table): run before anything reads them. */
  deferred?: string[] | undefined;
}

async function run(conn: DuckDBConnection, sql: string): Promise<void> {
  try {
    await conn.run(sql);
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

/**
 * Runs the user's DML statement on the scratch target. The statement's verb is known from its
 * analysis (a DML shape), so a statement with no parameters, no RETURNING and a single statement's
 * tokens runs in ONE DuckDB call (no separate prepare). Any failure there falls back to the
 * prepared path: a failed statement changed nothing (DuckDB runs each statement atomically), and
 * the prepared path binds other bucket tables on demand and reports the canonical error.
 */
async function runUserStatement(conn: DuckDBConnection, tables: RequestTables, statement: PrePassed, returning: boolean, blindReplace = false, target?: { ddl: string; ensure: string }): Promise<{ rowsChanged: number; returning?: EncodedResult }> {
  const single = !statement.tokens.some((t) => t.text === ';');
  if (!returning && tables.params.length === 0 && single) {
    try {
      const sql = blindReplace ? plainInsertSql(statement) : statement.sql;
      // The target's DDL in the same call: the result is the statement's (the last one).
      return { rowsChanged: (await conn.run(target === undefined ? sql : `${target.ddl};\n${sql}`)).rowsChanged };
    } catch {
      // e.g. another bucket table not bound yet: the prepared path below binds it.
    }
  }
  if (target !== undefined) await run(conn, target.ensure);
  return runStatement(conn, tables, statement.sql, returning);
}

/**
 * A blind replace with no parameters and no RETURNING, one statement: (target DDL ; the plain
 * INSERT of its rows ; `capture`) in one call. The rows `capture` read (every row of the target,
 * which started empty: their count is the INSERT's) — or undefined when the call failed, after
 * which the target exists and is empty again, and the caller runs the statement as before (a
 * repeated key fails the plain INSERT: DuckDB's OR REPLACE then decides).
 */
async function blindInOneCall(conn: DuckDBConnection, tables: RequestTables, statement: PrePassed, target: { ddl: string; ensure: string }, capture: string, name: string, shape: WalTableShape): Promise<RoundTripCapture | undefined> {
  if (tables.params.length > 0 || statement.tokens.some((t) => t.text === ';')) return undefined;
  try {
    // Read by column (wip/bulk7): roundTripColumns, the values roundTripRows would give.
    return roundTripColumns((await conn.runAndReadAll(`${target.ddl};\n${plainInsertSql(statement)};\n${capture}`)).getColumns(), shape);
  } catch {
    await run(conn, `${target.ensure};\nDELETE FROM ${name}`);
    return undefined;
  }
}

/** blindInOneCall for `snapshot`'s table (blind-replace-early.ts: the call started before the state is acquired). */
async function blindOnce(conn: DuckDBConnection, tables: RequestTables, statement: PrePassed, snapshot: Snapshot, table: string, selectCapture: boolean): Promise<RoundTripCapture | undefined> {
  const shape = walTableShape(snapshot);
  const differs = textRoundTripDiffers(snapshot.schema.fields, 'src');
  // wip/bulk12 (blind-select.ts): a plain SELECT's rows read directly, no scratch table, when they are provably the INSERT's.
  const direct = selectCapture && tables.params.length === 0 && checkConstraintsOf(snapshot.metadata).length === 0 && !storableQueries(snapshot.schema.fields, snapshot.partitionColumns)
    ? blindSelectCaptureSql(statement, snapshot.schema.fields, shape, differs) : undefined;
  if (direct !== undefined) {
    try {
      const got = roundTripColumns((await conn.runAndReadAll(direct)).getColumns(), shape);
      if (got.values !== undefined && insertableRows(got.values, shape)) return blindSelectTook(got);
    } catch {
      // The scratch-table path below runs the INSERT itself and reports DuckDB's own error.
    }
  }
  const ddl = targetTableDdl(table, snapshot.schema, primaryKeyOf(snapshot.metadata));
  const target = { ddl, ensure: ddl.replace(/^CREATE TEMP TABLE /, 'CREATE TEMP TABLE IF NOT EXISTS ') };
  const capture = roundTripCaptureSql(`SELECT * FROM ${q(table)}`, shape, differs);
  return blindInOneCall(conn, tables, statement, target, capture, q(table), shape);
}

/**
 * The MERGE reading its materialized source. A failure changed nothing (DuckDB runs a statement
 * atomically): the statement as written then runs and reports the canonical error.
 */
async function runRewrittenMerge(conn: DuckDBConnection, tables: RequestTables, merge: PrePassed, original: PrePassed, returning: boolean): Promise<{ rowsChanged: number; returning?: EncodedResult }> {
  try {
    return await runUserStatement(conn, tables, merge, returning);
  } catch {
    return runUserStatement(conn, tables, original, returning);
  }
}

/**
 * A blind `INSERT OR REPLACE` (blind-replace.ts) runs on an EMPTY target, so it replaces only a key
 * repeated within the statement. Without such a repeat it is exactly the plain INSERT, which skips
 * DuckDB's conflict handling (measured: the OR REPLACE insert of 1,000 rows into the keyed scratch
 * table cost about twice the plain one). A repeat makes the plain INSERT fail on the PRIMARY KEY,
 * changing nothing; runUserStatement then runs the statement as written.
 */
function plainInsertSql(statement: PrePassed): string {
  const [, or, replace] = statement.tokens;
  return or === undefined || replace === undefined ? statement.sql : statement.sql.slice(0, or.start) + statement.sql.slice(replace.end);
}

export async function runStatement(conn: DuckDBConnection, tables: RequestTables, sql: string, returning: boolean): Promise<{ rowsChanged: number; returning?: EncodedResult }> {
  const prepared = await tables.prepare(conn, sql);
  try {
    if (!DML_TYPES.has(prepared.statementType)) {
      throw new AppError('ERR_SQL_UNSUPPORTED', `Expected a data-changing statement, DuckDB classified it as ${StatementType[prepared.statementType]}.`);
    }
    assertParametersGiven(prepared, tables.params);
    const out = await prepared.run();
    if (returning) return { rowsChanged: 0, returning: await encodeResult(out) };
    return { rowsChanged: out.rowsChanged };
  } catch (err) {
    throw mapDuckDBError(err);
  } finally {
    prepared.destroySync();
  }
}

/**
 * ` WHERE <alias>.<first key> BETWEEN <min> AND <max>` of the keys in `table` (constants, rendered
 * as DuckDB's own text of the typed values, so the filter is static and pushed into every scan);
 * '' when the key column is unknown; undefined when `table` holds no non-NULL first key (then no
 * row of `table` can equal a stored key: callers skip the join). `before`: statements run first in
 * the same DuckDB call (e.g. the one creating `table`); `also`: more scalar subqueries answered in
 * that call (their values handed to `seen`).
 */
async function keyRangeFilter(conn: DuckDBConnection, table: string, alias: string, shape: WalTableShape, before: readonly string[] = [], also?: { sql: readonly string[]; seen(values: readonly unknown[]): void }): Promise<string | undefined> {
  const key = shape.primaryKey[0];
  const type = shape.columns.find((c) => c.name === key)?.type;
  if (key === undefined || type === undefined) {
    if (before.length > 0) await run(conn, before.join(';\n'));
    return '';
  }
  const row = await firstRow(conn, [...before, `SELECT CAST(min(${q(key)}) AS VARCHAR), CAST(max(${q(key)}) AS VARCHAR)${also !== undefined ? `, ${also.sql.join(', ')}` : ''} FROM ${table}`].join(';\n'));
  const [lo, hi, ...extra] = row ?? [];
  if (also !== undefined) also.seen(extra);
  return rangeOf(lo, hi, shape, alias);
}

/** ` WHERE <alias>.<key> = CAST(<text> AS <type>) AND …` for every key column of one captured row. */
function keyEquals(row: readonly (string | null)[], alias: string, shape: WalTableShape): string {
  const terms = shape.primaryKey.map((k) => {
    const i = shape.columns.findIndex((c) => c.name === k);
    const text = row[i];
    const type = shape.columns[i]?.type;
    return text === null || text === undefined || type === undefined ? undefined : `${alias}.${q(k)} = CAST(${quoteLiteral(text)} AS ${type})`;
  });
  if (terms.length === 0 || terms.some((t) => t === undefined)) return '';
  return ` WHERE ${terms.join(' AND ')}`;
}

async function firstRow(conn: DuckDBConnection, sql: string): Promise<unknown[] | undefined> {
  try {
    return (await conn.runAndReadAll(sql)).getRows()[0];
  } catch (err) {
    throw mapDuckDBError(err);
  }
}

export function duplicateKey(keys: readonly string[], values: readonly unknown[]): AppError {
  const shown = keys.map((k, i) => `${k}=${String(values[i])}`).join(', ');
  return new AppError('ERR_CONSTRAINT_PRIMARY_KEY', `Duplicate key (${shown}): a row with this primary key already exists; nothing was written. Use INSERT OR REPLACE, ON CONFLICT or MERGE to update it.`, { key: Object.fromEntries(keys.map((k, i) => [k, String(values[i])])) });
}

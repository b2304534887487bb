/**
 * executeWrite: one INSERT / UPDATE / DELETE / MERGE / TRUNCATE straight into Delta, with DuckDB's
 * own semantics (docs/design/sql-engine.md, "Writes").
 *
 *   pin snapshot ─▶ TEMP TABLE <target> (exact schema, NOT NULL, DEFAULT)
 *     ├─ INSERT (not reading itself): the table starts empty
 *     └─ otherwise: load every file (one rowid range per file) + shadow copy
 *   ─▶ DuckDB runs the user's statement verbatim (other tables bound as views)
 *   ─▶ diff shadow vs table → affected files ─▶ writeDataFiles(rest of affected files + new rows)
 *   ─▶ Transaction: remove affected, add new, commit (Delta operation + metrics)
 *
 * Invariants: a statement that fails in DuckDB commits nothing; only files holding changed rows
 * are rewritten; the commit is built on the same snapshot the statement read, so a conflicting
 * concurrent commit surfaces as a retryable ERR_DELTA_CONCURRENT_* (the engine re-runs).
 */
import { toResultColumns } from './query-result.ts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { StatementType } from '@duckdb/node-api';
import type { ExecuteWriteResult } from '../api/index.ts';
import { primaryKeyOf } from '../catalog/index.ts';
import { isChangeDataFeedEnabled, recordedRequest, requestTxnAppId, Transaction, type TransactionOptions } from '../delta/index.ts';
import { writeChangeFiles } from '../cdf/index.ts';
import { AppError } from '../errors/index.ts';
import { encodeResult, mapDuckDBError, writeDataFiles, type EncodedResult } from '../exec/index.ts';
import { assertParametersGiven } from './classify-statement.ts';
import type { PrePassed } from './pre-pass.ts';
import type { PinnedTable, RequestTables } from './request-tables.ts';
import { planWriteScope } from './write-scope.ts';
import { assertUniqueKeys } from './primary-key-check.ts';
import type { ActiveFile } from '../delta/snapshot.ts';
import { routeWrite, type DmlShape } from './route-write.ts';
import { writeCommitRequest } from './write-commit-info.ts';
import { markIncorporated } from '../wal/index.ts';
import type { HtapRuntime } from './htap-runtime.ts';
import { dispatchKeyedWrite } from './keyed-dispatch.ts';
import { createProbeView, dropProbeView, WriteTarget, type DiffResult } from './write-target.ts';
import { checkConstraintsOf } from '../delta/check-constraints.ts';
import { assertWritable } from '../delta/features.ts';
import { assertNoRowidReference } from './rowid-guard.ts';

export interface WriteContext {
  readonly conn: DuckDBConnection;
  readonly tables: RequestTables;
  readonly txOptions: TransactionOptions;
  readonly tmpDir: string;
  readonly clock: () => number;
  /** The write log and its caches; without it every write goes straight to Delta. */
  readonly htap?: HtapRuntime;
  /** Recorded with the write (txn k3-request:<key>); a retry with a recorded key answers the recorded outcome. */
  readonly idempotencyKey?: string | undefined;
}

const DML_TYPES: ReadonlySet<StatementType> = new Set([StatementType.INSERT, StatementType.UPDATE, StatementType.DELETE, StatementType.MERGE_INTO]);

export async function executeWrite(ctx: WriteContext, statement: PrePassed, shape: DmlShape): Promise<ExecuteWriteResult> {
  const { conn, tables } = ctx;
  const first = await tables.pin(shape.table);
  // A table k3 may not write (e.g. writer feature timestampNtz) is refused before any work.
  assertWritable(first.snapshot.protocol);
  assertNoRowidReference(statement.tokens, first.handle.name, first.snapshot.schema);
  const recorded = recordedRequest(first.snapshot.txns, ctx.idempotencyKey);
  if (recorded !== undefined) {
    const { strategy } = routeWrite(shape, statement.tokens, primaryKeyOf(first.snapshot.metadata));
    return { tableName: first.handle.name, strategy, rowsAffected: Number(recorded), version: Number(first.snapshot.version) };
  }
  const keyed = await dispatchKeyedWrite(ctx, statement, shape, first);
  if (keyed?.kind === 'wal') return keyed.result;
  const pinned = keyed?.pinned ?? await tables.pin(shape.table);
  const { snapshot, handle } = pinned;
  const mergeKeys = primaryKeyOf(snapshot.metadata);
  const route = keyed !== undefined ? { strategy: keyed.strategy, path: 'delta' } : routeWrite(shape, statement.tokens, mergeKeys);
  const loadAll = shape.verb !== 'INSERT' || shape.selfReference || shape.upsert;
  const withValues = shape.verb !== 'DELETE' && shape.verb !== 'TRUNCATE';
  // Files to load; `diffed` = compare before/after to find the changed ones, else all are changed.
  let files = loadAll ? snapshot.files : [];
  let diffed = loadAll;
  if (loadAll && snapshot.files.length > 0) {
    const scope = planWriteScope(statement, shape);
    if (scope.kind === 'all') diffed = false;
    if (scope.kind === 'probe') {
      const probed = await probeFiles(ctx, pinned, scope.sql);
      if (probed !== undefined) {
        files = probed;
        diffed = false;
      }
    }
  }

  // Change Data Feed on a table without a key: rows have no identity but their DuckDB rowid, so
  // this path records its own changes (update pre/post images); keyed tables pair by key in the
  // Transaction's stager.
  const feedByRowid = isChangeDataFeedEnabled(snapshot.metadata) && mergeKeys.length === 0 && loadAll && files.length > 0;
  const target = await WriteTarget.create(conn, handle.name, snapshot.schema, snapshot.partitionColumns, shape.upsert ? mergeKeys : []);
  if (files.length > 0) await target.load(files, await tables.localFiles(files));
  if (diffed || feedByRowid) await target.snapshotBefore(withValues || feedByRowid);

  const prepared = await tables.prepare(conn, statement.sql);
  let rowsChanged: number;
  let returning: EncodedResult | undefined;
  try {
    if (!DML_TYPES.has(prepared.statementType)) {
      throw new AppError('ERR_SQL_UNSUPPORTED', `Expected a data-changing statement, DuckDB classified it as ${StatementType[prepared.statementType]}.`);
    }
    assertParametersGiven(prepared, tables.params);
    const out = await prepared.run();
    if (shape.returning) {
      // With RETURNING, DuckDB answers one row per affected row instead of a count.
      returning = await encodeResult(out);
      rowsChanged = returning.rows.length;
    } else {
      rowsChanged = out.rowsChanged;
    }
  } catch (err) {
    throw mapDuckDBError(err);
  } finally {
    prepared.destroySync();
  }

  let diff: DiffResult;
  if (diffed) diff = await target.diff(withValues);
  else if (!loadAll) diff = { affected: [], insertedRows: rowsChanged, deletedRows: 0, changedRows: 0 };
  else {
    // Scoped by the probe (or no WHERE): every loaded file holds touched rows, so all are rewritten.
    if (rowsChanged === 0) diff = { affected: [], insertedRows: 0, deletedRows: 0, changedRows: 0 };
    else {
      const { kept, inserted } = await target.countRows();
      const deleted = target.loadedRows - kept;
      diff = { affected: target.ranges, insertedRows: inserted, deletedRows: deleted, changedRows: Math.max(0, rowsChanged - inserted - deleted) };
    }
  }
  const result: Omit<ExecuteWriteResult, 'version'> = { tableName: handle.name, strategy: route.strategy, rowsAffected: Number(rowsChanged) };
  if (returning !== undefined) result.returning = { columns: toResultColumns(returning.columns), rows: returning.rows as unknown[][] };
  if (diff.affected.length === 0 && diff.insertedRows === 0) {
    return { ...result, version: Number(snapshot.version) };
  }

  const rowsSql = target.rowsToWriteSql(diff.affected);
  if (shape.verb !== 'DELETE' && shape.verb !== 'TRUNCATE') {
    await assertUniqueKeys(conn, tables, handle.name, snapshot, mergeKeys, rowsSql, diff.affected);
  }
  const adds = await writeDataFiles(conn, { sql: rowsSql }, {
    store: handle.store, root: handle.root, schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, tmpDir: ctx.tmpDir, clock: ctx.clock, checks: checkConstraintsOf(snapshot.metadata),
  });
  const tx = Transaction.forSnapshot(handle.store, snapshot, ctx.txOptions);
  if (feedByRowid && diff.affected.length > 0) {
    tx.addChangeData(await writeChangeFiles(conn, target.changesSql(), { store: handle.store, root: handle.root, schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, tmpDir: ctx.tmpDir }));
  }
  if (loadAll) tx.readWholeTable();
  tx.removeFiles(diff.affected.map((r) => r.file));
  tx.addFiles(adds);
  if (keyed !== undefined) markIncorporated(tx, snapshot);
  if (ctx.idempotencyKey !== undefined) tx.setTxn(requestTxnAppId(ctx.idempotencyKey), rowsChanged);
  const commit = await tx.commit(writeCommitRequest(statement, shape, snapshot.partitionColumns, {
    rowsChanged, diff, addedFiles: adds.length, addedBytes: adds.reduce((s, a) => s + a.size, 0),
    removedBytes: diff.affected.reduce((s, r) => s + r.file.add.size, 0),
    rewrittenRows: diff.affected.reduce((s, r) => s + (r.hi - r.lo), 0),
  }));
  return { ...result, version: Number(commit.version) };
}

/**
 * Runs the write-scope probe against a view of all files with a file-index column. Undefined when
 * DuckDB cannot run the probe (the caller then takes the general load-all-and-diff path, which
 * reports the statement's own errors).
 */
async function probeFiles(ctx: WriteContext, pinned: PinnedTable, probeSql: string): Promise<ActiveFile[] | undefined> {
  const { conn, tables } = ctx;
  const { snapshot, handle } = pinned;
  const paths = await tables.localFiles(snapshot.files);
  await createProbeView(conn, handle.name, snapshot.schema, snapshot.partitionColumns, snapshot.files, paths);
  try {
    const prepared = await tables.prepare(conn, probeSql);
    try {
      const rows = (await prepared.runAndReadAll()).getRows();
      return rows.map(([i]) => snapshot.files[Number(i)]).filter((f): f is ActiveFile => f !== undefined);
    } finally {
      prepared.destroySync();
    }
  } catch {
    return undefined;
  } finally {
    await dropProbeView(conn, handle.name);
  }
}

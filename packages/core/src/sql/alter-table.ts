/**
 * ALTER TABLE: DuckDB runs each action against a TEMP copy of the table definition; k3 diffs the
 * definition before and after. k3 commits new trailing columns (ADD COLUMNS, several per
 * statement) and column changes (CHANGE COLUMN: SET/DROP DEFAULT, SET/DROP NOT NULL, SET DATA TYPE
 * to any storable type); dropped or renamed columns and table renames are refused with the
 * seeds' advice.
 *
 * Changes that depend on the rows run on the real rows so DuckDB decides exactly as it would:
 * a column added WITH a DEFAULT is backfilled and a retyped column is cast (both rewrite every
 * file in the same commit); SET NOT NULL is checked against the existing values (no rewrite).
 * Everything else is a metadata-only commit (an added column without default reads as NULL from
 * the old files).
 */
import type { ExecuteDdlResult } from '../api/index.ts';
import { assertValidColumnName, columnToField, describeSnapshot, specFromProperties } from '../catalog/index.ts';
import { CHANGE_DATA_FEED_PROPERTY, protocolFor, recordedRequest, requestTxnAppId, Transaction } from '../delta/index.ts';
import type { AddFile } from '../delta/actions.ts';
import type { StructField, StructType } from '../delta/schema.ts';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError, quoteIdentifier as q, writeDataFiles } from '../exec/index.ts';
import type { DdlContext } from './create-table.ts';
import { setPropertiesAction, type StatementShape } from './pre-pass.ts';
import type { PinnedTable } from './request-tables.ts';
import { introspectTempTable, toColumnSpecs, validateDefault, type IntrospectedColumn, type IntrospectedTable } from './table-introspection.ts';
import { targetTableDdl, WriteTarget } from './write-target.ts';
import { checkConstraintsOf } from '../delta/check-constraints.ts';
import { primaryKeyOf } from '../catalog/table-spec.ts';
import { drainBeforeDirectWrite } from '../compaction/direct-write.ts';
import { markIncorporated } from '../wal/watermark.ts';
import { withUpgradeStep } from '../wal/record-upgrade.ts';
import { walTableShape } from '../wal/table-shape.ts';
import { alterUpgradeStep } from './alter-upgrade-step.ts';

type AlterShape = Extract<StatementShape, { kind: 'alter-table' }>;

const SCRATCH = '__k3_alter';
const RECREATE = 'Recreate the table without the column via CREATE TABLE AS SELECT, or leave the column nullable.';

export async function alterTable(ctx: DdlContext, shape: AlterShape): Promise<ExecuteDdlResult> {
  const pinned = await ctx.tables.tryPin(shape.table);
  if (pinned === undefined) {
    if (shape.ifExists) return { action: 'NOOP', tableName: shape.table };
    throw await ctx.catalog.notFound(ctx.store, ctx.bucket, shape.table);
  }
  const { handle } = pinned;
  let { snapshot } = pinned;
  if (recordedRequest(snapshot.txns, ctx.idempotencyKey) !== undefined) {
    return { action: 'ALTER_TABLE', tableName: handle.name, table: describeSnapshot(ctx.bucket, handle.name, snapshot), version: Number(snapshot.version) };
  }
  const properties = shape.actions.length === 1 ? setPropertiesAction(shape.actions[0]!) : undefined;
  if (properties !== undefined) return setTableProperties(ctx, pinned, properties);
  await runAll(ctx, [targetTableDdl(SCRATCH, snapshot.schema)]);
  const before = await introspectTempTable(ctx.conn, SCRATCH);
  if (before === undefined) throw new AppError('ERR_INTERNAL', 'The scratch copy of the table definition vanished.');
  for (const action of shape.actions) {
    await runAll(ctx, [`ALTER TABLE ${q(SCRATCH)} ${action}`]);
    if ((await introspectTempTable(ctx.conn, SCRATCH)) === undefined) {
      throw new AppError('ERR_SQL_UNSUPPORTED', `Renaming table ${handle.name} is not supported. Create the new table with CREATE TABLE <new> AS SELECT * FROM ${handle.name}, then DROP TABLE ${handle.name}.`);
    }
  }
  const after = (await introspectTempTable(ctx.conn, SCRATCH))!;
  const { added, changed } = diffDefinitions(before, after, snapshot.partitionColumns);
  if (added.length === 0 && changed.length === 0) {
    return { action: 'NOOP', tableName: handle.name, table: describeSnapshot(ctx.bucket, handle.name, snapshot), version: Number(snapshot.version) };
  }
  const addedSpecs = toColumnSpecs(added);
  const changedSpecs = toColumnSpecs(changed.map((c) => c.now));
  for (const c of [...addedSpecs, ...changedSpecs]) {
    assertValidColumnName(c.name);
    await validateDefault(ctx.conn, c.name, c.defaultExpression, c.duckdbType);
  }
  // Data-dependent changes run on the real rows, so DuckDB does exactly what it would do: backfill
  // defaults of added columns, cast retyped columns, check SET NOT NULL against existing values.
  const retyped = changed.some((c) => c.now.duckdbType !== c.old.duckdbType);
  const backfilled = addedSpecs.some((c) => c.defaultExpression !== '');
  const tightened = changed.some((c) => c.old.nullable && !c.now.nullable);
  const dataDependent = retyped || backfilled || tightened;
  // On a keyed table the rows acknowledged before the statement include the write log's: drain it
  // first, so they are backfilled, cast and checked like the rows already in Delta.
  if (dataDependent) ({ snapshot } = await drainedFirst(ctx, pinned));
  const replaced = new Map(changedSpecs.map((c, i) => [c.name, changedField(snapshot.schema.fields.find((f) => f.name === c.name), changed[i]!, columnToField(c))]));
  const newFields = addedSpecs.map(columnToField);
  const schema: StructType = { type: 'struct', fields: [...snapshot.schema.fields.map((f) => replaced.get(f.name) ?? f), ...newFields] };
  // A keyed write that pinned the old definition may append after this commit: the step tells
  // every reader how such a record converts (wal/record-upgrade.ts).
  const step = primaryKeyOf(snapshot.metadata).length > 0 ? await alterUpgradeStep(ctx.conn, walTableShape(snapshot), walTableShape({ metadata: snapshot.metadata, schema }), shape.actions, addedSpecs, retyped || backfilled) : undefined;
  const tx = Transaction.forSnapshot(handle.store, snapshot, ctx.txOptions)
    .updateMetadata({ ...snapshot.metadata, schemaString: JSON.stringify(schema), ...(step !== undefined ? { configuration: withUpgradeStep(snapshot.metadata.configuration, step) } : {}) });
  if (ctx.idempotencyKey !== undefined) tx.setTxn(requestTxnAppId(ctx.idempotencyKey), 0);
  if (dataDependent && primaryKeyOf(snapshot.metadata).length > 0) markIncorporated(tx, snapshot);

  const rewrite = snapshot.files.length > 0 && (retyped || backfilled);
  const validate = snapshot.files.length > 0 && tightened;
  if (rewrite || validate) {
    const target = await WriteTarget.create(ctx.conn, handle.name, snapshot.schema, snapshot.partitionColumns);
    await target.load(snapshot.files, await ctx.tables.localFiles(snapshot.files));
    await runAll(ctx, shape.actions.map((a) => `ALTER TABLE temp.main.${q(handle.name)} ${a}`));
    tx.readWholeTable();
    if (rewrite) {
      const adds: AddFile[] = await writeDataFiles(ctx.conn, { sql: `SELECT * FROM temp.main.${q(handle.name)}` }, {
        store: handle.store, root: handle.root, schema, partitionColumns: snapshot.partitionColumns, tmpDir: ctx.tmpDir, clock: ctx.clock, checks: checkConstraintsOf(snapshot.metadata),
      });
      tx.removeFiles(snapshot.files).addFiles(adds);
    }
  }
  const commit = await tx.commit(changed.length === 0
    ? { operation: 'ADD COLUMNS', operationParameters: { columns: JSON.stringify(newFields.map((column) => ({ column }))) } }
    : { operation: 'CHANGE COLUMN', operationParameters: { columns: JSON.stringify([...replaced.values(), ...newFields]) } });
  const fresh = await ctx.catalog.snapshot(handle);
  return { action: 'ALTER_TABLE', tableName: handle.name, table: describeSnapshot(ctx.bucket, handle.name, fresh), version: Number(commit.version) };
}

/**
 * The table pinned again after its write log is drained up to the head seen now (the direct-write
 * protocol, compaction/direct-write.ts): every keyed write acknowledged before the ALTER is then in
 * Delta. The commit carries the incorporated watermark, so a drain committing in between makes it
 * a commit conflict and the statement runs again. A table without a primary key has no log.
 */
async function drainedFirst(ctx: DdlContext, pinned: PinnedTable): Promise<PinnedTable> {
  if (primaryKeyOf(pinned.snapshot.metadata).length === 0 || ctx.drainDeps === undefined) return pinned;
  const { snapshot } = await drainBeforeDirectWrite(pinned.handle.store, pinned.handle.root, await ctx.drainDeps());
  if (snapshot.metadata.id !== pinned.snapshot.metadata.id || snapshot.metadata.schemaString !== pinned.snapshot.metadata.schemaString) {
    throw new AppError('ERR_DELTA_METADATA_CHANGED', `The definition of ${pinned.handle.name} changed while its write log was drained; the statement runs again on the new definition.`);
  }
  return ctx.tables.repin(pinned, snapshot);
}

/**
 * `ALTER TABLE t SET TBLPROPERTIES ('delta.enableChangeDataFeed' = true | false)`: a metadata-only
 * commit (Spark's `SET TBLPROPERTIES`); turning the feed on raises the protocol to writer 4 in
 * the same commit. Changes are recorded from the next commit on; the protocol never goes down.
 */
async function setTableProperties(ctx: DdlContext, pinned: PinnedTable, properties: Record<string, string>): Promise<ExecuteDdlResult> {
  const { snapshot, handle } = pinned;
  const { changeDataFeed } = specFromProperties(properties);
  const configuration = { ...snapshot.metadata.configuration };
  if (changeDataFeed === true) configuration[CHANGE_DATA_FEED_PROPERTY] = 'true';
  else delete configuration[CHANGE_DATA_FEED_PROPERTY];
  const metadata = { ...snapshot.metadata, configuration };
  const tx = Transaction.forSnapshot(handle.store, snapshot, ctx.txOptions).updateMetadata(metadata);
  tx.upgradeProtocol(protocolFor(metadata));
  const commit = await tx.commit({ operation: 'SET TBLPROPERTIES', operationParameters: { properties: JSON.stringify(properties) } });
  const fresh = await ctx.catalog.snapshot(handle);
  return { action: 'ALTER_TABLE', tableName: handle.name, table: describeSnapshot(ctx.bucket, handle.name, fresh), version: Number(commit.version) };
}

/**
 * The Delta field of a changed column. A column whose DuckDB type did not change keeps its Delta
 * storage type (a TIMESTAMP column of an older k3 table stays Delta `timestamp` when only its
 * nullability or default changes: its files are not rewritten).
 */
function changedField(old: StructField | undefined, change: ChangedColumn, fresh: StructField): StructField {
  if (old === undefined || change.now.duckdbType !== change.old.duckdbType) return fresh;
  return { ...fresh, type: old.type };
}

async function runAll(ctx: DdlContext, statements: readonly string[]): Promise<void> {
  for (const sql of statements) {
    try {
      await ctx.conn.run(sql);
    } catch (err) {
      throw mapDuckDBError(err);
    }
  }
}

interface ChangedColumn {
  readonly old: IntrospectedColumn;
  readonly now: IntrospectedColumn;
}

/**
 * New trailing columns and changed columns (type, NOT NULL, DEFAULT). Dropped, renamed or moved
 * columns are refused with the seeds' advice; partition columns cannot change type.
 */
function diffDefinitions(before: IntrospectedTable, after: IntrospectedTable, partitionColumns: readonly string[]): { added: IntrospectedColumn[]; changed: ChangedColumn[] } {
  const afterNames = new Set(after.columns.map((c) => c.name));
  const changed: ChangedColumn[] = [];
  for (const [i, old] of before.columns.entries()) {
    const now = after.columns[i];
    if (!afterNames.has(old.name)) {
      const renamed = now !== undefined && after.columns.length >= before.columns.length && !before.columns.some((c) => c.name === now.name);
      if (renamed) {
        throw new AppError('ERR_SQL_UNSUPPORTED', `ALTER TABLE … RENAME COLUMN is not implemented (column "${old.name}"). Recreate the table with the new column name via CREATE TABLE AS SELECT.`, { column: old.name });
      }
      throw new AppError('ERR_SQL_UNSUPPORTED', `ALTER TABLE … DROP COLUMN is not implemented (column "${old.name}"). ${RECREATE}`, { column: old.name });
    }
    if (now === undefined || now.name !== old.name) {
      throw new AppError('ERR_SQL_UNSUPPORTED', `ALTER TABLE may only add columns at the end; column "${old.name}" moved. ${RECREATE}`, { column: old.name });
    }
    if (now.duckdbType === old.duckdbType && now.nullable === old.nullable && now.defaultExpression === old.defaultExpression) continue;
    if (now.duckdbType !== old.duckdbType && partitionColumns.includes(old.name)) {
      throw new AppError('ERR_SQL_UNSUPPORTED', `Partition column "${old.name}" cannot change its type; recreate the table via CREATE TABLE AS SELECT.`, { column: old.name });
    }
    changed.push({ old, now });
  }
  return { added: after.columns.slice(before.columns.length), changed };
}

/**
 * ALTER TABLE: DuckDB runs each action against a TEMP copy of the table definition; k3 diffs the
 * definition before and after. The only change k3 commits is new trailing columns (operation
 * ADD COLUMNS, several per statement); dropped, renamed or retyped columns and table renames are
 * refused with what to do instead.
 *
 * DuckDB fills existing rows of a column added WITH a DEFAULT with that default; to keep exactly
 * DuckDB's result, such an ADD COLUMN on a non-empty table rewrites the table's files in the same
 * commit (DuckDB computes the backfill). Without a default, existing files simply lack the column
 * and read as NULL — no rewrite.
 */
import type { ExecuteDdlResult } from '../api/index.ts';
import { assertValidColumnName, columnToField, describeSnapshot, duckdbTypeOf } from '../catalog/index.ts';
import { Transaction } from '../delta/index.ts';
import type { AddFile } from '../delta/actions.ts';
import type { StructType } from '../delta/schema.ts';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError, quoteIdentifier as q, writeDataFiles } from '../exec/index.ts';
import type { DdlContext } from './create-table.ts';
import type { StatementShape } from './pre-pass.ts';
import { introspectTempTable, toColumnSpecs, validateDefault, type IntrospectedColumn, type IntrospectedTable } from './table-introspection.ts';
import { targetTableDdl, WriteTarget } from './write-target.ts';

type AlterShape = Extract<StatementShape, { kind: 'alter-table' }>;

const SCRATCH = '__k3_alter';
const RECREATE = 'Recreate the table without the column via CREATE TABLE AS SELECT, or leave the column nullable.';

export async function alterTable(ctx: DdlContext, shape: AlterShape): Promise<ExecuteDdlResult> {
  const pinned = await ctx.tables.tryPin(shape.table);
  if (pinned === undefined) {
    if (shape.ifExists) return { action: 'NOOP', tableName: shape.table, version: '' };
    throw await ctx.catalog.notFound(ctx.store, ctx.bucket, shape.table);
  }
  const { snapshot, handle } = pinned;
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
  const added = addedColumns(before, after);
  if (added.length === 0) {
    return { action: 'NOOP', tableName: handle.name, table: describeSnapshot(ctx.bucket, handle.name, snapshot), version: String(snapshot.version) };
  }
  const specs = toColumnSpecs(added);
  for (const c of specs) {
    assertValidColumnName(c.name);
    await validateDefault(ctx.conn, c.name, c.defaultExpression, duckdbTypeOf(c.type));
  }
  const newFields = specs.map(columnToField);
  const schema: StructType = { type: 'struct', fields: [...snapshot.schema.fields, ...newFields] };
  const tx = Transaction.forSnapshot(handle.store, snapshot, ctx.txOptions)
    .updateMetadata({ ...snapshot.metadata, schemaString: JSON.stringify(schema) });

  if (specs.some((c) => c.defaultExpression !== '') && snapshot.files.length > 0) {
    // DuckDB backfills defaults into existing rows: let it, then rewrite every file.
    const target = await WriteTarget.create(ctx.conn, handle.name, snapshot.schema, snapshot.partitionColumns);
    await target.load(snapshot.files, await ctx.tables.localFiles(snapshot.files));
    await runAll(ctx, shape.actions.map((a) => `ALTER TABLE temp.main.${q(handle.name)} ${a}`));
    const adds: AddFile[] = await writeDataFiles(ctx.conn, { sql: `SELECT * FROM temp.main.${q(handle.name)}` }, {
      store: handle.store, root: handle.root, schema, partitionColumns: snapshot.partitionColumns, tmpDir: ctx.tmpDir, clock: ctx.clock,
    });
    tx.readWholeTable().removeFiles(snapshot.files).addFiles(adds);
  }
  const commit = await tx.commit({
    operation: 'ADD COLUMNS',
    operationParameters: { columns: JSON.stringify(newFields.map((column) => ({ column }))) },
  });
  const fresh = await ctx.catalog.snapshot(handle);
  return { action: 'ALTER_TABLE', tableName: handle.name, table: describeSnapshot(ctx.bucket, handle.name, fresh), version: String(commit.version) };
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

/** New trailing columns; any other difference is refused. */
function addedColumns(before: IntrospectedTable, after: IntrospectedTable): IntrospectedColumn[] {
  const afterNames = new Set(after.columns.map((c) => c.name));
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
    if (now.duckdbType !== old.duckdbType || now.nullable !== old.nullable || now.defaultExpression !== old.defaultExpression) {
      throw new AppError('ERR_SQL_UNSUPPORTED', `Changing column "${old.name}" (type, NOT NULL or DEFAULT) is not supported; only ADD COLUMN is. Recreate the table via CREATE TABLE AS SELECT with the new definition.`, { column: old.name });
    }
  }
  return after.columns.slice(before.columns.length);
}

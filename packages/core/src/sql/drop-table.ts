/**
 * DROP TABLE: deletes everything under the table root. The `_delta_log/` goes FIRST: the catalog
 * treats a prefix as a table only while its log has a commit or checkpoint, so the table leaves
 * the catalog with that one deleteMany; the data files go next (a crash in between leaves orphan
 * Parquet files under a prefix that is no longer a table, which a later DROP or CREATE ignores).
 *
 * With an idempotency key, a DROP of a table that is not there answers DROP_TABLE (the retry of a
 * DROP whose answer was lost must not turn into ERR_TABLE_NOT_FOUND).
 *
 * Not atomic against concurrent writers: a commit racing with the DROP can land after the log
 * is gone and leave a log without version 0 (reads then fail with ERR_DELTA_LOG_CORRUPT and
 * DROP TABLE removes it again).
 */
import type { ExecuteDdlResult } from '../api/index.ts';
import { deltaLogPrefix } from '../object-store/paths.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { DdlContext } from './create-table.ts';
import type { StatementShape } from './pre-pass.ts';

type DropShape = Extract<StatementShape, { kind: 'drop-table' }>;

const DELETE_BATCH = 1000;

export async function dropTable(ctx: DdlContext, shape: DropShape): Promise<ExecuteDdlResult> {
  const pinned = await ctx.tables.tryPin(shape.table);
  if (pinned === undefined) {
    if (shape.ifExists) return { action: 'NOOP', tableName: shape.table };
    // A retry (same idempotency key) of a DROP whose first attempt landed: the table is gone, as asked.
    if (ctx.idempotencyKey !== undefined) return { action: 'DROP_TABLE', tableName: shape.table };
    throw await ctx.catalog.notFound(ctx.store, ctx.bucket, shape.table);
  }
  const { handle, snapshot } = pinned;
  await deletePrefix(handle.store, deltaLogPrefix(handle.root));
  await deletePrefix(handle.store, handle.root);
  ctx.catalog.forget(handle);
  return { action: 'DROP_TABLE', tableName: handle.name, version: Number(snapshot.version) };
}

async function deletePrefix(store: ObjectStore, prefix: string): Promise<void> {
  const { objects } = await store.list(prefix);
  const keys = objects.map((o) => o.key);
  for (let i = 0; i < keys.length; i += DELETE_BATCH) await store.deleteMany(keys.slice(i, i + DELETE_BATCH));
}

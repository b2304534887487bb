/**
 * dispatchKeyedWrite: the fork in executeWrite for tables WITH merge keys. Keyed statements go to
 * the write log (executeKeyedWrite) and are done; the others (NON_KEYED_*, MERGE not on the keys,
 * TRUNCATE) continue straight to Delta, but first drain the log up to the head seen now and re-pin
 * the target on the drained snapshot; the caller then stamps its commit with `markIncorporated`
 * (txn k3-wal), so a drain can never apply an older record over this direct write (the overwrite
 * hazard, docs/design/wal-and-compaction.md "Non-keyed writes"). Undefined for tables without keys.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ExecuteWriteResult, WriteStrategy } from '../api/index.ts';
import { primaryKeyOf } from '../catalog/index.ts';
import { drainBeforeDirectWrite } from '../compaction/direct-write.ts';
import type { HtapRuntime } from './htap-runtime.ts';
import { routeKeyedWrite } from './keyed-route.ts';
import { executeKeyedWrite } from './keyed-write.ts';
import { tryKeyedRowFastPath } from './keyed-row-fast-path.ts';
import { pointRoute, tryKeyedPointWrite } from './keyed-point-write.ts';
import type { PrePassed } from './pre-pass.ts';
import type { PinnedTable, RequestTables } from './request-tables.ts';
import type { DmlShape } from './route-write.ts';

export type KeyedDispatch =
  | { readonly kind: 'wal'; readonly result: ExecuteWriteResult }
  | { readonly kind: 'delta'; readonly pinned: PinnedTable; readonly strategy: WriteStrategy };

export async function dispatchKeyedWrite(
  ctx: { conn: DuckDBConnection; tables: RequestTables; htap?: HtapRuntime | undefined; idempotencyKey?: string | undefined },
  statement: PrePassed, shape: DmlShape, pinned: PinnedTable,
): Promise<KeyedDispatch | undefined> {
  const { htap } = ctx;
  const keys = primaryKeyOf(pinned.snapshot.metadata);
  if (htap === undefined || keys.length === 0) return undefined;
  // UPDATE / DELETE pinning every key to a literal: routed from the tokens (no AST round trip).
  const route = (htap.keyedRowFastPath ? pointRoute(statement, shape, keys) : undefined) ?? await routeKeyedWrite(ctx.conn, statement, shape, keys);
  if (route.path === 'wal') {
    // Single-row VALUES inserts / upserts, UPDATE / DELETE by the full key: a few DuckDB calls
    // (keyed-row-fast-path.ts, keyed-point-write.ts); undefined = the general path.
    const fastCtx = { conn: ctx.conn, tables: ctx.tables, htap, idempotencyKey: ctx.idempotencyKey };
    const fast = await tryKeyedRowFastPath(fastCtx, statement, shape, pinned, route) ?? await tryKeyedPointWrite(fastCtx, statement, shape, pinned, route);
    if (fast !== undefined) return { kind: 'wal', result: fast };
    return { kind: 'wal', result: await executeKeyedWrite({ conn: ctx.conn, tables: ctx.tables, htap, idempotencyKey: ctx.idempotencyKey }, statement, shape, pinned, route) };
  }
  const { handle } = pinned;
  const drained = await drainBeforeDirectWrite(handle.store, handle.root, htap.drainDeps);
  return { kind: 'delta', pinned: ctx.tables.repin(pinned, drained.snapshot), strategy: route.strategy };
}

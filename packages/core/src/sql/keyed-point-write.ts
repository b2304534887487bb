/**
 * tryKeyedPointWrite: `UPDATE t SET … WHERE k = <literal> [AND k2 = <literal>]` and
 * `DELETE FROM t WHERE …` (the same predicate: every key column pinned, nothing else) in a few
 * DuckDB calls — the fast path of docs/design/keyed-row-fast-path.md for updates and deletes by key.
 * Undefined = not handled, nothing written: the general keyed-write path runs (and reports every
 * error, exactly as before).
 *
 *   key text from the predicate's tokens (integer and VARCHAR keys; canonical as DuckDB prints it)
 *   warm state ─▶ the key's STRONG row: overlay image / tombstone / the located Delta files' row
 *   ONE call: CREATE TEMP TABLE t (exact DDL) ; load that row ; the user's statement  → DuckDB's count
 *   UPDATE: ONE call capturing the row + CHECK / round-trip flags; a changed key → general path
 *   DELETE: the key's tombstone
 *   ─▶ WalWriter.append (group commit) ─▶ ack once durable
 */
import { WriteStrategy, type ExecuteWriteResult } from '../api/index.ts';
import { keyString, type WalTableShape, type WalValue } from '../wal/index.ts';
import { literalText } from './key-literals.ts';
import type { KeyedRoute } from './keyed-route.ts';
import { capturedRow, runFastWrite, runOverOldRow, type FastPathContext } from './keyed-row-fast-path.ts';
import type { PrePassed } from './pre-pass.ts';
import type { PinnedTable } from './request-tables.ts';
import type { DmlShape } from './route-write.ts';
import { identifierOf, isPunct, isWord, type Token } from './sql-tokens.ts';
import { targetTableDdl } from './write-target.ts';

/** The WHERE token index of an UPDATE / DELETE naming nothing but its target, else undefined. */
function pointWhere(statement: PrePassed, shape: DmlShape): number | undefined {
  const { tokens } = statement;
  const del = shape.verb === 'DELETE';
  if ((shape.verb !== 'UPDATE' && !del) || shape.returning) return undefined;
  // Nothing but the target is named: no subquery, no UPDATE … FROM, no DELETE … USING.
  const refused = tokens.some((t, i) => t.text === ';' || isWord(t, 'SELECT', 'TABLE', 'USING', 'WITH') || (isWord(t, 'FROM') && !(del && i === 1)));
  if (refused) return undefined;
  const where = tokens.findIndex((t) => t.depth === 0 && isWord(t, 'WHERE'));
  return where < 0 ? undefined : where;
}

/** `key = [-]literal` per key column, AND-ed, nothing else after WHERE; undefined for any other predicate. */
function pinnedLiterals(tokens: readonly Token[], where: number, keys: readonly string[]): Map<string, { lit: Token; neg: boolean }> | undefined {
  const values = new Map<string, { lit: Token; neg: boolean }>();
  let i = where + 1;
  for (;;) {
    const col = tokens[i];
    if (col === undefined || (col.kind !== 'word' && col.kind !== 'quoted') || !isPunct(tokens[i + 1], '=')) return undefined;
    const key = keys.find((k) => k.toLowerCase() === identifierOf(col).toLowerCase());
    if (key === undefined || values.has(key)) return undefined;
    const neg = isPunct(tokens[i + 2], '-');
    const lit = tokens[i + (neg ? 3 : 2)];
    if (lit === undefined || (lit.kind !== 'number' && lit.kind !== 'string')) return undefined;
    values.set(key, { lit, neg });
    i += neg ? 4 : 3;
    if (i === tokens.length) break;
    if (!isWord(tokens[i], 'AND')) return undefined;
    i++;
  }
  return values.size === keys.length ? values : undefined;
}

/**
 * The route of an UPDATE / DELETE whose predicate pins every key column to a literal, read from
 * the tokens alone — what routeKeyedWrite's AST would say ('point'), without its DuckDB call.
 */
export function pointRoute(statement: PrePassed, shape: DmlShape, keys: readonly string[]): KeyedRoute | undefined {
  const where = pointWhere(statement, shape);
  if (where === undefined || pinnedLiterals(statement.tokens, where, keys) === undefined) return undefined;
  return { strategy: shape.verb === 'UPDATE' ? WriteStrategy.KEYED_UPDATE : WriteStrategy.KEYED_DELETE, path: 'wal' };
}

/** Key text per key column (DuckDB's text of the literal cast to the key type), or undefined. */
export function pinnedKey(tokens: readonly Token[], where: number, wal: WalTableShape): WalValue[] | undefined {
  const values = pinnedLiterals(tokens, where, wal.primaryKey);
  if (values === undefined) return undefined;
  const out: WalValue[] = [];
  for (const k of wal.primaryKey) {
    const { lit, neg } = values.get(k)!;
    const text = literalText(lit, neg, wal.columns.find((c) => c.name === k)!.type);
    if (text === undefined) return undefined;
    out.push(text);
  }
  return out;
}

export async function tryKeyedPointWrite(ctx: FastPathContext, statement: PrePassed, shape: DmlShape, pinned: PinnedTable, route: KeyedRoute): Promise<ExecuteWriteResult | undefined> {
  if (!ctx.htap.keyedRowFastPath || ctx.tables.params.length > 0) return undefined;
  if (route.strategy !== WriteStrategy.KEYED_UPDATE && route.strategy !== WriteStrategy.KEYED_DELETE) return undefined;
  const where = pointWhere(statement, shape);
  if (where === undefined) return undefined;
  const { handle } = pinned;
  return runFastWrite(ctx, pinned, route, async (scope) => {
    const { snapshot, wal, name } = scope;
    const tuple = pinnedKey(statement.tokens, where, wal);
    if (tuple === undefined) return undefined;
    // No PRIMARY KEY on the target, as on the general path (DuckDB refuses some updates of indexed columns).
    const rowsAffected = await runOverOldRow(ctx, handle.store, scope, tuple, [targetTableDdl(handle.name, snapshot.schema)], statement.sql);
    if (rowsAffected === undefined || rowsAffected > 1) return undefined;
    if (rowsAffected === 0) return { rowsAffected, upserts: [], deletes: [] };
    if (shape.verb === 'DELETE') return { rowsAffected, upserts: [], deletes: [tuple] };
    const row = await capturedRow(ctx.conn, [], name, wal, snapshot);
    const keyIndex = wal.primaryKey.map((k) => wal.columns.findIndex((c) => c.name === k));
    // A row moved to another key needs the new key's clash check: the general path does it.
    if (row === undefined || keyString(keyIndex.map((i) => row[i] ?? null)) !== keyString(tuple)) return undefined;
    return { rowsAffected, upserts: [row], deletes: [] };
  });
}

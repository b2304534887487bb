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
import { recordedRequest } from '../delta/index.ts';
import { quoteIdentifier as q } from '../exec/index.ts';
import { keyString, walTableShape, type WalTableShape, type WalValue } from '../wal/index.ts';
import { INTEGER_KEY_RANGES } from '../wal/key-locator.ts';
import type { KeyedRoute } from './keyed-route.ts';
import { capturedRow, oldRowLoad, plainSchema, SEP, type FastPathContext } from './keyed-row-fast-path.ts';
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

/** DuckDB's text of an integer or string literal cast to the key type; undefined when unsure. */
function literalText(lit: Token, neg: boolean, type: string): string | undefined {
  const range = INTEGER_KEY_RANGES.get(type);
  if (range !== undefined) {
    if (lit.kind !== 'number' || !/^[0-9]+$/.test(lit.text)) return undefined;
    const v = neg ? -BigInt(lit.text) : BigInt(lit.text);
    return v >= range[0] && v <= range[1] ? v.toString() : undefined;
  }
  if (type === 'VARCHAR' && !neg && lit.kind === 'string' && lit.text.startsWith("'") && lit.text.endsWith("'") && lit.text.length >= 2) {
    return lit.text.slice(1, -1).replaceAll("''", "'");
  }
  return undefined;
}

export async function tryKeyedPointWrite(ctx: FastPathContext, statement: PrePassed, shape: DmlShape, pinned: PinnedTable, route: KeyedRoute): Promise<ExecuteWriteResult | undefined> {
  if (!ctx.htap.keyedRowFastPath || ctx.tables.params.length > 0) return undefined;
  if (route.strategy !== WriteStrategy.KEYED_UPDATE && route.strategy !== WriteStrategy.KEYED_DELETE) return undefined;
  const where = pointWhere(statement, shape);
  if (where === undefined) return undefined;
  const { conn, htap, idempotencyKey } = ctx;
  const { handle } = pinned;
  const warm = await htap.warm.acquire(handle.store, handle.root, pinned.snapshot);
  try {
    const { snapshot, overlay } = warm;
    const recorded = recordedRequest(snapshot.txns, idempotencyKey) ?? (idempotencyKey === undefined ? undefined : overlay.requests.get(idempotencyKey));
    if (recorded !== undefined) return { tableName: handle.name, strategy: route.strategy, rowsAffected: Number(recorded), version: Number(snapshot.version) };
    if (!plainSchema(snapshot)) return undefined;
    const wal = walTableShape(snapshot);
    const tuple = pinnedKey(statement.tokens, where, wal);
    if (tuple === undefined) return undefined;
    const name = q(handle.name);
    const fallback = async (): Promise<undefined> => {
      await conn.run(`DROP TABLE IF EXISTS temp.main.${name}`);
      return undefined;
    };
    // No PRIMARY KEY on the target, as on the general path (DuckDB refuses some updates of indexed columns).
    const old = await oldRowLoad(ctx, handle.store, overlay, snapshot, wal, tuple, name);
    let rowsAffected: number;
    try {
      rowsAffected = (await conn.run([targetTableDdl(handle.name, snapshot.schema), ...old.load, statement.sql].join(SEP))).rowsChanged;
    } catch {
      return await fallback();
    } finally {
      old.release();
    }
    if (rowsAffected > 1) return await fallback();
    let upserts: WalValue[][] = [];
    let deletes: WalValue[][] = [];
    if (rowsAffected === 1 && shape.verb === 'DELETE') deletes = [tuple];
    if (rowsAffected === 1 && shape.verb === 'UPDATE') {
      const row = await capturedRow(conn, [], name, wal, snapshot);
      const keyIndex = wal.primaryKey.map((k) => wal.columns.findIndex((c) => c.name === k));
      // A row moved to another key needs the new key's clash check: the general path does it.
      if (row === undefined || keyString(keyIndex.map((i) => row[i] ?? null)) !== keyString(tuple)) return await fallback();
      upserts = [row];
    }
    if (upserts.length > 0 || deletes.length > 0 || idempotencyKey !== undefined) {
      await htap.writer(handle.store).append(snapshot.root, {
        tableId: wal.tableId, schemaFingerprint: wal.fingerprint, columns: wal.columns, primaryKey: wal.primaryKey, upserts, deletes,
        ...(idempotencyKey !== undefined ? { idempotency: { key: idempotencyKey, rowsAffected } } : {}),
      });
    }
    return { tableName: handle.name, strategy: route.strategy, rowsAffected, version: Number(snapshot.version) };
  } finally {
    warm.release();
  }
}

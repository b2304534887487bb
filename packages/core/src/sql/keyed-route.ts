/**
 * routeKeyedWrite: the WriteStrategy of a DML statement on a table WITH merge keys
 * (`k3.primaryKey`), and whether it goes to the write log ('wal') or straight to Delta ('delta')
 * (docs/design/wal-and-compaction.md, "Integration").
 *
 *   INSERT … VALUES one row / many rows / INSERT … SELECT ─▶ KEYED_INSERT_SINGLE / _BULK / _FROM_SELECT
 *   UPDATE / DELETE: the WHERE predicate's AST (DuckDB's own parser) ─▶
 *     every key column pinned by `key = constant` (AND-ed)     ─▶ KEYED_UPDATE / KEYED_DELETE
 *     a key column under BETWEEN, <, >, <=, >=, IN (list), =  ─▶ KEYED_RANGE / KEYED_RANGE_DELETE
 *     `key IN (SELECT …)`                                      ─▶ KEYED_FROM_SUBQUERY / KEYED_DELETE_FROM_SUBQUERY
 *     anything else (no WHERE, OR at the top, non-key filters) ─▶ NON_KEYED_* on Delta
 *   MERGE whose ON equates every key column ─▶ MERGE_ROWS / _QUERY / _TABLE through the log, else on Delta
 *   TRUNCATE ─▶ NON_KEYED_DELETE on Delta
 *
 * json_serialize_sql only serializes SELECT statements, so the WHERE (or ON) clause is cut out of
 * the token stream and wrapped as `SELECT 1 WHERE <predicate>`; DuckDB parses it and we read the
 * expression tree. A predicate DuckDB cannot serialize routes to Delta (always correct: both paths
 * run the statement with DuckDB's semantics; the route only decides where the rows go).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { WriteStrategy } from '../api/index.ts';
import type { PrePassed } from './pre-pass.ts';
import { clauseText, routeWrite, type DmlShape } from './route-write.ts';
import { isPunct, isWord, type Token } from './sql-tokens.ts';

export interface KeyedRoute {
  readonly strategy: WriteStrategy;
  readonly path: 'wal' | 'delta';
}

/** How a predicate constrains the merge keys. */
export type KeyScope = 'point' | 'range' | 'subquery' | 'none';

export interface AstNode {
  readonly class?: string;
  readonly type?: string;
  readonly column_names?: string[];
  readonly children?: AstNode[];
  readonly left?: AstNode;
  readonly right?: AstNode;
  readonly input?: AstNode;
  readonly child?: AstNode;
  readonly subquery_type?: string;
}

const RANGE_COMPARISONS = new Set(['COMPARE_LESSTHAN', 'COMPARE_GREATERTHAN', 'COMPARE_LESSTHANOREQUALTO', 'COMPARE_GREATERTHANOREQUALTO']);

export async function routeKeyedWrite(conn: DuckDBConnection, statement: PrePassed, shape: DmlShape, mergeKeys: readonly string[]): Promise<KeyedRoute> {
  const { sql, tokens } = statement;
  switch (shape.verb) {
    case 'INSERT': {
      const rows = insertedRowGroups(tokens);
      if (rows === undefined) return { strategy: WriteStrategy.KEYED_INSERT_FROM_SELECT, path: 'wal' };
      return { strategy: rows === 1 ? WriteStrategy.KEYED_INSERT_SINGLE : WriteStrategy.KEYED_INSERT_BULK, path: 'wal' };
    }
    case 'TRUNCATE':
      return { strategy: WriteStrategy.NON_KEYED_DELETE, path: 'delta' };
    case 'MERGE': {
      const on = clauseText(sql, tokens, 'ON', ['WHEN']);
      const tree = on === undefined ? undefined : await predicateAst(conn, on);
      const keyed = tree !== undefined && keysEquated(tree, mergeKeys);
      return { strategy: routeWrite(shape, tokens, mergeKeys).strategy, path: keyed ? 'wal' : 'delta' };
    }
    case 'UPDATE':
    case 'DELETE': {
      const where = clauseText(sql, tokens, 'WHERE', ['RETURNING']);
      const tree = where === undefined ? undefined : await predicateAst(conn, where);
      // UPDATE … FROM joins another relation: the rows it touches are not pinned by the predicate alone.
      const joins = shape.verb === 'UPDATE' && tokens.some((t) => t.depth === 0 && isWord(t, 'FROM'));
      const scope = tree === undefined || joins ? 'none' : keyScope(tree, mergeKeys);
      const update = shape.verb === 'UPDATE';
      switch (scope) {
        case 'point': return { strategy: update ? WriteStrategy.KEYED_UPDATE : WriteStrategy.KEYED_DELETE, path: 'wal' };
        case 'range': return { strategy: update ? WriteStrategy.KEYED_RANGE : WriteStrategy.KEYED_RANGE_DELETE, path: 'wal' };
        case 'subquery': return { strategy: update ? WriteStrategy.KEYED_FROM_SUBQUERY : WriteStrategy.KEYED_DELETE_FROM_SUBQUERY, path: 'wal' };
        case 'none': return { strategy: update ? WriteStrategy.NON_KEYED_UPDATE : WriteStrategy.NON_KEYED_DELETE, path: 'delta' };
      }
    }
  }
}

/** Rows of `INSERT … VALUES (…), (…)` (1 for DEFAULT VALUES); undefined for INSERT … SELECT. */
export function insertedRowGroups(tokens: readonly Token[]): number | undefined {
  const top = tokens.filter((t) => t.depth === 0);
  const at = top.findIndex((t) => isWord(t, 'VALUES'));
  if (at < 0 || top.some((t) => isWord(t, 'SELECT', 'FROM'))) return undefined;
  if (isWord(top[at - 1], 'DEFAULT')) return 1;
  let rows = 1;
  for (let i = at + 1; i < top.length; i++) {
    const t = top[i]!;
    if (isWord(t, 'ON', 'RETURNING')) break;
    if (isPunct(t, ',')) rows++;
  }
  return rows;
}

/**
 * Predicate text → DuckDB's answer (a read-only tree; undefined: not serializable). It depends on
 * the text alone, so repeats (a MERGE's ON clause, asked by routing and by merge-scope.ts, and again
 * by the next statement of the same shape) cost no DuckDB call. Bounded; failures are not kept.
 */
const predicateAsts = new Map<string, AstNode | undefined>();
const PREDICATE_CACHE_ENTRIES = 256;
const PREDICATE_CACHE_CHARS = 4096;

/** DuckDB's expression tree of a predicate, or undefined when DuckDB cannot serialize it. */
export async function predicateAst(conn: DuckDBConnection, predicate: string): Promise<AstNode | undefined> {
  if (predicateAsts.has(predicate)) return predicateAsts.get(predicate);
  const text = `SELECT 1 WHERE ${predicate}`;
  try {
    const reader = await conn.runAndReadAll(`SELECT json_serialize_sql('${text.replaceAll("'", "''")}')::VARCHAR`);
    const json = JSON.parse(String(reader.getRows()[0]?.[0])) as { error?: boolean; statements?: { node?: { where_clause?: AstNode } }[] };
    const tree = json.error === true ? undefined : (json.statements?.[0]?.node?.where_clause ?? undefined);
    if (predicate.length <= PREDICATE_CACHE_CHARS) {
      if (predicateAsts.size >= PREDICATE_CACHE_ENTRIES) predicateAsts.delete(predicateAsts.keys().next().value!);
      predicateAsts.set(predicate, tree);
    }
    return tree;
  } catch {
    return undefined;
  }
}

export function conjuncts(node: AstNode): AstNode[] {
  if (node.type === 'CONJUNCTION_AND') return (node.children ?? []).flatMap(conjuncts);
  return [node];
}

function keyColumn(node: AstNode | undefined, keys: readonly string[]): string | undefined {
  if (node?.class !== 'COLUMN_REF') return undefined;
  const name = node.column_names?.at(-1)?.toLowerCase();
  return keys.find((k) => k.toLowerCase() === name);
}

const isConstant = (node: AstNode | undefined): boolean => node?.class === 'CONSTANT' || node?.class === 'PARAMETER' || (node?.class === 'CAST' && isConstant(node.child));

/** Point when every key is pinned by `key = constant`; else the widest key-driven access found. */
export function keyScope(tree: AstNode, keys: readonly string[]): KeyScope {
  const pinned = new Set<string>();
  let range = false;
  let subquery = false;
  for (const c of conjuncts(tree)) {
    if (c.type === 'COMPARE_EQUAL') {
      const k = keyColumn(c.left, keys) ?? keyColumn(c.right, keys);
      const other = keyColumn(c.left, keys) !== undefined ? c.right : c.left;
      if (k !== undefined && isConstant(other)) pinned.add(k);
    } else if (c.type !== undefined && RANGE_COMPARISONS.has(c.type)) {
      if ((keyColumn(c.left, keys) && isConstant(c.right)) || (keyColumn(c.right, keys) && isConstant(c.left))) range = true;
    } else if (c.type === 'COMPARE_BETWEEN') {
      if (keyColumn(c.input, keys) !== undefined) range = true;
    } else if (c.type === 'COMPARE_IN') {
      const [first, ...rest] = c.children ?? [];
      if (keyColumn(first, keys) !== undefined && rest.every(isConstant)) range = true;
    } else if (c.class === 'SUBQUERY' && c.subquery_type === 'ANY') {
      if (keyColumn(c.child, keys) !== undefined) subquery = true;
    }
  }
  if (keys.every((k) => pinned.has(k))) return 'point';
  if (subquery) return 'subquery';
  if (range || pinned.size > 0) return 'range';
  return 'none';
}

/** MERGE … ON: every key column appears in an equality of the AND-ed conditions. */
export function keysEquated(tree: AstNode, keys: readonly string[]): boolean {
  const equated = new Set<string>();
  for (const c of conjuncts(tree)) {
    if (c.type !== 'COMPARE_EQUAL') continue;
    for (const side of [c.left, c.right]) {
      const k = keyColumn(side, keys);
      if (k !== undefined) equated.add(k);
    }
  }
  return keys.every((k) => equated.has(k));
}

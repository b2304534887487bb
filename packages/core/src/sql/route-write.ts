/**
 * routeWrite: which WriteStrategy a DML statement takes. Today every write goes straight to Delta
 * (the NON_KEYED_* and MERGE_* strategies); this is the seam where the HTAP work will send writes
 * whose predicate matches the table's merge keys to the write log (KEYED_*) instead.
 */
import { WriteStrategy } from '../api/index.ts';
import type { StatementShape } from './pre-pass.ts';
import { isPunct, isWord, type Token } from './sql-tokens.ts';

export type DmlShape = Extract<StatementShape, { kind: 'dml' }>;

export interface WriteRoute {
  readonly strategy: WriteStrategy;
  /** Where the rows go. Only 'delta' exists until the write log lands. */
  readonly path: 'delta';
}

export function routeWrite(shape: DmlShape, tokens: readonly Token[], _mergeKeys: readonly string[]): WriteRoute {
  switch (shape.verb) {
    case 'INSERT':
      return { strategy: insertsLiteralRows(tokens) ? WriteStrategy.NON_KEYED_INSERT : WriteStrategy.NON_KEYED_INSERT_FROM_SELECT, path: 'delta' };
    case 'UPDATE':
      return { strategy: WriteStrategy.NON_KEYED_UPDATE, path: 'delta' };
    case 'DELETE':
    case 'TRUNCATE':
      return { strategy: WriteStrategy.NON_KEYED_DELETE, path: 'delta' };
    case 'MERGE':
      return { strategy: mergeSourceStrategy(tokens), path: 'delta' };
  }
}

/** `INSERT … VALUES (…)` or `DEFAULT VALUES` (rows written in the statement) vs `INSERT … SELECT`. */
function insertsLiteralRows(tokens: readonly Token[]): boolean {
  const top = tokens.filter((t) => t.depth === 0);
  return top.some((t) => isWord(t, 'VALUES')) && !top.some((t) => isWord(t, 'SELECT', 'FROM'));
}

/** MERGE … USING (VALUES …) → rows; USING (query) → query; USING table → table. */
function mergeSourceStrategy(tokens: readonly Token[]): WriteStrategy {
  const using = tokens.findIndex((t) => t.depth === 0 && isWord(t, 'USING'));
  const next = tokens[using + 1];
  if (using < 0 || next === undefined) return WriteStrategy.MERGE_QUERY;
  if (!isPunct(next, '(')) return WriteStrategy.MERGE_TABLE;
  return isWord(tokens[using + 2], 'VALUES') ? WriteStrategy.MERGE_ROWS : WriteStrategy.MERGE_QUERY;
}

/** The text of the depth-0 clause after `keyword` (WHERE / ON), for commitInfo's `predicate`. */
export function clauseText(sql: string, tokens: readonly Token[], keyword: string, stopWords: readonly string[]): string | undefined {
  const at = tokens.findIndex((t) => t.depth === 0 && isWord(t, keyword));
  if (at < 0 || tokens[at + 1] === undefined) return undefined;
  let end = tokens.length;
  for (let i = at + 1; i < tokens.length; i++) {
    if (tokens[i]!.depth === 0 && isWord(tokens[i], ...stopWords)) { end = i; break; }
  }
  if (end <= at + 1) return undefined;
  return sql.slice(tokens[at + 1]!.start, tokens[end - 1]!.end);
}

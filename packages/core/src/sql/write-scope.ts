/**
 * Write scope: which data files an UPDATE / DELETE / MERGE must load and rewrite.
 *
 * The exact, general answer is "load every file and diff" (write-target.ts). For the common shape
 * — UPDATE/DELETE whose only reference to its own table is the target — DuckDB can answer it
 * up front: the rows the statement touches are exactly the rows its WHERE (with the UPDATE … FROM
 * / DELETE … USING relations) selects, so a probe
 *   [WITH …] SELECT DISTINCT "__k3_file" FROM <table with a file column> [alias] [, from] WHERE <pred>
 * run by DuckDB names the files to load, and every loaded file is rewritten (no diff needed).
 * The probe reuses the user's own text for alias, FROM/USING list and predicate; if DuckDB cannot
 * bind it, the engine falls back to the general path. The table must not be read anywhere else
 * in the statement (a subquery over it would see only the loaded files), so any other mention of
 * its name (other than `name.column`) selects the general path. MERGE probes with
 *   SELECT DISTINCT "__k3_file" FROM <table> [alias] JOIN <source> ON <condition>
 * unless it has WHEN NOT MATCHED BY SOURCE (which touches the rows that do not join).
 */
import { isPunct, isWord, identifierOf, type Token } from './sql-tokens.ts';
import type { PrePassed } from './pre-pass.ts';
import type { DmlShape } from './route-write.ts';

export const FILE_COLUMN = '__k3_file';

export type WriteScope =
  /** Load every file, diff before/after (MERGE, upserts, self-referencing statements). */
  | { kind: 'diff' }
  /** No WHERE: every row is touched, every file is rewritten. */
  | { kind: 'all' }
  /** Load only the files the probe names; all of them are rewritten. */
  | { kind: 'probe'; sql: string };

export function planWriteScope(statement: PrePassed, shape: DmlShape): WriteScope {
  if (shape.verb === 'TRUNCATE') return { kind: 'all' };
  if (shape.verb !== 'UPDATE' && shape.verb !== 'DELETE' && shape.verb !== 'MERGE') return { kind: 'diff' };
  const { sql, tokens } = statement;
  const verbAt = tokens.findIndex((t) => t.depth === 0 && isWord(t, 'UPDATE', 'DELETE', 'MERGE'));
  if (verbAt < 0) return { kind: 'diff' };
  const nameAt = shape.verb === 'UPDATE' ? verbAt + 1 : verbAt + 2;
  let nameEnd = nameAt + 1;
  while (isPunct(tokens[nameEnd], '.')) nameEnd += 2;
  if (readsTableElsewhere(tokens, shape.table, nameAt, nameEnd)) return { kind: 'diff' };

  const top = (from: number, ...words: string[]): number => {
    for (let i = from; i < tokens.length; i++) if (tokens[i]!.depth === 0 && isWord(tokens[i], ...words)) return i;
    return -1;
  };
  const text = (a: number, b: number): string => (b > a ? sql.slice(tokens[a]!.start, tokens[b - 1]!.end) : '');
  const withPrefix = verbAt > 0 ? `${text(0, verbAt)} ` : '';
  const quotedTable = `"${shape.table.replaceAll('"', '""')}"`;
  if (shape.verb === 'MERGE') {
    // Target rows a MERGE touches all join the source on the ON condition — unless a WHEN NOT
    // MATCHED BY SOURCE clause acts on the rows that do not.
    const bySource = tokens.some((t, i) => t.depth === 0 && isWord(t, 'MATCHED') && isWord(tokens[i + 1], 'BY') && isWord(tokens[i + 2], 'SOURCE'));
    const using = top(nameEnd, 'USING');
    const on = using < 0 ? -1 : top(using + 1, 'ON');
    const when = on < 0 ? -1 : top(on + 1, 'WHEN');
    if (bySource || using < 0 || on < 0 || when < 0 || on === using + 1 || when === on + 1) return { kind: 'diff' };
    const alias = text(nameEnd, using);
    const probe = `${withPrefix}SELECT DISTINCT "${FILE_COLUMN}" FROM ${quotedTable}${alias === '' ? '' : ` ${alias}`} JOIN ${text(using + 1, on)} ON ${text(on + 1, when)}`;
    return { kind: 'probe', sql: probe };
  }
  const where = top(nameEnd, 'WHERE');
  if (where < 0) return { kind: 'all' };
  const returning = top(where, 'RETURNING');
  const predEnd = returning < 0 ? tokens.length : returning;
  if (predEnd <= where + 1) return { kind: 'diff' };

  let alias: string;
  let extra = '';
  if (shape.verb === 'UPDATE') {
    const set = top(nameEnd, 'SET');
    if (set < 0 || set > where) return { kind: 'diff' };
    alias = text(nameEnd, set);
    const from = top(set, 'FROM');
    if (from >= 0 && from < where) extra = text(from + 1, where);
  } else {
    const using = top(nameEnd, 'USING');
    const aliasEnd = using >= 0 && using < where ? using : where;
    alias = text(nameEnd, aliasEnd);
    if (aliasEnd === using) extra = text(using + 1, where);
  }
  const target = `${quotedTable}${alias === '' ? '' : ` ${alias}`}`;
  const probe = `${withPrefix}SELECT DISTINCT "${FILE_COLUMN}" FROM ${target}${extra === '' ? '' : `, ${extra}`} WHERE ${text(where + 1, predEnd)}`;
  return { kind: 'probe', sql: probe };
}

/** Any mention of `table` outside the target name that is not a `table.column` qualifier. */
function readsTableElsewhere(tokens: readonly Token[], table: string, nameAt: number, nameEnd: number): boolean {
  const lower = table.toLowerCase();
  return tokens.some((t, i) => {
    if (i >= nameAt && i < nameEnd) return false;
    if (t.kind !== 'word' && t.kind !== 'quoted') return false;
    if (identifierOf(t).toLowerCase() !== lower) return false;
    return !isPunct(tokens[i + 1], '.');
  });
}

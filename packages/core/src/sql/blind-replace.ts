/**
 * isBlindReplace: `INSERT OR REPLACE INTO <table> SELECT | VALUES | FROM | DEFAULT VALUES …` with no
 * column list, no alias, no ON CONFLICT, not reading its own table. Every row it writes replaces
 * ALL columns of an existing row with the same key (DuckDB: OR REPLACE = ON CONFLICT DO UPDATE SET
 * every column = EXCLUDED.column), so the statement's result does not depend on the table's rows:
 * run on an EMPTY copy of the table (with its PRIMARY KEY) it yields exactly the row images the
 * real table would end with for the keys it names, and it deletes nothing.
 *
 * A keyed write of this shape therefore needs no "before" (no dry run, no load of the STRONG rows
 * of its keys, no shadow copy, no new-key check, no tombstone capture): docs/design/hot-path.md,
 * "Bulk upserts". Anything else (a column list keeps unlisted columns of the old row, ON CONFLICT
 * may read the old row, OR IGNORE keeps it) takes the general path.
 */
import type { PrePassed } from './pre-pass.ts';
import type { DmlShape } from './route-write.ts';
import { isPunct, isWord } from './sql-tokens.ts';

export function isBlindReplace(statement: PrePassed, shape: DmlShape): boolean {
  if (shape.verb !== 'INSERT' || !shape.upsert || shape.selfReference) return false;
  const t = statement.tokens;
  if (!isWord(t[0], 'INSERT') || !isWord(t[1], 'OR') || !isWord(t[2], 'REPLACE') || !isWord(t[3], 'INTO')) return false;
  let j = 4;
  for (;;) {
    const name = t[j];
    if (name === undefined || (name.kind !== 'word' && name.kind !== 'quoted')) return false;
    j++;
    if (!isPunct(t[j], '.')) break;
    j++;
  }
  if (!isWord(t[j], 'SELECT', 'VALUES', 'FROM', 'DEFAULT')) return false;
  return !t.some((tok, k) => tok.depth === 0 && isWord(tok, 'CONFLICT') && isWord(t[k - 1], 'ON'));
}

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
 *
 * isBlindUpsert: the PostgreSQL spelling of the same thing, `INSERT INTO t [(cols)] … ON CONFLICT
 * [(key)] DO UPDATE SET c = EXCLUDED.c, …` assigning EVERY non-key column from EXCLUDED, with no
 * WHERE: the EXCLUDED row is the whole new row (unlisted insert columns carry their defaults in it),
 * so the old row cannot matter either. DuckDB keeps the first of a key repeated within one
 * statement in both forms, with or without a stored row.
 */
import type { PrePassed } from './pre-pass.ts';
import type { DmlShape } from './route-write.ts';
import { identifierOf, isPunct, isWord, type Token } from './sql-tokens.ts';

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

export function isBlindUpsert(statement: PrePassed, shape: DmlShape, columns: readonly string[], keys: readonly string[]): boolean {
  if (shape.verb !== 'INSERT' || !shape.upsert || shape.selfReference || shape.returning) return false;
  const t = statement.tokens.filter((tok) => !isPunct(tok, ';'));
  if (!isWord(t[0], 'INSERT') || !isWord(t[1], 'INTO')) return false;
  const at = t.findIndex((tok, k) => tok.depth === 0 && isWord(tok, 'ON') && isWord(t[k + 1], 'CONFLICT'));
  if (at < 0) return false;
  let j = at + 2;
  const lower = (tok: Token | undefined): string | undefined => (tok !== undefined && (tok.kind === 'word' || tok.kind === 'quoted') ? identifierOf(tok).toLowerCase() : undefined);
  const keySet = new Set(keys.map((k) => k.toLowerCase()));
  if (isPunct(t[j], '(')) {
    // The conflict target, if named, is the primary key.
    const target = new Set<string>();
    for (j++; !isPunct(t[j], ')'); j++) {
      const name = lower(t[j]);
      if (name === undefined || !keySet.has(name)) return false;
      target.add(name);
      if (isPunct(t[j + 1], ',')) j++;
    }
    if (target.size !== keySet.size) return false;
    j++;
  }
  if (!isWord(t[j], 'DO') || !isWord(t[j + 1], 'UPDATE') || !isWord(t[j + 2], 'SET')) return false;
  j += 3;
  const assigned = new Set<string>();
  for (;;) {
    // c = EXCLUDED.c
    const col = lower(t[j]);
    if (col === undefined || !isPunct(t[j + 1], '=') || !isWord(t[j + 2], 'EXCLUDED') || !isPunct(t[j + 3], '.') || lower(t[j + 4]) !== col) return false;
    assigned.add(col);
    j += 5;
    if (j >= t.length) break;
    if (!isPunct(t[j], ',')) return false;
    j++;
  }
  const nonKey = columns.filter((c) => !keySet.has(c.toLowerCase())).map((c) => c.toLowerCase());
  return nonKey.every((c) => assigned.has(c)) && [...assigned].every((c) => nonKey.includes(c));
}

/**
 * A blind replace / blind upsert (one of the two shapes above) as the plain INSERT of the same rows:
 * `OR REPLACE` cut out, or the `ON CONFLICT …` clause (the statement's tail) cut off. On an EMPTY
 * target and ONE row the two are the same statement (nothing can conflict), and DuckDB's plain
 * INSERT skips its conflict machinery (≈1 ms per statement: docs/design/keyed-row-fast-path.md).
 * Text outside the cut is the user's, byte for byte.
 */
export function blindAsInsert(statement: PrePassed): string {
  const { sql, tokens: t } = statement;
  if (isWord(t[1], 'OR') && isWord(t[2], 'REPLACE')) return sql.slice(0, t[1]!.start) + sql.slice(t[2]!.end);
  const at = t.findIndex((tok, k) => tok.depth === 0 && isWord(tok, 'ON') && isWord(t[k + 1], 'CONFLICT'));
  return at < 0 ? sql : sql.slice(0, t[at]!.start);
}

/**
 * A blind replace whose rows come from a plain SELECT, captured without a scratch table
 * (wip/bulk12, docs/design/hot-path.md "Bulk upserts, round 12").
 *
 * `INSERT OR REPLACE INTO t SELECT e1, …, en FROM …` (blind-replace.ts: no column list, no alias, no
 * ON CONFLICT, not reading t) writes exactly the rows of its SELECT, each value cast to its column's
 * type as INSERT casts it (DuckDB's INSERT binds `CAST(ei AS <type of column i>)`: the same cast
 * function), provided the INSERT would not fail. The general blind path runs that INSERT into an
 * empty scratch copy of t with its PRIMARY KEY and reads the rows back: three statements, an ART
 * index build and a table in DuckDB's catalog for 1,000 rows. Here the capture reads the cast
 * SELECT directly:
 *
 *   SELECT <round-trip capture of src> FROM (SELECT CAST(s0.c0 AS T0) AS "col0", … FROM (<the SELECT>) AS s0(c0, …)) AS src
 *
 * and the caller accepts its rows only where the INSERT could not have failed or chosen otherwise
 * (`insertableRows`): no NULL in a NOT NULL or key column, no key twice (OR REPLACE would keep one
 * of them: the general path decides), every value's text reads back. Where the INSERT does more
 * than cast — CHECK constraints, partition-value or narrowing checks (`storableQueries`), nested
 * types (struct fields bind by name) — or where the SELECT's width is not known from its tokens
 * (a star, COLUMNS(…), a set operation, a FROM-first query), this is not used. Any failure of the
 * call falls back to the general path, which reports DuckDB's own error.
 */
import type { StructField } from '../delta/schema.ts';
import { fieldToDuckDBType, quoteIdentifier as q } from '../exec/index.ts';
import { keyString, roundTripCaptureSql, type WalTableShape, type WalValue } from '../wal/index.ts';
import type { PrePassed } from './pre-pass.ts';
import { isPunct, isWord } from './sql-tokens.ts';

let taken = 0;
/** How many blind replaces were captured by `blindSelectCaptureSql` (tests assert which path ran). */
export function blindSelectTaken(): number {
  return taken;
}

/** Counts a capture the caller accepted, and hands it back. */
export function blindSelectTook<T>(capture: T): T {
  taken++;
  return capture;
}

/** Words that end a SELECT list at depth 0. */
const LIST_END = ['FROM', 'WHERE', 'GROUP', 'HAVING', 'WINDOW', 'QUALIFY', 'ORDER', 'LIMIT', 'OFFSET'];
/** Set operations: the width of one branch says nothing about the others. */
const SET_OPS = ['UNION', 'EXCEPT', 'INTERSECT'];
/** A type with no nested parts: a name, optionally DECIMAL-like `(p, s)` / `(n)`. */
const FLAT_TYPE = /^[A-Z][A-Z0-9_ ]*(\(\d+(, ?\d+)?\))?$/;
/**
 * Key types whose values are equal exactly when their texts are (so `insertableRows` sees every key
 * the PRIMARY KEY would refuse twice). Not FLOAT / DOUBLE (-0.0 = 0.0) or INTERVAL ('1 month' = '30 days').
 */
const TEXT_EXACT_KEY = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|VARCHAR|BOOLEAN|DATE|UUID|TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_(S|MS|NS)|DECIMAL\(\d+, ?\d+\))$/;

/**
 * The capture SQL for `statement` (a blind replace of `fields`' table), or undefined when the
 * statement or the table is not of the shape described above. `differs`: textRoundTripDiffers over `src`.
 */
export function blindSelectCaptureSql(statement: PrePassed, fields: readonly StructField[], shape: WalTableShape, differs: string): string | undefined {
  const t = statement.tokens;
  if (fields.length === 0 || fields.some((f) => !FLAT_TYPE.test(fieldToDuckDBType(f)))) return undefined;
  if (shape.columns.some((c) => shape.primaryKey.includes(c.name) && !TEXT_EXACT_KEY.test(c.type))) return undefined;
  // INSERT OR REPLACE INTO <name>[.<name>…] SELECT …
  let j = 4;
  while (isPunct(t[j + 1], '.')) j += 2;
  const select = j + 1;
  if (!isWord(t[select], 'SELECT')) return undefined;
  if (t.some((tok) => tok.depth === 0 && (isWord(tok, ...SET_OPS) || isPunct(tok, ';')))) return undefined;
  let items = 1;
  let k = select + 1;
  for (; k < t.length; k++) {
    const tok = t[k]!;
    if (tok.depth > 0) continue;
    if (isWord(tok, ...LIST_END)) break;
    // A star (or a product: refused alike) and COLUMNS / UNPACK / star modifiers expand to any width.
    if (isPunct(tok, '*') || isWord(tok, 'COLUMNS', 'UNPACK', 'EXCLUDE', 'REPLACE', 'RENAME')) return undefined;
    if (isPunct(tok, ',')) items++;
  }
  // A trailing comma (`SELECT a, b, FROM`) is allowed by DuckDB; the count would be one too many.
  if (isPunct(t[k - 1], ',') || items !== fields.length) return undefined;
  const body = statement.sql.slice(t[select]!.start);
  const aliases = fields.map((_, i) => `__k3_c${i}`);
  const casts = fields.map((f, i) => `CAST(s0.${aliases[i]} AS ${fieldToDuckDBType(f)}) AS ${q(f.name)}`);
  return roundTripCaptureSql(`SELECT ${casts.join(', ')} FROM (${body}) AS s0(${aliases.join(', ')})`, shape, differs);
}

/**
 * Whether the INSERT of `rows` (write-log values of a capture in `shape`'s column order) into an
 * empty table with `shape`'s PRIMARY KEY and NOT NULL columns would succeed, writing exactly them:
 * no NULL where the table refuses one, no key twice.
 */
export function insertableRows(rows: readonly (readonly WalValue[])[], shape: WalTableShape): boolean {
  const refuseNull = new Set([...shape.notNull, ...shape.primaryKey]);
  const strict = shape.columns.flatMap((c, i) => (refuseNull.has(c.name) ? [i] : []));
  const keyAt = shape.primaryKey.map((k) => shape.columns.findIndex((c) => c.name === k));
  if (keyAt.some((i) => i < 0)) return false;
  const seen = new Set<string>();
  for (const row of rows) {
    for (const i of strict) if (row[i] === null || row[i] === undefined) return false;
    const key = keyString(keyAt.map((i) => row[i] ?? null));
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

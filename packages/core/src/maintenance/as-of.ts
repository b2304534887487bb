/**
 * Time travel in SQL: a narrow token pre-pass (sql/sql-tokens.ts lexer: comments, string literals
 * and quoted identifiers are never mistaken for clauses — it is not a grammar) that finds
 * time-travel clauses after table names in FROM / JOIN / MERGE … USING, removes them and reports
 * which table must be read at which version. Accepted forms, after `FROM` / `JOIN` / `USING` / `,`
 * and a table name (possibly qualified or quoted) with an optional alias:
 *
 *   t [AS x] AS OF VERSION 3          t AS OF VERSION 3 [AS] x         (k3's form)
 *   t [AS x] AS OF TIMESTAMP '2026-05-18T00:00Z'
 *   t [AS x] VERSION AS OF 3          t TIMESTAMP AS OF '…'             (Spark / Delta SQL)
 *   t [AS x] AT (VERSION => 3)        t [AS x] AT (TIMESTAMP => '…')   (DuckDB's own syntax:
 *        DuckDB 1.5 parses it — json_serialize_sql shows a BASE_TABLE `at_clause` — but its binder
 *        refuses it for catalogs without time travel, so it must be resolved here as well)
 *
 * Rewrite rule: each pinned reference becomes `"<binding>" AS <alias>`, where the binding is an
 * internal relation name unique per (table, target) — `t@v3`, `t@ts1747526400000` — and the alias
 * is the user's alias or, without one, the table name as written, so `t.col` keeps resolving. The
 * caller binds each pin's snapshot under its binding name; unpinned references are untouched.
 * Hence different tables, and the same table at several versions (with distinct aliases), can be
 * read in one query. Values must be literals (a version integer, a timestamp string); anything
 * else is ERR_SQL_UNSUPPORTED. Pure: no I/O.
 */
import { AppError } from '../errors/index.ts';
import { quoteIdentifier } from '../exec/sql-quote.ts';
import { identifierOf, isPunct, isWord, tokenize, type Token } from '../sql/sql-tokens.ts';
import { parseTimestampMs, parseVersion, type TimeTravelTarget } from './time-travel-target.ts';

export interface AsOfPin {
  /** The table reference as written, e.g. `main."Events"`. */
  readonly name: string;
  /** Unquoted name parts, e.g. ['main', 'Events']. */
  readonly parts: readonly string[];
  /** The bare table name (last part, unquoted). */
  readonly table: string;
  /** The alias as written, when the user gave one. */
  readonly alias?: string;
  readonly at: TimeTravelTarget;
  /** The relation name the rewritten SQL reads; bind the snapshot at `at` under it. */
  readonly binding: string;
}

export interface AsOfResult {
  readonly sql: string;
  /** One per distinct (table, target); several references may share one. */
  readonly pins: AsOfPin[];
}

interface Clause {
  /** Index of the first and last token of the clause. */
  readonly first: number;
  readonly last: number;
  readonly at: TimeTravelTarget;
}

/** Words a table reference follows: FROM / JOIN, and MERGE's `USING <source>`. */
const REF_START = ['FROM', 'JOIN', 'USING'];
/** Words that end a table reference instead of aliasing it. */
const NOT_ALIAS = new Set(['WHERE', 'JOIN', 'ON', 'USING', 'GROUP', 'ORDER', 'LIMIT', 'OFFSET', 'UNION', 'EXCEPT', 'INTERSECT', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'NATURAL', 'ASOF', 'POSITIONAL', 'ANTI', 'SEMI', 'OUTER', 'HAVING', 'WINDOW', 'QUALIFY', 'FETCH', 'RETURNING', 'TABLESAMPLE', 'USING', 'LATERAL', 'AS', 'AT', 'VERSION', 'TIMESTAMP', 'SET', 'WHEN', 'THEN', 'PIVOT', 'UNPIVOT']);

function unsupported(message: string): AppError {
  return new AppError('ERR_SQL_UNSUPPORTED', message);
}

function versionOf(token: Token | undefined): TimeTravelTarget {
  if (token?.kind !== 'number') throw unsupported('AS OF VERSION takes an integer literal, e.g. AS OF VERSION 3.');
  return { version: parseVersion(token.text.replaceAll('_', '')) };
}

function timestampOf(token: Token | undefined): TimeTravelTarget {
  if (token?.kind !== 'string' || !token.text.startsWith("'")) throw unsupported("AS OF TIMESTAMP takes a string literal, e.g. AS OF TIMESTAMP '2026-05-18T00:00:00Z'.");
  return { timestamp: parseTimestampMs(token.text.slice(1, -1).replaceAll("''", "'")) };
}

/** The time-travel clause starting at token i, if any. */
function clauseAt(tokens: readonly Token[], i: number): Clause | undefined {
  const t = (k: number): Token | undefined => tokens[i + k];
  if (isWord(t(0), 'AS') && isWord(t(1), 'OF') && isWord(t(2), 'VERSION', 'TIMESTAMP')) {
    const at = isWord(t(2), 'VERSION') ? versionOf(t(3)) : timestampOf(t(3));
    return { first: i, last: i + 3, at };
  }
  if (isWord(t(0), 'VERSION', 'TIMESTAMP') && isWord(t(1), 'AS') && isWord(t(2), 'OF')) {
    const at = isWord(t(0), 'VERSION') ? versionOf(t(3)) : timestampOf(t(3));
    return { first: i, last: i + 3, at };
  }
  if (isWord(t(0), 'AT') && isPunct(t(1), '(') && isWord(t(2), 'VERSION', 'TIMESTAMP') && isPunct(t(3), '=') && isPunct(t(4), '>')) {
    let v = 5;
    if (isWord(t(2), 'TIMESTAMP') && isWord(t(v), 'TIMESTAMP', 'TIMESTAMPTZ')) v++;
    const at = isWord(t(2), 'VERSION') ? versionOf(t(v)) : timestampOf(t(v));
    if (!isPunct(t(v + 1), ')')) throw unsupported('AT (VERSION => n) / AT (TIMESTAMP => \'…\') take a single literal; expressions are not supported.');
    return { first: i, last: i + v + 1, at };
  }
  return undefined;
}

const isIdent = (t: Token | undefined): boolean => t !== undefined && (t.kind === 'quoted' || (t.kind === 'word' && !NOT_ALIAS.has(t.text.toUpperCase())));
const isRefStart = (t: Token | undefined): boolean => isWord(t, ...REF_START) || isPunct(t, ',');

/** Start index of a qualified name ending at `end`, if it is preceded by FROM / JOIN / `,`. */
function nameStart(tokens: readonly Token[], end: number): number | undefined {
  let k = end;
  if (!isIdent(tokens[k]) && tokens[k]?.kind !== 'word') return undefined;
  while (isPunct(tokens[k - 1], '.') && (tokens[k - 2]?.kind === 'word' || tokens[k - 2]?.kind === 'quoted')) k -= 2;
  return isRefStart(tokens[k - 1]) ? k : undefined;
}

interface Ref {
  readonly start: number;
  readonly nameEnd: number;
  readonly alias: Token | undefined;
}

/** The table reference (name and optional alias) ending right before the clause at `first`. */
function refBefore(tokens: readonly Token[], first: number): Ref | undefined {
  const plain = nameStart(tokens, first - 1);
  if (plain !== undefined) return { start: plain, nameEnd: first - 1, alias: undefined };
  const alias = tokens[first - 1];
  if (!isIdent(alias)) return undefined;
  const end = isWord(tokens[first - 2], 'AS') ? first - 3 : first - 2;
  const start = nameStart(tokens, end);
  return start === undefined ? undefined : { start, nameEnd: end, alias };
}

export function extractAsOf(sql: string): AsOfResult {
  const tokens = tokenize(sql);
  const pins = new Map<string, AsOfPin>();
  const edits: Array<{ from: number; to: number; text: string }> = [];
  for (let i = 0; i < tokens.length; i++) {
    const clause = clauseAt(tokens, i);
    if (clause === undefined) continue;
    const ref = refBefore(tokens, clause.first);
    if (ref === undefined) {
      throw unsupported(`A time-travel clause (${sql.slice(tokens[clause.first]!.start, tokens[clause.last]!.end)}) must follow a table name in FROM or JOIN, e.g. SELECT * FROM t AS OF VERSION 3.`);
    }
    let last = clause.last;
    let alias = ref.alias;
    const after = tokens[last + 1];
    const afterAlias = isWord(after, 'AS') ? tokens[last + 2] : after;
    if (isIdent(afterAlias) && clauseAt(tokens, last + 1) === undefined) {
      if (alias !== undefined) throw unsupported('A table reference has an alias both before and after its time-travel clause; give one alias.');
      alias = afterAlias;
      last = isWord(after, 'AS') ? last + 2 : last + 1;
    }
    const nameTokens = tokens.slice(ref.start, ref.nameEnd + 1).filter((t) => !isPunct(t, '.'));
    const parts = nameTokens.map(identifierOf);
    const table = parts[parts.length - 1]!;
    const binding = 'version' in clause.at ? `${table}@v${clause.at.version}` : `${table}@ts${clause.at.timestamp}`;
    const key = `${parts.join('.').toLowerCase()}\u0000${binding}`;
    if (!pins.has(key)) {
      const pin: AsOfPin = { name: sql.slice(tokens[ref.start]!.start, tokens[ref.nameEnd]!.end), parts, table, at: clause.at, binding, ...(alias !== undefined ? { alias: alias.text } : {}) };
      pins.set(key, pin);
    }
    const aliasText = alias?.text ?? nameTokens[nameTokens.length - 1]!.text;
    edits.push({ from: tokens[ref.start]!.start, to: tokens[last]!.end, text: `${quoteIdentifier(binding)} AS ${aliasText}` });
    i = last;
  }
  let out = sql;
  for (const e of edits.reverse()) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return { sql: out, pins: [...pins.values()] };
}

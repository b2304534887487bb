/**
 * The k3 pre-pass: a narrow look at the token stream of ONE statement, before DuckDB sees it.
 *
 * It does two things only: (1) strip k3 extensions DuckDB does not parse (a `PARTITIONED BY (…)`
 * clause on CREATE TABLE; ALTER TABLE with several comma-separated actions, which DuckDB refuses,
 * is split into one ALTER per action), and (2) name the shape of statements k3 handles itself
 * (DDL, DML target, SHOW TABLES, DESCRIBE <table>). Everything else — and the truth about every
 * statement's kind — comes from DuckDB's parser and binder (classify-statement.ts).
 *
 * Extension point: time travel (`AS OF`), RESTORE, OPTIMIZE and VACUUM slot in as further
 * recognizers in RECOGNIZERS, before the generic ones.
 */
import { AppError } from '../errors/index.ts';
import { identifierOf, isPunct, isWord, matchingParen, tokenize, withoutTrailingSemicolons, type Token } from './sql-tokens.ts';

export type DmlVerb = 'INSERT' | 'UPDATE' | 'DELETE' | 'MERGE' | 'TRUNCATE';

export type StatementShape =
  | {
      kind: 'create-table';
      table: string;
      ifNotExists: boolean;
      orReplace: boolean;
      /** CTAS: the query text after AS; undefined for a column-list CREATE TABLE. */
      asQuery: string | undefined;
      partitionedBy: string[];
      /** Table properties from `WITH ( 'key' = value, … )` / `TBLPROPERTIES ( … )`, values as text. */
      properties: Record<string, string>;
      /** A column-list CREATE TABLE as a `CREATE TEMP TABLE` DuckDB can run in a scratch connection. */
      scratchSql: string;
    }
  | { kind: 'create-other'; objectType: string }
  | {
      kind: 'alter-table';
      table: string;
      ifExists: boolean;
      /** One action text per comma-separated ALTER action (`ADD COLUMN x INT`), without `ALTER TABLE t`. */
      actions: string[];
    }
  | { kind: 'drop-table'; table: string; ifExists: boolean }
  | { kind: 'drop-other'; objectType: string }
  | { kind: 'show-tables'; all: boolean }
  | { kind: 'describe-table'; table: string }
  /** DESCRIBE / SHOW of a query: answered from table definitions, no data read. */
  | { kind: 'describe-query' }
  | {
      kind: 'dml';
      verb: DmlVerb;
      table: string;
      returning: boolean;
      upsert: boolean;
      /** The target's name appears elsewhere in the statement (it may read the table it writes). */
      selfReference: boolean;
    }
  | { kind: 'other' };

export interface PrePassed {
  /** The statement as DuckDB should see it (k3 extensions removed). */
  readonly sql: string;
  readonly shape: StatementShape;
  readonly tokens: readonly Token[];
}

interface Ctx {
  readonly sql: string;
  readonly tokens: Token[];
}

type Recognizer = (ctx: Ctx) => PrePassed | undefined;

/**
 * Pre-passes one statement's text. Empty input (only comments / whitespace) → ERR_BAD_REQUEST.
 * `tokens`: the text's tokens when the caller already has them (offsets into `sql`).
 */
export function prePass(sql: string, tokens0?: readonly Token[]): PrePassed {
  const tokens = withoutTrailingSemicolons(tokens0 ?? tokenize(sql));
  if (tokens.length === 0) {
    throw new AppError('ERR_BAD_REQUEST', 'The SQL text is empty; send exactly one SQL statement.');
  }
  const ctx: Ctx = { sql, tokens };
  for (const recognize of RECOGNIZERS) {
    const hit = recognize(ctx);
    if (hit !== undefined) return hit;
  }
  return { sql, shape: { kind: 'other' }, tokens };
}

/** Reads a possibly qualified name at `i`; returns its parts and the index after it. */
function readName(tokens: readonly Token[], i: number): { parts: string[]; next: number } | undefined {
  const parts: string[] = [];
  let j = i;
  for (;;) {
    const t = tokens[j];
    if (t === undefined || (t.kind !== 'word' && t.kind !== 'quoted')) return parts.length > 0 ? { parts, next: j } : undefined;
    parts.push(identifierOf(t));
    j++;
    if (!isPunct(tokens[j], '.')) return { parts, next: j };
    j++;
  }
}

/** k3 has one namespace per bucket: `main.t` and `t` are the same; other qualifiers are refused. */
function tableNameOf(parts: string[]): string {
  const name = parts[parts.length - 1] ?? '';
  const qualifier = parts.slice(0, -1);
  if (qualifier.length > 0 && !(qualifier.length === 1 && qualifier[0]!.toLowerCase() === 'main')) {
    throw new AppError('ERR_SQL_UNSUPPORTED', `Table name ${parts.join('.')} is qualified; a bucket has a single namespace, so refer to the table by its bare name (${name}).`, { table: parts.join('.') });
  }
  return name;
}

const createTable: Recognizer = ({ sql, tokens }) => {
  if (!isWord(tokens[0], 'CREATE')) return undefined;
  let i = 1;
  let orReplace = false;
  if (isWord(tokens[i], 'OR') && isWord(tokens[i + 1], 'REPLACE')) { orReplace = true; i += 2; }
  let temporary = false;
  if (isWord(tokens[i], 'TEMP', 'TEMPORARY')) { temporary = true; i++; }
  if (isWord(tokens[i], 'PERSISTENT')) i++;
  if (!isWord(tokens[i], 'TABLE')) {
    const objectType = tokens.slice(i, i + 2).map((t) => t.text.toUpperCase()).join(' ');
    return { sql, tokens, shape: { kind: 'create-other', objectType } };
  }
  if (temporary) {
    throw new AppError('ERR_SQL_UNSUPPORTED', 'CREATE TEMP TABLE is not supported: every k3 table is a persistent Delta table. Use CREATE TABLE, or a CTE (WITH …) for intermediate results.');
  }
  i++;
  let ifNotExists = false;
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS')) { ifNotExists = true; i += 3; }
  const name = readName(tokens, i);
  if (name === undefined) return undefined; // let DuckDB report the syntax error
  const table = tableNameOf(name.parts);

  // Strip a depth-0 `PARTITIONED BY ( … )` wherever it sits after the name, and table properties
  // `WITH ( 'key' = value, … )` (DuckDB parses this clause but no DuckDB catalog accepts it) or
  // Spark's `TBLPROPERTIES ( … )` before a CTAS `AS`.
  let partitionedBy: string[] = [];
  let properties: Record<string, string> = {};
  let body = tokens.slice(name.next);
  const cuts: Array<{ first: number; last: number }> = [];
  const p = body.findIndex((t, k) => t.depth === 0 && isWord(t, 'PARTITIONED') && isWord(body[k + 1], 'BY'));
  if (p >= 0) {
    const open = p + 2;
    const close = isPunct(body[open], '(') ? matchingParen(body, open) : -1;
    if (close < 0) throw new AppError('ERR_SQL_PARSE', 'PARTITIONED BY needs a parenthesised column list, e.g. PARTITIONED BY (region).');
    partitionedBy = splitTopLevel(body.slice(open + 1, close)).map((group) => {
      const only = group.length === 1 ? group[0] : undefined;
      if (only === undefined || (only.kind !== 'word' && only.kind !== 'quoted')) {
        throw new AppError('ERR_SQL_PARSE', 'PARTITIONED BY takes plain column names, e.g. PARTITIONED BY (region, day).');
      }
      return identifierOf(only);
    });
    cuts.push({ first: p, last: close });
  }
  const asAt = body.findIndex((t) => t.depth === 0 && isWord(t, 'AS'));
  const w = body.findIndex((t, k) => t.depth === 0 && (asAt < 0 || k < asAt) && isWord(t, 'WITH', 'TBLPROPERTIES') && isPunct(body[k + 1], '('));
  if (w >= 0) {
    const close = matchingParen(body, w + 1);
    if (close < 0) throw new AppError('ERR_SQL_PARSE', `${body[w]!.text.toUpperCase()} needs a parenthesised property list, e.g. WITH ('delta.enableChangeDataFeed' = true).`);
    properties = tableProperties(body.slice(w + 2, close));
    cuts.push({ first: w, last: close });
  }
  cuts.sort((a, b) => a.first - b.first);
  const end = tokens[tokens.length - 1]!.end;
  const ranges = cuts.map((c) => ({ start: body[c.first]!.start, end: body[c.last]!.end }));
  let strippedSql = sql.slice(0, end);
  for (const r of [...ranges].reverse()) strippedSql = strippedSql.slice(0, r.start) + strippedSql.slice(r.end);
  // Offsets of the original text → offsets in strippedSql (removed clauses shift what follows).
  const shift = (offset: number): number => offset - ranges.filter((r) => offset >= r.end).reduce((n, r) => n + (r.end - r.start), 0);
  body = body.filter((_, k) => !cuts.some((c) => k >= c.first && k <= c.last));

  const first = body[0];
  let asQuery: string | undefined;
  if (isWord(first, 'AS')) {
    asQuery = strippedSql.slice(shift(first!.end)).trim();
  }
  const restStart = first === undefined ? strippedSql.length : shift(first.start);
  const scratchSql = `CREATE TEMP TABLE ${quoteIdent(table)} ${strippedSql.slice(restStart)}`;
  return {
    sql: strippedSql,
    tokens,
    shape: { kind: 'create-table', table, ifNotExists, orReplace, asQuery, partitionedBy, properties, scratchSql },
  };
};

const alterTable: Recognizer = ({ sql, tokens }) => {
  if (!isWord(tokens[0], 'ALTER') || !isWord(tokens[1], 'TABLE')) return undefined;
  let i = 2;
  let ifExists = false;
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) { ifExists = true; i += 2; }
  const name = readName(tokens, i);
  if (name === undefined) return undefined;
  const table = tableNameOf(name.parts);
  const actions = splitTopLevel(tokens.slice(name.next)).map((group) => sql.slice(group[0]!.start, group[group.length - 1]!.end));
  if (actions.length === 0) return undefined;
  return { sql, tokens, shape: { kind: 'alter-table', table, ifExists, actions } };
};

const dropTable: Recognizer = ({ sql, tokens }) => {
  if (!isWord(tokens[0], 'DROP')) return undefined;
  if (!isWord(tokens[1], 'TABLE')) {
    return { sql, tokens, shape: { kind: 'drop-other', objectType: (tokens[1]?.text ?? '').toUpperCase() } };
  }
  let i = 2;
  let ifExists = false;
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'EXISTS')) { ifExists = true; i += 2; }
  const name = readName(tokens, i);
  if (name === undefined) return undefined;
  const rest = tokens.slice(name.next);
  if (rest.length > 1 || (rest.length === 1 && !isWord(rest[0], 'CASCADE', 'RESTRICT'))) {
    throw new AppError('ERR_SQL_UNSUPPORTED', 'DROP TABLE takes exactly one table name; send one DROP TABLE per table.');
  }
  return { sql, tokens, shape: { kind: 'drop-table', table: tableNameOf(name.parts), ifExists } };
};

const showTables: Recognizer = ({ sql, tokens }) => {
  if (tokens.length > 3 || !isWord(tokens[0], 'SHOW')) return undefined; // no per-token work for every other statement
  const words = tokens.map((t) => (t.kind === 'word' ? t.text.toUpperCase() : '\0'));
  const text = words.join(' ');
  if (text === 'SHOW TABLES' || text === 'SHOW ALL TABLES') return { sql, tokens, shape: { kind: 'show-tables', all: text === 'SHOW ALL TABLES' } };
  return undefined;
};

const describeTable: Recognizer = ({ sql, tokens }) => {
  if (!isWord(tokens[0], 'DESCRIBE', 'DESC', 'SHOW')) return undefined;
  if (isWord(tokens[1], 'SELECT', 'FROM', 'WITH', 'VALUES', 'TABLE', 'PIVOT', 'UNPIVOT') || isPunct(tokens[1], '(')) {
    return { sql, tokens, shape: { kind: 'describe-query' } };
  }
  const name = readName(tokens, 1);
  if (name === undefined || name.next !== tokens.length) return undefined;
  if (isWord(tokens[1], 'TABLES', 'ALL', 'DATABASES', 'SCHEMAS')) return undefined;
  return { sql, tokens, shape: { kind: 'describe-table', table: tableNameOf(name.parts) } };
};

const DML_VERBS = ['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE'] as const;

const dml: Recognizer = ({ sql, tokens }) => {
  let i = 0;
  if (isWord(tokens[0], 'WITH')) {
    // The main verb is the first depth-0 keyword after the CTE list (CTE bodies are parenthesised).
    i = tokens.findIndex((t, k) => k > 0 && t.depth === 0 && isWord(t, ...DML_VERBS, 'SELECT', 'FROM', 'VALUES', 'TABLE', 'PIVOT', 'UNPIVOT'));
    if (i < 0) return undefined;
  }
  const verbToken = tokens[i];
  if (!isWord(verbToken, ...DML_VERBS)) return undefined;
  const verb = verbToken!.text.toUpperCase() as DmlVerb;
  let j = i + 1;
  let upsert = false;
  if (verb === 'INSERT' && isWord(tokens[j], 'OR')) { upsert = true; j += 2; }
  if ((verb === 'INSERT' || verb === 'MERGE') && isWord(tokens[j], 'INTO')) j++;
  if (verb === 'DELETE' && isWord(tokens[j], 'FROM')) j++;
  if (verb === 'TRUNCATE' && isWord(tokens[j], 'TABLE')) j++;
  const name = readName(tokens, j);
  if (name === undefined) return undefined;
  const topLevel = tokens.slice(name.next).filter((t) => t.depth === 0);
  if (verb === 'INSERT' && topLevel.some((t, k) => isWord(t, 'ON') && isWord(topLevel[k + 1], 'CONFLICT'))) upsert = true;
  const returning = topLevel.some((t) => isWord(t, 'RETURNING'));
  const table = tableNameOf(name.parts);
  const lower = table.toLowerCase();
  // A MERGE's `<table>.<column>` (the unaliased target's own qualifier, as in `ON events.id = s.id`)
  // is the row being merged, not a read of the table: only other mentions (a subquery's FROM) make
  // the MERGE self-reading — which loads every STRONG row instead of the rows its source names.
  const qualifierOnly = verb === 'MERGE';
  const selfReference = tokens.some(
    (t, k) => (k < j || k >= name.next) && (t.kind === 'word' || t.kind === 'quoted') && identifierOf(t).toLowerCase() === lower && !(qualifierOnly && isPunct(tokens[k + 1], '.')),
  );
  return { sql, tokens, shape: { kind: 'dml', verb, table, returning, upsert, selfReference } };
};

const RECOGNIZERS: readonly Recognizer[] = [createTable, alterTable, dropTable, showTables, describeTable, dml];

/** `'delta.enableChangeDataFeed' = true, delta.x = 'y'` → { key: value-text }. Keys are checked by the caller. */
export function tableProperties(tokens: readonly Token[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const group of splitTopLevel(tokens)) {
    const eq = group.findIndex((t) => isPunct(t, '='));
    const keyTokens = eq > 0 ? group.slice(0, eq) : [];
    const valueTokens = eq > 0 ? group.slice(eq + 1) : [];
    const key = keyTokens.length === 1 && keyTokens[0]!.kind === 'string' ? unquote(keyTokens[0]!.text) : keyTokens.map((t) => (t.kind === 'quoted' ? identifierOf(t) : t.text)).join('');
    const value = valueTokens.length === 1 ? (valueTokens[0]!.kind === 'string' ? unquote(valueTokens[0]!.text) : valueTokens[0]!.text) : undefined;
    if (key === '' || value === undefined || !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(key)) {
      throw new AppError('ERR_SQL_PARSE', "Table properties are written as key = value pairs, e.g. WITH ('delta.enableChangeDataFeed' = true).");
    }
    out[key] = value;
  }
  return out;
}

function unquote(text: string): string {
  return text.startsWith("'") ? text.slice(1, -1).replaceAll("''", "'") : text;
}

/**
 * `SET TBLPROPERTIES ( … )` / `SET ( … )` — an ALTER TABLE action setting table properties (Spark's
 * and DuckDB's spellings); undefined for any other action.
 */
export function setPropertiesAction(action: string): Record<string, string> | undefined {
  const t = tokenize(action);
  if (!isWord(t[0], 'SET')) return undefined;
  const open = isWord(t[1], 'TBLPROPERTIES') ? 2 : 1;
  if (!isPunct(t[open], '(')) return undefined;
  const close = matchingParen(t, open);
  if (close !== t.length - 1) throw new AppError('ERR_SQL_PARSE', "SET TBLPROPERTIES takes one parenthesised property list, e.g. ALTER TABLE t SET TBLPROPERTIES ('delta.enableChangeDataFeed' = true).");
  return tableProperties(t.slice(open + 1, close));
}

/** Splits tokens at depth-relative top-level commas. */
function splitTopLevel(tokens: readonly Token[]): Token[][] {
  const base = tokens[0]?.depth ?? 0;
  const groups: Token[][] = [[]];
  for (const t of tokens) {
    if (t.depth === base && isPunct(t, ',')) groups.push([]);
    else groups[groups.length - 1]!.push(t);
  }
  return groups.filter((g) => g.length > 0);
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

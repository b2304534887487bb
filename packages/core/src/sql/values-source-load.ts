/**
 * valuesSourceLoad: a MERGE's `USING (VALUES (…), …) AS s(c1, …)` source loaded as typed columns
 * (each column's cells as one string, split and cast in SQL) instead of DuckDB binding every cell
 * of the VALUES text
 * (docs/design/hot-path.md, "MERGE ingest: a VALUES source without binding its text (wip/ingest6)").
 * Binding a 200-row, 4-column VALUES (800 expressions) was about half of an ingest MERGE's DuckDB
 * time; this binds only a few representative rows.
 *
 * How it stays exactly DuckDB's answer (anything else: undefined, and the caller binds the text):
 *
 * - Cells are read from the statement's tokens (no grammar): every row must have exactly as many
 *   cells as the alias names columns. A cell is one of: an integer literal (optionally negated,
 *   plain digits), a decimal literal (`1.5`, `.5`, `5.`; no exponent), a plain `'…'` string, NULL,
 *   TRUE / FALSE, `DATE '…'` / `TIMESTAMP '…'`, or a deterministic expression over literals built
 *   only from the whitelist below (`TIMESTAMP '…' + to_seconds(3)`). Anything else (random(), a
 *   column reference, a subquery, a parameter, DEFAULT, `::`, an exponent) → undefined.
 * - The column types are DuckDB's own: the VALUES of a few representative rows is bound and its
 *   result types read. VALUES unifies a column's type over the cells' types, and a literal's type
 *   depends only on its signature: an integer on which of DuckDB's integer ranges its magnitude
 *   falls in (INTEGER_LITERAL unification is value-dependent: `(1::SMALLINT), (300)` is SMALLINT,
 *   `(70000)` makes it INTEGER), a decimal on its digit pattern (width / scale), a string, NULL,
 *   a boolean, a typed string on its type, an expression on its whole text. The representative
 *   rows hold every signature of every column, so the unified types are the full statement's.
 * - The values: each column's cell texts travel as ONE string literal, split in SQL
 *   (`string_split(…, chr(31))`, NULL marked `chr(30)`; a cell holding either character →
 *   undefined), and each is cast to the column's unified type T, only where that cast is exactly
 *   VALUES' implicit cast of the literal: integers into an
 *   integer type or DECIMAL, decimals into DECIMAL, strings into VARCHAR (no NUL, no lone
 *   surrogate), booleans into BOOLEAN, typed strings into their own type, NULL into anything. An
 *   expression's value is DuckDB's (from the representative rows, as text) and T must print and
 *   read back exactly (integers, DECIMAL, VARCHAR, BOOLEAN, DATE, TIMESTAMP). Any other pairing →
 *   undefined. A cast that fails anyway fails the caller's call, which then binds the text.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteLiteral } from '../exec/index.ts';
import { isPunct, isWord, type Token } from './sql-tokens.ts';

/** The cells' separator and the NULL marker inside a column's one string (no cell may hold either). */
const SEP = '\u001f';
const NULL_MARK = '\u001e';

let loads = 0;
/** How many VALUES sources were loaded this way in this process (tests read it, deterministically). */
export function valuesSourceLoads(): number {
  return loads;
}

/**
 * DuckDB's VALUES column type by the column's cell signatures in first-seen order (what the
 * representative rows' call answered): a pure function of the signatures, so it is kept for the
 * process; bounded (cleared when full).
 */
const typesBySignatures = new Map<string, string>();
const MAX_CACHED_TYPES = 4096;
let typesCached = 0;
/** How many loads took every column type from the cache (no representative rows' call; tests read it). */
export function valuesTypesCached(): number {
  return typesCached;
}

function rememberTypes(keys: readonly string[], types: readonly string[]): void {
  if (typesBySignatures.size + keys.length > MAX_CACHED_TYPES) typesBySignatures.clear();
  keys.forEach((k, j) => typesBySignatures.set(k, types[j]!));
}

/** Fewer rows than this: binding the text is as cheap as the extra call. */
const MIN_ROWS = 8;

/** Functions an expression cell may call: deterministic, no session state, no randomness. */
const FUNCTIONS = new Set([
  'to_seconds', 'to_minutes', 'to_hours', 'to_days', 'to_weeks', 'to_months', 'to_years', 'to_milliseconds', 'to_microseconds',
  'abs', 'round', 'floor', 'ceil', 'make_date', 'make_timestamp', 'lower', 'upper', 'concat',
]);
const TYPED_STRINGS = new Set(['DATE', 'TIMESTAMP']);
const OPERATORS = new Set(['+', '-', '*', '/', '%', '(', ')', ',']);
const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);
const DECIMAL = /^DECIMAL\(\d+,\d+\)$/;
/** Types whose text (CAST AS VARCHAR) reads back as the same value. */
const EXACT_TEXT = (t: string): boolean => INTEGER_TYPES.has(t) || DECIMAL.test(t) || t === 'VARCHAR' || t === 'BOOLEAN' || t === 'DATE' || t === 'TIMESTAMP';
/** DuckDB's integer range boundaries (signed and unsigned): a literal's class is where its magnitude falls. */
const BOUNDS = [127n, 128n, 255n, 32767n, 32768n, 65535n, 2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 127n - 1n, 2n ** 127n, 2n ** 128n - 1n];
const LONE_SURROGATE = /\p{Cs}/u;

export type Cell =
  | { kind: 'int'; sig: string; text: string }
  | { kind: 'dec'; sig: string; text: string }
  | { kind: 'str'; sig: string; text: string }
  | { kind: 'typed'; sig: string; text: string; type: string }
  | { kind: 'bool'; sig: string; text: string }
  | { kind: 'null'; sig: string }
  | { kind: 'expr'; sig: string; sql: string };

export interface ValuesSource {
  /** What replaces the source text in `SELECT * FROM <source>`: the split cells cast, under the statement's own alias. */
  readonly from: string;
  /** Rows loaded; the representative rows DuckDB bound. */
  readonly rows: number;
  readonly representatives: number;
}

/** The VALUES rows of a source span (`(VALUES (…), …) [AS] s(c1, …)`) as cell token runs, and the alias text; undefined for another shape. */
export function valuesCells(sql: string, tokens: readonly Token[], start: number, end: number): { rows: Token[][][]; alias: string } | undefined {
  const span = tokens.filter((t) => t.start >= start && t.end <= end);
  const open = span[0];
  if (!isPunct(open, '(') || !isWord(span[1], 'VALUES')) return undefined;
  const d = open!.depth;
  const close = span.findIndex((t, i) => i > 0 && t.depth === d && isPunct(t, ')'));
  if (close < 0) return undefined;
  const after = span.slice(close + 1);
  const aliasAt = isWord(after[0], 'AS') ? 1 : 0;
  const alias = after[aliasAt];
  if (alias === undefined || (alias.kind !== 'word' && alias.kind !== 'quoted') || !isPunct(after[aliasAt + 1], '(')) return undefined;
  const rows: Token[][][] = [];
  let i = 2;
  while (i < close) {
    if (!isPunct(span[i], '(') || span[i]!.depth !== d + 1) return undefined;
    const row: Token[][] = [[]];
    for (i++; i < close; i++) {
      const t = span[i]!;
      if (t.depth === d + 1 && isPunct(t, ')')) break;
      if (t.depth === d + 2 && isPunct(t, ',')) row.push([]);
      else row.at(-1)!.push(t);
    }
    if (i >= close || row.some((c) => c.length === 0)) return undefined;
    rows.push(row);
    i++;
    if (i < close) {
      if (!isPunct(span[i], ',')) return undefined;
      i++;
    }
  }
  return { rows, alias: sql.slice(alias.start, end) };
}

/** BOUNDS as numbers, for literals short enough to be exact doubles (no BigInt per cell: the ingest's 800 cells). */
const SMALL_BOUNDS = BOUNDS.map(Number);

function integerSig(digits: string, neg: boolean): string {
  let at: number;
  if (digits.length <= 15) {
    const v = Number(digits);
    at = SMALL_BOUNDS.findIndex((b) => v <= b);
  } else {
    const v = BigInt(digits);
    at = BOUNDS.findIndex((b) => v <= b);
  }
  return `${neg ? '-' : ''}i${at < 0 ? BOUNDS.length : at}`;
}

function stringText(t: Token | undefined): string | undefined {
  if (t?.kind !== 'string' || !t.text.startsWith("'") || !t.text.endsWith("'") || t.text.length < 2) return undefined;
  const text = t.text.slice(1, -1).replaceAll("''", "'");
  return text.includes('\0') || LONE_SURROGATE.test(text) ? undefined : text;
}

/**
 * VALUES lists already classified, by the first token of their first cell: the split's cut text
 * (values-parse-text.ts) classifies a statement's cells first and the load reuses them (the same
 * analysed tokens; one lookup per list instead of a second pass over 800 cells; wip/ingest8).
 */
const classifiedLists = new WeakMap<Token, readonly (readonly Cell[])[]>();

/** Records the cells of a list every cell of which classified (`rows[r][c]`). */
export function rememberCells(first: Token, rows: readonly (readonly Cell[])[]): void {
  classifiedLists.set(first, rows);
}

/** The remembered cells of `runs` (the list's cell token runs), when they are the same rows and cells. */
function recalledCells(runs: readonly (readonly Token[][])[]): readonly (readonly Cell[])[] | undefined {
  const first = runs[0]?.[0]?.[0];
  const cells = first === undefined ? undefined : classifiedLists.get(first);
  if (cells === undefined || cells.length !== runs.length || cells.some((row, r) => row.length !== runs[r]!.length)) return undefined;
  return cells;
}

/** One cell's class, or undefined when it is not a literal nor a whitelisted expression. */
export function cellOf(sql: string, run: readonly Token[]): Cell | undefined {
  const neg = run.length === 2 && isPunct(run[0], '-');
  const lit = run.length === 1 ? run[0] : neg ? run[1] : undefined;
  if (lit?.kind === 'number') {
    if (/^[0-9]+$/.test(lit.text)) return { kind: 'int', sig: integerSig(lit.text, neg), text: `${neg ? '-' : ''}${lit.text}` };
    if (/^[0-9]*\.[0-9]*$/.test(lit.text) && lit.text !== '.') return { kind: 'dec', sig: `${neg ? '-' : ''}d${lit.text.replace(/[1-9]/g, '9')}`, text: `${neg ? '-' : ''}${lit.text}` };
  }
  if (run.length === 1) {
    const t = run[0]!;
    if (isWord(t, 'NULL')) return { kind: 'null', sig: 'null' };
    if (isWord(t, 'TRUE', 'FALSE')) return { kind: 'bool', sig: 'bool', text: t.text.toLowerCase() };
    const s = stringText(t);
    if (s !== undefined) return { kind: 'str', sig: 'str', text: s };
  }
  if (run.length === 2 && run[0]!.kind === 'word' && TYPED_STRINGS.has(run[0]!.text.toUpperCase())) {
    const s = stringText(run[1]);
    const type = run[0]!.text.toUpperCase();
    if (s !== undefined) return { kind: 'typed', sig: `typed ${type}`, text: s, type };
  }
  // A deterministic expression over literals: its value depends on its text alone.
  for (let i = 0; i < run.length; i++) {
    const t = run[i]!;
    if (t.kind === 'number' || (t.kind === 'string' && stringText(t) !== undefined)) continue;
    if (t.kind === 'punct' && OPERATORS.has(t.text)) continue;
    if (t.kind === 'word' && TYPED_STRINGS.has(t.text.toUpperCase()) && run[i + 1]?.kind === 'string') continue;
    if (t.kind === 'word' && isWord(t, 'NULL', 'TRUE', 'FALSE')) continue;
    if (t.kind === 'word' && FUNCTIONS.has(t.text.toLowerCase()) && isPunct(run[i + 1], '(')) continue;
    return undefined;
  }
  const text = sql.slice(run[0]!.start, run.at(-1)!.end);
  return { kind: 'expr', sig: `expr ${text}`, sql: text };
}

/** Whether the cell's text cast to `type` is exactly the value VALUES gives it. */
function castsExactly(cell: Cell, type: string): boolean {
  switch (cell.kind) {
    case 'null':
      return true;
    case 'int':
      return INTEGER_TYPES.has(type) || DECIMAL.test(type);
    case 'dec':
      return DECIMAL.test(type);
    case 'str':
      return type === 'VARCHAR';
    case 'bool':
      return type === 'BOOLEAN';
    case 'typed':
      return type === cell.type;
    case 'expr':
      return EXACT_TEXT(type);
  }
}

/**
 * The text selecting the VALUES source at [start, end) of the statement as typed columns (one
 * DuckDB call on `conn` binds the representative rows); undefined when it does not qualify. A
 * DuckDB error binding the representative rows → undefined too: the statement as written then
 * reports it. Leaves nothing behind on `conn`.
 */
export async function valuesSourceLoad(conn: DuckDBConnection, sql: string, tokens: readonly Token[], start: number, end: number, width: number): Promise<ValuesSource | undefined> {
  const parsed = valuesCells(sql, tokens, start, end);
  if (parsed === undefined || parsed.rows.length < MIN_ROWS) return undefined;
  if (parsed.rows.some((run) => run.length !== width)) return undefined;
  let cells = recalledCells(parsed.rows);
  if (cells === undefined) {
    const fresh: Cell[][] = [];
    for (const run of parsed.rows) {
      const row: Cell[] = [];
      for (const r of run) {
        const cell = cellOf(sql, r);
        if (cell === undefined) return undefined;
        row.push(cell);
      }
      fresh.push(row);
    }
    cells = fresh;
  }
  // Representative rows: every signature of every column, first seen.
  const seen = Array.from({ length: width }, () => new Map<string, number>());
  const reps: number[] = [];
  cells.forEach((row, r) => {
    let fresh = false;
    row.forEach((c, j) => {
      if (!seen[j]!.has(c.sig)) {
        seen[j]!.set(c.sig, reps.length);
        fresh = true;
      }
    });
    // A cell whose signature was seen before keeps pointing at the first row that had it.
    if (fresh) reps.push(r);
  });
  if (reps.length * 4 > cells.length) return undefined;
  const names = Array.from({ length: width }, (_, j) => `c${j}`);
  // A column's type is a function of its cells' signatures (in first-seen order, as the
  // representative rows show them): known from an earlier statement, no representative rows are
  // bound for it. A column whose every cell is ONE expression (a per-batch value such as
  // `TIMESTAMP '…' + to_seconds(7)`) is that expression, evaluated in the load itself: VALUES gives
  // it the expression's type and value (wip/ingest8).
  const sigKeys = seen.map((m) => [...m.keys()].join('\u0000'));
  const uniform = seen.map((m, j) => m.size === 1 && cells[0]![j]!.kind === 'expr');
  const known = sigKeys.map((k, j) => (uniform[j] ? undefined : typesBySignatures.get(k)));
  const cached = uniform.some((u) => !u) && known.every((t, j) => uniform[j] || t !== undefined);
  let types: string[];
  let texts: unknown[][] = [];
  if (cached) {
    types = known.map((t) => t ?? '');
    typesCached++;
  } else {
    const repText = reps.map((r) => `(${parsed.rows[r]!.map((run) => sql.slice(run[0]!.start, run.at(-1)!.end)).join(', ')})`).join(', ');
    try {
      const reader = await conn.runAndReadAll(`SELECT ${names.join(', ')}, ${names.map((n) => `CAST(${n} AS VARCHAR)`).join(', ')} FROM (VALUES ${repText}) AS __k3_values_types(${names.join(', ')})`);
      types = reader.columnTypes().slice(0, width).map(String);
      texts = reader.getRows().map((r) => r.slice(width));
    } catch {
      return undefined;
    }
    rememberTypes(sigKeys, types);
  }
  /** Columns taken as the expression itself (not when every column is one: the split columns give the rows). */
  const someSplit = !uniform.every(Boolean);
  const direct = (j: number): boolean => someSplit && uniform[j]!;
  if (!cells.every((row) => row.every((c, j) => direct(j) || castsExactly(c, types[j]!)))) return undefined;
  const columns: string[][] = names.map(() => []);
  for (const row of cells) {
    for (let j = 0; j < width; j++) {
      if (direct(j)) continue;
      const c = row[j]!;
      const v = c.kind === 'null' ? null : c.kind === 'expr' ? texts[seen[j]!.get(c.sig)!]![j] : c.text;
      if (v === null || v === undefined) {
        columns[j]!.push(NULL_MARK);
        continue;
      }
      const text = String(v);
      if (text.includes(SEP) || text.includes(NULL_MARK)) return undefined;
      columns[j]!.push(text);
    }
  }
  loads++;
  // unnest of the split columns gives the rows; an expression column beside them repeats on every row.
  const split = columns.map((col, j) => (direct(j) ? `(${(cells[0]![j] as { sql: string }).sql}) AS ${names[j]}` : `unnest(string_split(${quoteLiteral(col.join(SEP))}, chr(31))) AS ${names[j]}`)).join(', ');
  const select = names.map((n, j) => (direct(j) ? n : `CAST(NULLIF(${n}, chr(30)) AS ${types[j]})`)).join(', ');
  return { from: `(SELECT ${select} FROM (SELECT ${split}) AS __k3_values_cells) AS ${parsed.alias}`, rows: cells.length, representatives: reps.length };
}

/**
 * The point-lookup shape, classified from the analysed statement's tokens (no DuckDB round trip,
 * docs/design/hot-path.md "Point lookups"):
 *
 *   SELECT * | col [, col …] FROM table WHERE col = value [AND col = value …]
 *
 * where every name is a bare identifier (plain non-keyword word or a double-quoted name) and every
 * value is an integer literal (optionally negative), a plain single-quoted string, or a `$n`
 * parameter. Anything else — a comment-free but different shape, a qualifier, an expression, an
 * ORDER BY, a second table — is not this shape and keeps the general path. The caller still checks
 * the WHERE columns against the table's primary key and the values against the key types
 * (point-lookup-read.ts): on any doubt, the general path answers.
 */
import type { AnalysedStatement } from './analysed-statement.ts';
import { identifierOf, isPunct, isWord, withoutTrailingSemicolons, type Token } from './sql-tokens.ts';

/**
 * DuckDB 1.5's keywords that are not `unreserved` (reserved, type_func, column_name): an unquoted
 * one may parse as something other than a plain column or table name, so the shape refuses it.
 * `test/htap/point-lookup.test.ts` compares this list with the running DuckDB.
 */
export const NOT_UNRESERVED_KEYWORDS: ReadonlySet<string> = new Set(
  [
    'all analyse analyze and anti any array as asc asof asymmetric at authorization between bigint binary',
    'bit boolean both by case cast char character check coalesce collate collation column columns',
    'concurrently constraint create cross dec decimal default deferrable desc describe distinct do else',
    'end except exists extract false fetch float for foreign freeze from full generated glob group',
    'grouping grouping_id having ilike in initially inner inout int integer intersect interval into is',
    'isnull join lambda lateral leading left like limit map national natural nchar none not notnull null',
    'nullif numeric offset on only or order out outer overlaps overlay pivot pivot_longer pivot_wider',
    'placing position positional precision primary qualify real references returning right row select',
    'semi setof show similar smallint some struct substring summarize symmetric table tablesample then',
    'time timestamp to trailing treat trim true try_cast union unique unpack unpivot using values varchar',
    'variadic verbose when where window with xmlattributes xmlconcat xmlelement xmlexists xmlforest',
    'xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable',
  ].join(' ').split(' '),
);

export type LookupValue =
  | { readonly kind: 'integer'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'param'; readonly index: number };

export interface PointLookupShape {
  /** The table name as written (identifier resolution is the catalog's). */
  readonly table: string;
  /** undefined: `*`; else the projected column names as written. */
  readonly columns: readonly string[] | undefined;
  /** The select list exactly as the user wrote it (rendered verbatim over the looked-up relation). */
  readonly projection: string;
  /** `column = value` conjuncts, in the order written. */
  readonly equalities: readonly { readonly column: string; readonly value: LookupValue }[];
}

const shapes = new WeakMap<AnalysedStatement, PointLookupShape | null>();

/** The point-lookup shape of an analysed statement (memoized per analysis), or undefined. */
export function pointLookupShape(analysed: AnalysedStatement): PointLookupShape | undefined {
  const known = shapes.get(analysed);
  if (known !== undefined) return known ?? undefined;
  const statement = analysed.statement;
  const shape = statement === undefined || analysed.timeTravel || analysed.definitionOnly || analysed.pivot || statement.shape.kind !== 'other'
    ? undefined
    : classifyTokens(statement.sql, withoutTrailingSemicolons(statement.tokens));
  shapes.set(analysed, shape ?? null);
  return shape;
}

/** The shape from tokens (exported for tests). */
export function classifyTokens(sql: string, tokens: readonly Token[]): PointLookupShape | undefined {
  let i = 0;
  if (!isWord(tokens[i++], 'SELECT')) return undefined;
  const listStart = tokens[i]?.start;
  let columns: string[] | undefined;
  if (isPunct(tokens[i], '*')) {
    i++;
  } else {
    columns = [];
    for (;;) {
      const name = identifier(tokens[i]);
      if (name === undefined) return undefined;
      columns.push(name);
      i++;
      if (!isPunct(tokens[i], ',')) break;
      i++;
    }
  }
  const listEnd = tokens[i - 1]?.end;
  if (!isWord(tokens[i++], 'FROM')) return undefined;
  const table = identifier(tokens[i++]);
  // DuckDB's own catalog relations (duckdb_tables, sqlite_master, pragma_…) would shadow a bucket table.
  if (table !== undefined && /^(duckdb_|sqlite_|pragma_)/i.test(table)) return undefined;
  if (table === undefined || !isWord(tokens[i++], 'WHERE')) return undefined;
  const equalities: { column: string; value: LookupValue }[] = [];
  for (;;) {
    const column = identifier(tokens[i++]);
    if (column === undefined || !isPunct(tokens[i++], '=')) return undefined;
    const value = valueAt(tokens, i);
    if (value === undefined) return undefined;
    equalities.push({ column, value: value.value });
    i = value.next;
    if (i === tokens.length) break;
    if (!isWord(tokens[i++], 'AND')) return undefined;
  }
  if (listStart === undefined || listEnd === undefined) return undefined;
  return { table, columns, projection: sql.slice(listStart, listEnd), equalities };
}

function identifier(token: Token | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (token.kind === 'quoted') return token.text.length >= 2 && token.text.endsWith('"') && token.text !== '""' ? identifierOf(token) : undefined;
  if (token.kind !== 'word' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(token.text) || NOT_UNRESERVED_KEYWORDS.has(token.text.toLowerCase())) return undefined;
  return token.text;
}

function valueAt(tokens: readonly Token[], i: number): { value: LookupValue; next: number } | undefined {
  const t = tokens[i];
  if (t === undefined) return undefined;
  if (t.kind === 'number' && /^[0-9]+$/.test(t.text)) return { value: { kind: 'integer', text: BigInt(t.text).toString() }, next: i + 1 };
  if (isPunct(t, '-')) {
    const n = tokens[i + 1];
    if (n?.kind === 'number' && /^[0-9]+$/.test(n.text)) return { value: { kind: 'integer', text: (-BigInt(n.text)).toString() }, next: i + 2 };
    return undefined;
  }
  if (t.kind === 'string' && /^'(?:[^']|'')*'$/s.test(t.text)) return { value: { kind: 'string', text: t.text.slice(1, -1).replaceAll("''", "'") }, next: i + 1 };
  if (t.kind === 'param' && /^\$[1-9][0-9]*$/.test(t.text)) return { value: { kind: 'param', index: Number(t.text.slice(1)) }, next: i + 1 };
  return undefined;
}

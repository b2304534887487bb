/**
 * Long IN lists of integer constants, handed to DuckDB as ONE typed list (issue 14, "planning a
 * 20,000-item IN list ≤ 200 ms"). DuckDB's own parse + bind of `id IN (c1, …, c20000)` is ~190 ms
 * (20,000 constant expressions, each bound, cast and folded; its optimizer then turns the list
 * into a join anyway); `id IN (SELECT unnest('[c1,…]'::BIGINT[]))` is one string constant and
 * takes ~20 ms for the same answer.
 *
 * The rewrite is a splice of the statement TEXT (only the items between the parentheses change),
 * so every other byte — output names, comments, placeholders — stays what the client wrote. It
 * applies only where it is exact:
 *   - the list is in the WHERE of the top-level SELECT over one base table, reached through
 *     AND / OR / NOT only (no subquery, lambda or other scope that could rebind the column);
 *   - the tested expression is a column of that table of a plain Delta integer type (byte, short,
 *     integer, long): comparing it with BIGINT values is comparing it with the literals;
 *   - every item is a non-NULL integer constant (no NULL: `x NOT IN (…, NULL)` semantics kept
 *     trivially) and the text between the parentheses is exactly those items, digits and commas
 *     (no comments, `+7`, `1_000`, casts): checked against DuckDB's own values and byte positions;
 *   - at least MIN_ITEMS items (short lists stay byte-identical).
 * `IN (SELECT …)` is SQL's `= ANY (…)`: the same answer as the list, NULL when the column is NULL,
 * and for NOT IN the same answer because the list holds no NULL.
 */
import { K3_COLUMN_META, type StructField } from '../delta/schema.ts';
import type { ColumnRefExpr, Expr, SelectStatement } from './select-ast.ts';

/** Fewer items than this are left as written. */
export const MIN_ITEMS = 64;

const INTEGER_FIELDS = new Set(['byte', 'short', 'integer', 'long']);
const INTEGER_CONSTANTS = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT']);
const ITEM = /\s*(-?\d+)\s*(,|\))/y;

interface RawJson { readonly rawJSON: string }
const isRawJson = (v: unknown): v is RawJson => (JSON as unknown as { isRawJSON(v: unknown): boolean }).isRawJSON(v);

/** The exact decimal text of a non-NULL TINYINT…BIGINT constant of DuckDB's AST, or undefined. */
export function integerConstantText(e: Expr): string | undefined {
  if (e.class !== 'CONSTANT' || e.value.is_null || !INTEGER_CONSTANTS.has(e.value.type.id)) return undefined;
  const raw = e.value.value;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return String(raw);
  return isRawJson(raw) && /^-?\d+$/.test(raw.rawJSON) ? raw.rawJSON : undefined;
}

interface Splice { readonly start: number; readonly end: number; readonly items: readonly string[] }

/**
 * `sql` with each qualifying IN list written as `IN (SELECT unnest('[…]'::BIGINT[]))`, or
 * undefined when nothing qualifies. `statement` is DuckDB's AST of exactly `sql`
 * (json_serialize_sql: `query_location` are UTF-8 byte offsets into it); `fieldType` gives a table
 * column's Delta type when the column may be compared as written (undefined otherwise).
 */
export function compactIntegerInLists(sql: string, statement: SelectStatement, fieldType: (column: string) => string | undefined): string | undefined {
  const node = statement.node;
  if (node.type !== 'SELECT_NODE' || node['from_table'] === null || typeof node['from_table'] !== 'object') return undefined;
  const from = node['from_table'] as { type?: unknown; table_name?: unknown; alias?: unknown };
  if (from.type !== 'BASE_TABLE') return undefined;
  const names = [from.table_name, from.alias].filter((n): n is string => typeof n === 'string' && n !== '').map((n) => n.toLowerCase());
  const column = (e: Expr | undefined): boolean => {
    if (e?.class !== 'COLUMN_REF') return false;
    const parts = (e as ColumnRefExpr).column_names;
    if (parts.length === 2 && !names.includes(parts[0]!.toLowerCase())) return false;
    if (parts.length !== 1 && parts.length !== 2) return false;
    const t = fieldType(parts.at(-1)!);
    return t !== undefined && INTEGER_FIELDS.has(t);
  };
  const lists: Expr[] = [];
  const visit = (e: Expr | null | undefined): void => {
    if (e === null || e === undefined) return;
    if (e.class === 'CONJUNCTION' || (e.class === 'OPERATOR' && e.type === 'OPERATOR_NOT')) {
      for (const c of e.children) visit(c);
    } else if (e.class === 'OPERATOR' && (e.type === 'COMPARE_IN' || e.type === 'COMPARE_NOT_IN') && e.children.length > MIN_ITEMS && column(e.children[0])) {
      lists.push(e);
    }
  };
  visit(node['where_clause'] as Expr | null);
  if (lists.length === 0) return undefined;

  const bytes = Buffer.from(sql, 'utf8');
  const latin = bytes.toString('latin1'); // one char per byte: byte offsets index it directly
  const splices: Splice[] = [];
  for (const list of lists) {
    const items = (list as { children: readonly Expr[] }).children.slice(1);
    const texts: string[] = [];
    for (const x of items) {
      const t = integerConstantText(x);
      if (t === undefined) break;
      texts.push(t);
    }
    const start = items[0]!['query_location'];
    if (texts.length !== items.length || typeof start !== 'number' || start <= 0 || start >= latin.length) continue;
    // The text from the first item to the closing parenthesis must be exactly these items.
    ITEM.lastIndex = start;
    let end = -1;
    let i = 0;
    for (let m = ITEM.exec(latin); m !== null; m = ITEM.exec(latin)) {
      if (i >= texts.length || m[1] !== texts[i]) break;
      i++;
      if (m[2] === ')') {
        end = ITEM.lastIndex - 1;
        break;
      }
    }
    if (end < 0 || i !== texts.length) continue;
    splices.push({ start, end, items: texts });
  }
  if (splices.length === 0) return undefined;
  splices.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const s of splices) {
    out += bytes.subarray(at, s.start).toString('utf8') + `SELECT unnest('[${s.items.join(',')}]'::BIGINT[])`;
    at = s.end;
  }
  return out + bytes.subarray(at).toString('utf8');
}

/** A table column's Delta type by name (case-insensitive), for plain columns only (no restored DuckDB type). */
export function plainFieldTypes(fields: readonly StructField[]): (column: string) => string | undefined {
  const byName = new Map<string, string>();
  for (const f of fields) {
    if (typeof f.type === 'string' && f.metadata?.[K3_COLUMN_META.duckdbType] === undefined) byName.set(f.name.toLowerCase(), f.type);
  }
  return (column) => byName.get(column.toLowerCase());
}

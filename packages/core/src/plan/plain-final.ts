/**
 * A FINAL statement that only picks relation columns and sorts them —
 *
 *   SELECT __k3_g0 AS region, __k3_a0 AS cnt, __k3_a1 AS total FROM __k3_merged ORDER BY total DESC LIMIT 10
 *
 * — answered over the reducer's rows in JavaScript instead of one more DuckDB statement, which was
 * ≈ 3.6 ms of a ≈ 55 ms fan-out through the cluster: DuckDB's fixed cost for any statement after an
 * idle spell, whatever its size (docs/design/hot-path.md "Round 20").
 *
 * `plainFinalOf` reads the planner's FINAL AST and says whether it has that shape: every select item
 * a bare reference to a column of the relation, no WHERE (the user's HAVING), no DISTINCT, no QUALIFY,
 * ORDER BY keys that are output names or relation columns (a COLLATE, an expression or an ordinal is
 * not), LIMIT / OFFSET integer constants. Anything else is undefined, and DuckDB runs the FINAL.
 *
 * `answerPlainFinal` then answers only when it can answer exactly what DuckDB would: at most
 * MAX_PLAIN_ROWS rows (a larger relation is sorted by DuckDB, off the event loop), and every column
 * it returns or sorts by of a type whose domain value and order are JavaScript's own — the integer
 * types, DOUBLE, VARCHAR, BOOLEAN (the FINAL over the relation's typed literals returns the same
 * values: plan/merged-relation.ts). Otherwise undefined, and DuckDB runs the FINAL. The order is
 * DuckDB's with the server's fixed defaults (SET is refused, so nobody changes them): ascending unless
 * DESC, NULLs last unless NULLS FIRST, values by reduce/value.ts `compareValues` (NaN above every
 * number, -0 = 0, strings by code point = UTF-8 bytes, false < true) — the top-k merge's comparator.
 * Rows equal on every key stay in the reducer's order; DuckDB's sort promises no order among them
 * either.
 */
import type { EncodedResult } from '../exec/result-encoding.ts';
import { rowComparator, type ColumnSpec, type ReduceValue } from '../reduce/index.ts';
import { integerLiteral } from './query-shape.ts';
import type { SelectStatement } from './select-ast.ts';

/** The largest relation answered in JavaScript (the same bound as the relation inlined in the FINAL's text). */
export const MAX_PLAIN_ROWS = 500;

export interface PlainFinal {
  /** Output columns in order: the name DuckDB would give, the relation column returned. */
  readonly columns: readonly { readonly name: string; readonly source: string }[];
  /** Sort keys over relation columns, most significant first. */
  readonly orders: readonly { readonly source: string; readonly descending: boolean; readonly nullsFirst: boolean }[];
  readonly limit: number | undefined;
  readonly offset: number;
}

/** The FINAL as a plain projection + sort of `relation`'s columns, or undefined when it is anything more. */
export function plainFinalOf(final: SelectStatement, relation: string): PlainFinal | undefined {
  const node = final.node;
  if (node.type !== 'SELECT_NODE') return undefined;
  if (node.where_clause !== null || node.having !== null || node.qualify !== null || node.group_expressions.length > 0) return undefined;
  if ((node.sample ?? null) !== null || node.cte_map.map.length > 0) return undefined;
  const from = node.from_table;
  if (from.type !== 'BASE_TABLE' || from.table_name !== relation || (from.schema_name ?? '') !== '' || (from.catalog_name ?? '') !== '') return undefined;
  const columns: { name: string; source: string }[] = [];
  for (const e of node.select_list) {
    if (e.class !== 'COLUMN_REF' || e.column_names.length !== 1) return undefined;
    const source = e.column_names[0]!;
    columns.push({ name: e.alias !== undefined && e.alias !== '' ? e.alias : source, source });
  }
  const orders: { source: string; descending: boolean; nullsFirst: boolean }[] = [];
  let limit: number | undefined;
  let offset = 0;
  let seenOrder = false;
  let seenLimit = false;
  for (const m of node.modifiers) {
    if (m.type === 'ORDER_MODIFIER' && !seenOrder) {
      seenOrder = true;
      for (const o of m.orders) {
        const x = o.expression;
        if (x.class !== 'COLUMN_REF' || x.column_names.length !== 1) return undefined;
        const name = x.column_names[0]!;
        // DuckDB resolves an ORDER BY name to the output column first, then to the relation's; a name
        // two output columns share is DuckDB's to resolve.
        const outputs = columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
        if (outputs.length > 1) return undefined;
        orders.push({ source: outputs[0]?.source ?? name, descending: o.type === 'DESCENDING', nullsFirst: o.null_order === 'NULLS FIRST' });
      }
    } else if (m.type === 'LIMIT_MODIFIER' && !seenLimit) {
      seenLimit = true;
      if (m.limit !== null) {
        limit = integerLiteral(m.limit);
        if (limit === undefined) return undefined;
      }
      if (m.offset !== null) {
        const o = integerLiteral(m.offset);
        if (o === undefined) return undefined;
        offset = o;
      }
    } else {
      return undefined; // DISTINCT, LIMIT %, a second ORDER BY or LIMIT
    }
  }
  return { columns, orders, limit, offset };
}

/** A relation value as the domain value DuckDB's FINAL would return for `type`; FAIL when it would not be that exactly. */
const FAIL = Symbol('not plain');
type Domain = (v: Exclude<ReduceValue, null>) => unknown;
const SAFE = 2n ** 53n;
const asInteger: Domain = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? v : FAIL) : typeof v === 'bigint' && v >= -SAFE && v <= SAFE ? Number(v) : FAIL);
const asBigint: Domain = (v) => (typeof v === 'bigint' ? v : typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : FAIL);
const DOMAIN: Readonly<Record<string, Domain>> = {
  TINYINT: asInteger, SMALLINT: asInteger, INTEGER: asInteger, UTINYINT: asInteger, USMALLINT: asInteger, UINTEGER: asInteger,
  DOUBLE: (v) => (typeof v === 'number' ? v : FAIL),
  BIGINT: asBigint, UBIGINT: asBigint, HUGEINT: asBigint,
  VARCHAR: (v) => (typeof v === 'string' ? v : FAIL),
  BOOLEAN: (v) => (typeof v === 'boolean' ? v : FAIL),
};

/** The FINAL's answer over `rows` of `columns`, or undefined when DuckDB must run it (see the module comment). */
export function answerPlainFinal(plain: PlainFinal, columns: readonly ColumnSpec[], rows: readonly (readonly ReduceValue[])[]): EncodedResult | undefined {
  if (rows.length > MAX_PLAIN_ROWS) return undefined;
  const at = new Map(columns.map((c, i) => [c.name, i]));
  const typed = (source: string): { index: number; type: string; domain: Domain } | undefined => {
    const index = at.get(source);
    const type = index === undefined ? undefined : columns[index]!.type;
    const domain = type === undefined ? undefined : DOMAIN[type];
    return domain === undefined ? undefined : { index: index!, type: type!, domain };
  };
  const outputs = plain.columns.map((c) => typed(c.source));
  const keys = plain.orders.map((o) => typed(o.source));
  if (outputs.some((o) => o === undefined) || keys.some((k) => k === undefined)) return undefined;
  // Every value the answer returns or sorts by must be its type's domain value exactly; else DuckDB answers.
  const converted: { row: readonly ReduceValue[]; values: unknown[] }[] = [];
  for (const row of rows) {
    const values: unknown[] = [];
    for (const o of outputs) {
      const v = row[o!.index] ?? null;
      const d = v === null ? null : o!.domain(v);
      if (d === FAIL) return undefined;
      values.push(d);
    }
    for (const k of keys) {
      const v = row[k!.index] ?? null;
      if (v !== null && k!.domain(v) === FAIL) return undefined;
    }
    converted.push({ row, values });
  }
  if (keys.length > 0) {
    const compare = rowComparator(plain.orders.map((o, i) => ({ index: keys[i]!.index, descending: o.descending, nullsFirst: o.nullsFirst })));
    converted.sort((a, b) => compare(a.row, b.row));
  }
  const page = converted.slice(plain.offset, plain.limit === undefined ? undefined : plain.offset + plain.limit);
  return { columns: plain.columns.map((c, i) => ({ name: c.name, type: outputs[i]!.type })), rows: page.map((r) => r.values) };
}

/**
 * The one query shape the federated planner splits: a single SELECT over one base table, without
 * CTEs, set operations, sampling, QUALIFY, window functions, subqueries or parameters. `readShape`
 * either returns that shape with column references normalized (a qualifier naming the table is
 * dropped, so `t.amount` and `amount` compare equal) or a human-readable reason that becomes the
 * response's `strategyReason` when the caller falls back to a single-node plan.
 */
import { isSelectNode, type BaseTableRef, type Expr, type LimitModifier, type OrderModifier, type OtherModifier, type SelectNode, type SelectStatement } from './select-ast.ts';
import { mapChildren, walk } from './ast-walk.ts';

export interface QueryShape {
  readonly node: SelectNode;
  readonly table: BaseTableRef;
  /** The name the query uses for the table (its alias, else its name). */
  readonly tableAlias: string;
  readonly order: OrderModifier | undefined;
  readonly limit: LimitModifier | undefined;
  /** Plain SELECT DISTINCT (DISTINCT ON is refused). */
  readonly distinct: OtherModifier | undefined;
  /** The select list as written (before normalization): DuckDB names result columns from it. */
  readonly writtenSelect: readonly Expr[];
}

export interface Unsplittable {
  readonly reason: string;
}

export function isUnsplittable(x: object): x is Unsplittable {
  return 'reason' in x;
}

const FROM_REASONS: Record<string, string> = {
  JOIN: 'joins are not split across partitions',
  SUBQUERY: 'a subquery in FROM is not split across partitions',
  TABLE_FUNCTION: 'table functions in FROM are not split across partitions',
  EMPTY: 'the query reads no table',
  EXPRESSION_LIST: 'VALUES lists are not split across partitions',
  PIVOT: 'PIVOT is not split across partitions',
};

const CLASS_REASONS: Record<string, string> = {
  WINDOW: 'window functions are not split across partitions',
  SUBQUERY: 'subqueries are not split across partitions',
  PARAMETER: 'prepared-statement parameters are not split across partitions',
  DEFAULT: 'DEFAULT is not valid in a query',
};

/** First reason found in an expression tree, if any. */
export function exprReason(expr: Expr | null): string | undefined {
  if (expr === null) return undefined;
  let reason: string | undefined;
  walk(expr, (e) => {
    reason ??= CLASS_REASONS[e.class];
    return reason === undefined;
  });
  return reason;
}

function normalizeColumns(expr: Expr, qualifiers: readonly string[]): Expr {
  if (expr.class === 'COLUMN_REF') {
    const [first, ...rest] = expr.column_names;
    if (rest.length > 0 && first !== undefined && qualifiers.includes(first.toLowerCase())) return { ...expr, column_names: rest };
    return expr;
  }
  return mapChildren(expr, (c) => normalizeColumns(c, qualifiers));
}

export function readShape(statement: SelectStatement): QueryShape | Unsplittable {
  const node = statement.node;
  if (!isSelectNode(node)) return { reason: `${node.type === 'SET_OPERATION_NODE' ? 'set operations (UNION/INTERSECT/EXCEPT)' : 'recursive or nested queries'} are not split across partitions` };
  if (node.cte_map.map.length > 0) return { reason: 'WITH clauses are not split across partitions' };
  const from = node.from_table;
  if (from.type !== 'BASE_TABLE') return { reason: FROM_REASONS[from.type] ?? `FROM ${from.type} is not split across partitions` };
  if ((from.sample ?? null) !== null || (node.sample ?? null) !== null) return { reason: 'TABLESAMPLE / USING SAMPLE is not split across partitions' };
  if ((from.column_name_alias ?? []).length > 0) return { reason: 'column aliases on the table reference are not split across partitions' };
  if (node.qualify !== null) return { reason: 'QUALIFY is not split across partitions' };
  let order: OrderModifier | undefined;
  let limit: LimitModifier | undefined;
  let distinct: OtherModifier | undefined;
  for (const m of node.modifiers) {
    if (m.type === 'ORDER_MODIFIER' && order === undefined) order = m;
    else if (m.type === 'LIMIT_MODIFIER' && limit === undefined) limit = m;
    else if (m.type === 'DISTINCT_MODIFIER' && distinct === undefined) {
      if (((m.distinct_on_targets ?? []) as unknown[]).length > 0) return { reason: 'DISTINCT ON is not split across partitions' };
      distinct = m;
    } else return { reason: `${m.type} is not split across partitions` };
  }
  const exprs: (Expr | null)[] = [
    ...node.select_list, node.where_clause, ...node.group_expressions, node.having,
    ...(order?.orders.map((o) => o.expression) ?? []), limit?.limit ?? null, limit?.offset ?? null,
  ];
  for (const e of exprs) {
    const reason = exprReason(e);
    if (reason !== undefined) return { reason };
  }
  const tableAlias = from.alias !== undefined && from.alias !== '' ? from.alias : from.table_name;
  const qualifiers = [tableAlias.toLowerCase(), from.table_name.toLowerCase()];
  const norm = (e: Expr): Expr => normalizeColumns(e, qualifiers);
  let tooQualified = false;
  for (const e of exprs) {
    if (e === null) continue;
    walk(e, (x) => {
      if (x.class === 'COLUMN_REF' && x.column_names.length > 2) tooQualified = true;
    });
  }
  if (tooQualified) return { reason: 'schema-qualified column references are not split across partitions' };
  const normOrder = order === undefined ? undefined : { ...order, orders: order.orders.map((o) => ({ ...o, expression: norm(o.expression) })) };
  const normalized: SelectNode = {
    ...node,
    select_list: node.select_list.map(norm),
    where_clause: node.where_clause === null ? null : norm(node.where_clause),
    group_expressions: node.group_expressions.map(norm),
    having: node.having === null ? null : norm(node.having),
    modifiers: [...(distinct ? [distinct] : []), ...(normOrder ? [normOrder] : []), ...(limit ? [limit] : [])],
  };
  return { node: normalized, table: from, tableAlias, order: normOrder, limit, distinct, writtenSelect: node.select_list };
}

/** A non-negative integer LIMIT/OFFSET literal, or undefined when absent or not a plain literal. */
export function integerLiteral(expr: Expr | null | undefined): number | undefined {
  if (expr === null || expr === undefined) return undefined;
  if (expr.class === 'CONSTANT' && !expr.value.is_null && typeof expr.value.value === 'number' && Number.isSafeInteger(expr.value.value) && expr.value.value >= 0) {
    return expr.value.value;
  }
  return undefined;
}

const VOLATILE = new Set([
  'random', 'uuid', 'gen_random_uuid', 'uuidv4', 'uuidv7', 'nextval', 'currval', 'setseed', 'now', 'current_timestamp', 'current_date',
  'current_time', 'get_current_timestamp', 'get_current_time', 'transaction_timestamp', 'localtimestamp', 'localtime', 'today',
  'ulid', 'generate_uuid', // k3 macros (exec/k3-macros.ts): random
]);

/** Lower-cased names of the columns an expression references, or undefined when it is not safe to evaluate early. */
export function referencedColumns(e: Expr): Set<string> | undefined {
  if (exprReason(e) !== undefined) return undefined;
  const cols = new Set<string>();
  let unsafe = false;
  walk(e, (x) => {
    if (x.class === 'COLUMN_REF') {
      if (x.column_names.length !== 1) unsafe = true;
      else cols.add(x.column_names[0]!.toLowerCase());
    }
    if (x.class === 'FUNCTION' && VOLATILE.has(x.function_name.toLowerCase())) unsafe = true;
    if (x.class === 'LAMBDA') unsafe = true;
  });
  return unsafe ? undefined : cols;
}

/**
 * Splits a single-table aggregate query into PARTIAL SQL (run per partition), a MergeSpec (run by
 * the reducer) and FINAL SQL (run over the merged rows), all as DuckDB ASTs.
 *
 *   user:    SELECT region, SUM(amount)/COUNT(*) AS x FROM t WHERE … GROUP BY region HAVING … ORDER BY x LIMIT 3
 *   partial: SELECT region AS __k3_g0, sum(amount) AS __k3_a0_0, count_star() AS __k3_a1_0
 *            FROM __k3_partition AS t WHERE … GROUP BY region
 *   merge:   key [__k3_g0]; __k3_a0 = sum(__k3_a0_0); __k3_a1 = count(__k3_a1_0)
 *   final:   SELECT __k3_g0 AS region, (__k3_a0 / __k3_a1) AS x FROM __k3_merged WHERE <having> ORDER BY x LIMIT 3
 *
 * Invariants: the final SQL sees one row per group, so HAVING becomes WHERE and everything the
 * user wrote outside aggregate calls (expressions, aliases, ORDER BY, LIMIT/OFFSET) is evaluated by
 * DuckDB exactly as written; result columns keep DuckDB's own names (output-names.ts). Any shape
 * or aggregate that cannot be merged exactly returns `{ reason }` and the caller runs the query on
 * a single node.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DataType } from '../delta/schema.ts';
import type { AggregateMerge, MergeSpec } from '../reduce/index.ts';
import { aggregateFunctionNames, containsAggregate, isAggregateCall } from './aggregate-catalog.ts';
import { resolveGroupKeys } from './group-keys.ts';
import { NUMERIC_ARGUMENT, recipeFor, wholeGroupRecipe } from './aggregate-recipes.ts';
import { outputNames } from './output-names.ts';
import { integerLiteral, isUnsplittable, readShape, type Unsplittable } from './query-shape.ts';
import { baseTable, columnRef, selectNode, withAlias, type Expr, type SelectStatement } from './select-ast.ts';
import { containsClass, exprKey, mapChildren, walk } from './ast-walk.ts';

export const PARTITION_VIEW = '__k3_partition';
export const MERGED_RELATION = '__k3_merged';
const RESERVED_PREFIX = '__k3_';

export interface SplitContext {
  readonly conn: DuckDBConnection;
  /** Table columns in schema order with their Delta types (names as the table spells them). */
  readonly columns: readonly { readonly name: string; readonly type: DataType }[];
  /**
   * The table's partition columns. When GROUP BY names all of them, each group lives in one
   * partition and aggregates that cannot be merged run whole per partition (kind `single`).
   */
  readonly partitionColumns?: readonly string[];
}

export interface SplitAggregatePlan {
  readonly kind: 'aggregate';
  /** Runs per partition against a view named PARTITION_VIEW. */
  readonly partial: SelectStatement;
  readonly merge: MergeSpec;
  /** Runs over the reducer's finalized rows, bound as MERGED_RELATION. */
  readonly final: SelectStatement;
}

const NUMERIC = /^(byte|short|integer|long|float|double|decimal\(.*\))$/;

/** True when the statement is an aggregate query (aggregate calls, GROUP BY or HAVING). */
export async function hasAggregates(conn: DuckDBConnection, statement: SelectStatement): Promise<boolean> {
  const node = statement.node;
  if (node.type !== 'SELECT_NODE') return false;
  if (node.group_expressions.length > 0 || node.having !== null || node.aggregate_handling === 'FORCE_AGGREGATES') return true;
  const orders = node.modifiers.flatMap((m) => (m.type === 'ORDER_MODIFIER' ? m.orders.map((o) => o.expression) : []));
  return containsAggregate([...node.select_list, ...orders], await aggregateFunctionNames(conn));
}

export async function splitAggregate(statement: SelectStatement, ctx: SplitContext): Promise<SplitAggregatePlan | Unsplittable> {
  const shape = readShape(statement);
  if (isUnsplittable(shape)) return shape;
  const { node } = shape;
  const aggregates = await aggregateFunctionNames(ctx.conn);
  const tableColumns = ctx.columns.map((c) => c.name);
  const isTableColumn = (n: string): boolean => tableColumns.some((c) => c.toLowerCase() === n.toLowerCase());
  const aliases = node.select_list.map((e) => (e.alias ?? '').toLowerCase()).filter((a) => a !== '');

  if (node.select_list.some((e) => e.class === 'STAR')) return { reason: 'SELECT * cannot be combined with aggregates in a federated plan' };
  // DuckDB answers LIMIT 0 without finalizing any aggregate (so without its errors); so does one node.
  if (integerLiteral(shape.limit?.limit) === 0) return { reason: 'LIMIT 0 reads nothing; it runs on a single node' };
  let reserved = false;
  for (const e of [...node.select_list, node.where_clause, node.having]) {
    if (e !== null) walk(e, (x) => !(reserved ||= (x.alias ?? '').startsWith(RESERVED_PREFIX) || (x.class === 'COLUMN_REF' && x.column_names.some((n) => n.startsWith(RESERVED_PREFIX)))));
  }
  if (reserved) return { reason: `names starting with ${RESERVED_PREFIX} are reserved by the federated planner` };
  if (node.where_clause !== null && containsAggregate([node.where_clause], aggregates)) return { reason: 'aggregates in WHERE are not valid' };
  // DuckDB lets WHERE name a select alias (when no table column has that name); the partial has
  // other select items, so the alias is replaced by its expression.
  const byAlias = new Map(node.select_list.filter((e) => (e.alias ?? '') !== '').map((e) => [e.alias!.toLowerCase(), withAlias(e, '')]));
  const inlineAliases = (e: Expr): Expr => {
    if (e.class === 'COLUMN_REF' && e.column_names.length === 1 && !isTableColumn(e.column_names[0]!)) return byAlias.get(e.column_names[0]!.toLowerCase()) ?? e;
    return mapChildren(e, inlineAliases);
  };
  const where = node.where_clause === null ? null : inlineAliases(node.where_clause);
  if (where !== null && containsAggregate([where], aggregates)) return { reason: 'aggregates in WHERE are not valid' };

  const groups = resolveGroupKeys(node, (e) => containsAggregate([e], aggregates), isTableColumn);
  if (isUnsplittable(groups)) return groups;
  // Collated keys group 'EU' and 'eu' together inside a partition but not across partitions.
  if (groups.some((g) => containsClass(g, ['COLLATE']))) return { reason: 'GROUP BY … COLLATE is not split across partitions' };
  const groupKeys = groups.map(exprKey);
  const partitionColumns = ctx.partitionColumns ?? [];
  // Float partition values are left out: -0.0 and 0.0 are two partitions but one group.
  const aligned = partitionColumns.length > 0 && partitionColumns.every((p) => {
    const type = ctx.columns.find((c) => c.name.toLowerCase() === p.toLowerCase())?.type;
    return type !== 'float' && type !== 'double' && groups.some((g) => g.class === 'COLUMN_REF' && g.column_names.length === 1 && g.column_names[0]!.toLowerCase() === p.toLowerCase());
  });

  // ── aggregate calls → partial columns ───────────────────────────────────────────────────
  const merges: AggregateMerge[] = [];
  const partialAggs: Expr[] = [];
  const aggIndex = new Map<string, number>();
  let failure: string | undefined;
  const typeOf = (e: Expr): DataType | undefined =>
    e.class === 'COLUMN_REF' && e.column_names.length === 1 ? ctx.columns.find((c) => c.name.toLowerCase() === e.column_names[0]!.toLowerCase())?.type : undefined;

  const rewrite = (e: Expr): Expr => {
    const gi = groupKeys.indexOf(exprKey(e));
    if (gi >= 0) return columnRef(`${RESERVED_PREFIX}g${gi}`);
    if (isAggregateCall(e, aggregates)) {
      const key = exprKey(e);
      let ai = aggIndex.get(key);
      if (ai === undefined) {
        if (containsAggregate([...e.children, e.filter], aggregates)) failure ??= 'nested aggregates are not valid';
        // The reducer compares values in binary order, whatever collation the call asked for.
        if (e.children.some((c) => containsClass(c, ['COLLATE']))) failure ??= `${e.function_name}() over a COLLATE expression is not split across partitions`;
        const merged = recipeFor(e);
        const whole = 'reason' in merged && aligned ? wholeGroupRecipe(e) : undefined;
        const recipe = whole ?? merged;
        if ('reason' in recipe) {
          failure ??= recipe.reason;
          return e;
        }
        const argType = e.children[0] === undefined ? undefined : typeOf(e.children[0]);
        if (whole === undefined && NUMERIC_ARGUMENT.has(e.function_name.toLowerCase()) && typeof argType === 'string' && !NUMERIC.test(argType)) {
          failure ??= `${e.function_name}() over a ${argType} column is not split across partitions`;
        }
        if (argType !== undefined && typeof argType !== 'string') failure ??= `${e.function_name}() over a nested column is not split across partitions`;
        ai = merges.length;
        aggIndex.set(key, ai);
        const inputs = recipe.partials.map((p, j) => {
          const name = `${RESERVED_PREFIX}a${ai}_${j}`;
          partialAggs.push(withAlias(p, name));
          return name;
        });
        merges.push({ output: `${RESERVED_PREFIX}a${ai}`, kind: recipe.kind, inputs });
      }
      return columnRef(`${RESERVED_PREFIX}a${ai}`);
    }
    return mapChildren(e, rewrite);
  };

  const select = node.select_list.map(rewrite);
  const having = node.having === null ? null : rewrite(node.having);
  const orders = (shape.order?.orders ?? []).map((o) => {
    const x = o.expression;
    // ORDER BY <alias> names the output column (DuckDB prefers aliases there), so it is kept as is.
    const isAlias = x.class === 'COLUMN_REF' && x.column_names.length === 1 && aliases.includes(x.column_names[0]!.toLowerCase());
    return { ...o, expression: isAlias ? x : rewrite(x) };
  });
  if (failure !== undefined) return { reason: failure };

  // Whatever column reference survives must name a select alias; anything else is ungrouped.
  for (const e of [...select, having, ...orders.map((o) => o.expression)]) {
    if (e === null) continue;
    walk(e, (x) => {
      if (x.class === 'COLUMN_REF' && !x.column_names[0]!.startsWith(RESERVED_PREFIX) && !(x.column_names.length === 1 && aliases.includes(x.column_names[0]!.toLowerCase()))) {
        failure ??= `column ${x.column_names.join('.')} is neither grouped nor aggregated`;
      }
    });
  }
  for (const g of groups) {
    const t = typeOf(g);
    if (t !== undefined && typeof t !== 'string') failure ??= 'grouping by a nested column is not split across partitions';
  }
  if (failure !== undefined) return { reason: failure };

  const names = await outputNames(ctx.conn, shape.writtenSelect, tableColumns);
  const groupColumns = groups.map((_, i) => `${RESERVED_PREFIX}g${i}`);
  const partial = selectNode({
    select_list: [...groups.map((g, i) => withAlias(g, groupColumns[i]!)), ...partialAggs],
    from_table: baseTable(PARTITION_VIEW, shape.tableAlias),
    where_clause: where,
    group_expressions: groups,
    group_sets: groups.length === 0 ? [] : [groups.map((_, i) => i)],
  });
  const final = selectNode({
    select_list: select.map((e, i) => withAlias(e, names[i]!)),
    from_table: baseTable(MERGED_RELATION),
    where_clause: having,
    modifiers: [
      ...(shape.distinct ? [shape.distinct] : []),
      ...(orders.length > 0 ? [{ type: 'ORDER_MODIFIER' as const, orders }] : []),
      ...(shape.limit ? [shape.limit] : []),
    ],
  });
  return { kind: 'aggregate', partial: { node: partial }, merge: { groupColumns, aggregates: merges }, final: { node: final } };
}

/**
 * Splits a single-table non-aggregate query for FEDERATED_SCAN: every partition runs the query with
 * its ORDER BY and LIMIT (limit + offset, no OFFSET) pushed down; FINAL SQL re-applies ORDER BY,
 * LIMIT and OFFSET over the concatenation (bound as SCAN_RELATION). This is exact because the
 * first n+m rows of the whole are among the first n+m rows of some partition.
 *
 * ORDER BY keys that are not result columns travel as hidden columns `__k3_s<i>` and are dropped
 * by `SELECT * EXCLUDE (…)` in FINAL SQL. Output column names must be unique (the concatenation is
 * a relation). `topK` tells a streaming reducer how to keep only the first `k` rows. SELECT
 * DISTINCT runs in the partials and again in FINAL SQL (rows may repeat across partitions).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SortKey } from '../reduce/index.ts';
import { outputNames } from './output-names.ts';
import { integerLiteral, isUnsplittable, readShape, type Unsplittable } from './query-shape.ts';
import { PARTITION_VIEW } from './split-aggregate.ts';
import { baseTable, bigintConstant, columnRef, selectNode, starExpr, withAlias, type Expr, type OrderByNode, type ResultModifier, type SelectStatement } from './select-ast.ts';
import { containsClass, exprKey } from './ast-walk.ts';

export const SCAN_RELATION = '__k3_rows';

export interface ScanContext {
  readonly conn: DuckDBConnection;
  readonly columns: readonly { readonly name: string }[];
}

export interface SplitScanPlan {
  readonly kind: 'scan';
  readonly partial: SelectStatement;
  readonly final: SelectStatement;
  /** Present when rows can be merged with a bounded top-k: sort keys over partial columns. */
  readonly topK: { readonly k: number; readonly keys: readonly (Omit<SortKey, 'index'> & { readonly column: string })[] } | undefined;
}

export async function splitScan(statement: SelectStatement, ctx: ScanContext): Promise<SplitScanPlan | Unsplittable> {
  const shape = readShape(statement);
  if (isUnsplittable(shape)) return shape;
  const { node, order, limit, distinct } = shape;
  if (node.group_expressions.length > 0 || node.having !== null || node.aggregate_handling === 'FORCE_AGGREGATES') {
    return { reason: 'aggregate queries are split by splitAggregate' };
  }
  const stars = node.select_list.filter((e) => e.class === 'STAR');
  if (stars.some((s) => s.class === 'STAR' && (s.columns || s.relation_name !== '' || JSON.stringify([s.exclude_list, s.replace_list, s.rename_list]) !== '[[],[],[]]'))) {
    return { reason: 'COLUMNS(…), qualified, EXCLUDE/REPLACE/RENAME stars are not split across partitions' };
  }
  const names: string[] = [];
  const written = shape.writtenSelect;
  for (const [i, e] of node.select_list.entries()) {
    if (e.class === 'STAR') names.push(...ctx.columns.map((c) => c.name));
    else names.push(...(await outputNames(ctx.conn, [written[i]!], ctx.columns.map((c) => c.name))));
  }
  const lower = names.map((n) => n.toLowerCase());
  if (new Set(lower).size !== lower.length) return { reason: 'duplicate result column names are not split across partitions' };
  if (lower.some((n) => n.startsWith('__k3_'))) return { reason: 'names starting with __k3_ are reserved by the federated planner' };

  const limitN = integerLiteral(limit?.limit);
  const offsetN = integerLiteral(limit?.offset) ?? 0;
  if ((limit?.limit ?? null) !== null && limitN === undefined) return { reason: 'a LIMIT that is not an integer literal is not split across partitions' };
  if ((limit?.offset ?? null) !== null && integerLiteral(limit?.offset) === undefined) return { reason: 'an OFFSET that is not an integer literal is not split across partitions' };

  const hidden: Expr[] = [];
  const finalOrders: OrderByNode[] = [];
  const keys: (Omit<SortKey, 'index'> & { column: string })[] = [];
  for (const o of order?.orders ?? []) {
    const x = o.expression;
    let column: string | undefined;
    if (x.class === 'CONSTANT' && integerLiteral(x) !== undefined) {
      column = names[integerLiteral(x)! - 1];
      if (column === undefined) return { reason: `ORDER BY ${integerLiteral(x)} is out of range` };
    } else if (x.class === 'COLUMN_REF' && x.column_names.length === 1 && lower.includes(x.column_names[0]!.toLowerCase())) {
      column = names[lower.indexOf(x.column_names[0]!.toLowerCase())];
    } else if (x.class === 'STAR') {
      return { reason: 'ORDER BY ALL is not split across partitions' };
    } else if (containsClass(x, ['COLLATE'])) {
      // The merged rows would be re-sorted by value, not by the collation.
      return { reason: 'ORDER BY … COLLATE is not split across partitions' };
    } else {
      const item = node.select_list.findIndex((e) => e.class !== 'STAR' && exprKey(e) === exprKey(x));
      column = item >= 0 && stars.length === 0 ? names[item] : undefined;
    }
    if (column === undefined) {
      column = `__k3_s${hidden.length}`;
      hidden.push(withAlias(x, column));
    }
    finalOrders.push({ ...o, expression: columnRef(column) });
    keys.push({ column, descending: o.type === 'DESCENDING', nullsFirst: o.null_order === 'NULLS FIRST' });
  }

  const pushedLimit = limitN === undefined ? undefined : limitN + offsetN;
  if (distinct && hidden.length > 0) return { reason: 'SELECT DISTINCT ordered by something it does not select is not split across partitions' };
  // The partial keeps DISTINCT and ORDER BY as written: hidden keys are only extra output columns.
  const partialModifiers: ResultModifier[] = [
    ...(distinct ? [distinct] : []),
    ...(order ? [order] : []),
    ...(pushedLimit === undefined ? [] : [{ type: 'LIMIT_MODIFIER' as const, limit: bigintConstant(pushedLimit), offset: null }]),
  ];
  const partial = selectNode({
    ...node,
    select_list: [...node.select_list, ...hidden],
    from_table: baseTable(PARTITION_VIEW, shape.tableAlias),
    modifiers: partialModifiers,
  });
  const final = selectNode({
    select_list: [starExpr(hidden.map((h) => h.alias ?? ''))],
    from_table: baseTable(SCAN_RELATION),
    modifiers: [
      ...(distinct ? [distinct] : []),
      ...(finalOrders.length > 0 ? [{ type: 'ORDER_MODIFIER' as const, orders: finalOrders }] : []),
      ...(limit ? [limit] : []),
    ],
  });
  // A bounded heap would keep duplicates and drop distinct rows: no top-k under DISTINCT.
  const topK = pushedLimit === undefined || distinct ? undefined : { k: pushedLimit, keys };
  return { kind: 'scan', partial: { node: partial }, final: { node: final }, topK };
}

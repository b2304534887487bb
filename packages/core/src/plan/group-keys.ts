/**
 * The GROUP BY keys of an aggregate query as expressions, resolved the way DuckDB binds them:
 * `GROUP BY ALL` groups by every select item without an aggregate; an integer literal is a
 * 1-based select-list position; a bare name that is not a table column may name a select alias
 * (table columns win, as in DuckDB). GROUPING SETS / ROLLUP / CUBE are not split.
 */
import type { Unsplittable } from './query-shape.ts';
import { withAlias, type Expr, type SelectNode } from './select-ast.ts';

export function resolveGroupKeys(node: SelectNode, hasAggregate: (e: Expr) => boolean, isTableColumn: (name: string) => boolean): Expr[] | Unsplittable {
  let groups: Expr[];
  if (node.aggregate_handling === 'FORCE_AGGREGATES') {
    groups = node.select_list.filter((e) => !hasAggregate(e)).map((e) => withAlias(e, ''));
  } else {
    const sets = node.group_sets;
    const all = node.group_expressions.map((_, i) => i);
    if (sets.length > 1 || (sets.length === 1 && JSON.stringify(sets[0]) !== JSON.stringify(all))) {
      return { reason: 'GROUPING SETS / ROLLUP / CUBE are not split across partitions' };
    }
    groups = [];
    for (const g of node.group_expressions) {
      if (g.class === 'CONSTANT' && typeof g.value.value === 'number' && g.value.type.id === 'INTEGER') {
        const item = node.select_list[g.value.value - 1];
        if (item === undefined) return { reason: `GROUP BY ${g.value.value} is out of range` };
        groups.push(withAlias(item, ''));
      } else if (g.class === 'COLUMN_REF' && g.column_names.length === 1 && !isTableColumn(g.column_names[0]!)) {
        const item = node.select_list.find((e) => (e.alias ?? '').toLowerCase() === g.column_names[0]!.toLowerCase());
        groups.push(item === undefined ? g : withAlias(item, ''));
      } else {
        groups.push(g);
      }
    }
  }
  if (groups.some(hasAggregate)) return { reason: 'aggregates in GROUP BY are not valid' };
  return groups;
}

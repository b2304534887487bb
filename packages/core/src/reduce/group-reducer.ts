/**
 * Merges partial rows (one per group per partition) into one finalized row per group.
 *
 * Invariants: groups are keyed null-safely by the whole key tuple (reduce/value.ts `groupKey`), so
 * NULL keys form their own group and keys of any type mix; a global aggregate (no group columns)
 * always yields exactly one row, even with no partials at all, like SQL. The output is the input
 * of the FINAL SQL, which applies HAVING, ORDER BY, LIMIT and outer expressions in DuckDB.
 */
import { KIND_HANDLERS, type MergeKind } from './aggregate-kinds.ts';
import { groupKey, type ReduceValue } from './value.ts';

export interface ColumnSpec {
  readonly name: string;
  /** DuckDB type text, e.g. `BIGINT`, `DECIMAL(38,2)`. */
  readonly type: string;
}

export interface AggregateMerge {
  /** Column name of the finalized value in the merged relation. */
  readonly output: string;
  readonly kind: MergeKind;
  /** Partial column names, in the order aggregate-kinds.ts lists for the kind. */
  readonly inputs: readonly string[];
}

export interface MergeSpec {
  /** Partial column names holding the group key, also the merged relation's key column names. */
  readonly groupColumns: readonly string[];
  readonly aggregates: readonly AggregateMerge[];
}

export interface MergedRows {
  readonly columns: ColumnSpec[];
  readonly rows: ReduceValue[][];
}

export interface GroupReducer {
  /** Fold the partial rows of one job; `columns` describes them (names and DuckDB types). */
  add(columns: readonly ColumnSpec[], rows: readonly (readonly ReduceValue[])[]): void;
  finalize(): MergedRows;
}

interface Group {
  readonly key: readonly ReduceValue[];
  readonly states: unknown[];
}

export function createGroupReducer(spec: MergeSpec): GroupReducer {
  const groups = new Map<string, Group>();
  let types: Map<string, string> | undefined;

  const indexOf = (columns: readonly ColumnSpec[], name: string): number => {
    const i = columns.findIndex((c) => c.name === name);
    if (i < 0) throw new TypeError(`partial result has no column ${JSON.stringify(name)}`);
    return i;
  };

  return {
    add(columns, rows) {
      types ??= new Map(columns.map((c) => [c.name, c.type]));
      const keyIdx = spec.groupColumns.map((n) => indexOf(columns, n));
      const aggIdx = spec.aggregates.map((a) => a.inputs.map((n) => indexOf(columns, n)));
      for (const row of rows) {
        const key = keyIdx.map((i) => row[i] ?? null);
        const id = groupKey(key);
        let g = groups.get(id);
        if (g === undefined) {
          g = { key, states: spec.aggregates.map((a) => KIND_HANDLERS[a.kind].init) };
          groups.set(id, g);
        }
        spec.aggregates.forEach((a, j) => {
          const h = KIND_HANDLERS[a.kind];
          const partial = h.fromPartial((aggIdx[j] ?? []).map((i) => row[i] ?? null));
          g.states[j] = h.merge(g.states[j], partial);
        });
      }
    },
    finalize() {
      const typeOf = (n: string): string => types?.get(n) ?? 'NULL';
      const columns: ColumnSpec[] = [
        ...spec.groupColumns.map((name) => ({ name, type: typeOf(name) })),
        ...spec.aggregates.map((a) => ({ name: a.output, type: KIND_HANDLERS[a.kind].outputType(a.inputs.map(typeOf)) })),
      ];
      const all = [...groups.values()];
      if (all.length === 0 && spec.groupColumns.length === 0) {
        all.push({ key: [], states: spec.aggregates.map((a) => KIND_HANDLERS[a.kind].init) });
      }
      const rows = all.map((g) => [
        ...g.key,
        ...spec.aggregates.map((a, j) => KIND_HANDLERS[a.kind].finalize(g.states[j], a.inputs.map(typeOf))),
      ]);
      return { columns, rows };
    },
  };
}

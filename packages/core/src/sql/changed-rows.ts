/**
 * changedRowsSql: the rows a keyed write changed or added — `target EXCEPT before` — as an ANTI JOIN
 * on every column with NULL-equal comparison (docs/design/hot-path.md, "MERGE ingest: the changed
 * rows without EXCEPT (wip/ingest7)"). DuckDB's EXCEPT builds a set-operation hash table whose fixed
 * cost dominates a few hundred rows (measured ≈ 2.1 ms against ≈ 1.1 ms for this join on the
 * ingest bench's 200-row batch).
 *
 * The same rows as EXCEPT except that EXCEPT also collapses identical rows of `target`: two identical
 * rows share their key, so the write fails its duplicate-key check (asked in the same DuckDB call)
 * before the captured rows are used. `IS NOT DISTINCT FROM` is the comparison EXCEPT applies (NULL
 * equals NULL; `changed-rows.test.ts` compares both on NULLs, ±0.0, NaN, nested and text values).
 * Callers keep EXCEPT on their failure path, so a type the join cannot compare still gets
 * DuckDB's canonical answer.
 */
import { quoteIdentifier as q } from '../exec/index.ts';

let built = 0;
/** How many times a keyed write took the anti join (tests assert which path ran). */
export function changedRowsJoins(): number {
  return built;
}

/** `SELECT t.* FROM <target> t ANTI JOIN <before> b ON <every column NULL-equal>` (keys first: the hash join's build keys). */
export function changedRowsSql(target: string, before: string, columns: readonly string[], keys: readonly string[]): string {
  built++;
  const ordered = [...keys, ...columns.filter((c) => !keys.includes(c))];
  const on = ordered.map((c) => `t.${q(c)} IS NOT DISTINCT FROM b.${q(c)}`).join(' AND ');
  return `SELECT t.* FROM ${target} AS t ANTI JOIN ${before} AS b ON ${on}`;
}

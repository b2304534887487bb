/**
 * PlanCache: a federated read's plan by the snapshot it was planned over and the statement's text
 * (docs/design/hot-path.md, "Round 19"). A plan is a pure function of the two: the planner prunes
 * with DuckDB only through conjuncts free of parameters, subqueries and volatile or time-dependent
 * functions (prune.ts), splits the AST, and prints SQL — nothing it reads changes while the
 * snapshot stays the same. The snapshot is the key's other half by identity: the snapshot cache
 * hands out the same object exactly while the table's newest commit is the same object
 * (catalog/snapshot-cache.ts), so a commit, a drain or a table dropped and created again means
 * another object and a miss, and the plans of a snapshot nobody holds any more go with it (a
 * WeakMap). Statements with parameters are not kept (their values are planned as constants).
 * Bounded per snapshot: the least recently used plan out past `maxPerSnapshot`.
 */
export class PlanCache<S extends object, P> {
  readonly #bySnapshot = new WeakMap<S, Map<string, P>>();
  readonly #maxPerSnapshot: number;
  /** Lookups that found a plan (tests assert the second run of a statement plans nothing). */
  hits = 0;

  constructor(maxPerSnapshot = 64) {
    this.#maxPerSnapshot = maxPerSnapshot;
  }

  get(snapshot: S, sql: string): P | undefined {
    const plans = this.#bySnapshot.get(snapshot);
    const hit = plans?.get(sql);
    if (hit === undefined) return undefined;
    plans!.delete(sql);
    plans!.set(sql, hit);
    this.hits++;
    return hit;
  }

  set(snapshot: S, sql: string, plan: P): void {
    let plans = this.#bySnapshot.get(snapshot);
    if (plans === undefined) this.#bySnapshot.set(snapshot, (plans = new Map()));
    plans.delete(sql);
    plans.set(sql, plan);
    while (plans.size > this.#maxPerSnapshot) plans.delete(plans.keys().next().value!);
  }
}

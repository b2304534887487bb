/**
 * PlanCache: a federated read's plan by the snapshot it was planned over and the statement's text
 * (docs/design/hot-path.md, "Round 19"). A plan is a pure function of the two: the planner prunes
 * with DuckDB only through conjuncts free of parameters, subqueries and volatile or time-dependent
 * functions (prune.ts), splits the AST, and prints SQL — nothing it reads changes while the
 * snapshot stays the same. The snapshot is the key's other half by identity: the snapshot cache
 * hands out the same object exactly while the table's newest commit is the same object
 * (catalog/snapshot-cache.ts), so a commit, a drain or a table dropped and created again means
 * another object and a miss. Each snapshot object gets a number never given to another one (a
 * WeakMap, so the cache does not keep snapshots alive); entries are keyed by that number and the text.
 * Statements with parameters are not kept by the caller (their values are planned as constants).
 *
 * Bounded: at most `maxEntries` plans and `maxWeight` in total of `weigh(plan)` (the caller weighs a
 * plan by the files it lists, which a plan of an old snapshot keeps alive), least recently used out;
 * a plan heavier than the bound is not kept.
 */
export class PlanCache<S extends object, P> {
  readonly #ids = new WeakMap<S, number>();
  #nextId = 0;
  readonly #entries = new Map<string, { readonly plan: P; readonly weight: number }>();
  readonly #weigh: (plan: P) => number;
  readonly #maxEntries: number;
  readonly #maxWeight: number;
  #weight = 0;
  /** Lookups that found a plan (tests assert the second run of a statement plans nothing). */
  hits = 0;

  constructor(weigh: (plan: P) => number, maxEntries = 256, maxWeight = 200_000) {
    this.#weigh = weigh;
    this.#maxEntries = maxEntries;
    this.#maxWeight = maxWeight;
  }

  get(snapshot: S, sql: string): P | undefined {
    const id = this.#ids.get(snapshot);
    if (id === undefined) return undefined;
    const key = `${id}\0${sql}`;
    const hit = this.#entries.get(key);
    if (hit === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    this.hits++;
    return hit.plan;
  }

  set(snapshot: S, sql: string, plan: P): void {
    const weight = Math.max(1, this.#weigh(plan));
    if (weight > this.#maxWeight) return;
    let id = this.#ids.get(snapshot);
    if (id === undefined) this.#ids.set(snapshot, (id = this.#nextId++));
    const key = `${id}\0${sql}`;
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#entries.delete(key);
      this.#weight -= old.weight;
    }
    this.#entries.set(key, { plan, weight });
    this.#weight += weight;
    while (this.#entries.size > this.#maxEntries || this.#weight > this.#maxWeight) {
      const [oldest, entry] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      this.#weight -= entry.weight;
    }
  }

  /** Plans kept now (tests). */
  get size(): number {
    return this.#entries.size;
  }
}

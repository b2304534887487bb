/**
 * PrintedSqlCache: SQL text DuckDB printed for a serialized statement (`json_deserialize_sql`), by
 * the statement's JSON. The printing is a pure function of that JSON for the life of the process
 * (the DuckDB build is fixed), so a repeated statement shape — the planner's output names, partial
 * and final SQL of the same query — is printed once instead of one DuckDB round trip per request
 * (docs/design/hot-path.md, "Planning a repeated statement"). Nothing about a table's state is in
 * the key or the value, so nothing here can make a read stale. Bounded: least recently used out
 * past `maxEntries` or `maxChars` (JSON + SQL); a pair larger than the bound is not kept.
 */
export class PrintedSqlCache {
  readonly #entries = new Map<string, string>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #chars = 0;

  constructor(maxEntries = 4096, maxChars = 16 * 1024 * 1024) {
    this.#maxEntries = maxEntries;
    this.#maxChars = maxChars;
  }

  get(json: string): string | undefined {
    const hit = this.#entries.get(json);
    if (hit === undefined) return undefined;
    this.#entries.delete(json);
    this.#entries.set(json, hit);
    return hit;
  }

  set(json: string, sql: string): void {
    const size = json.length + sql.length;
    if (size > this.#maxChars || this.#entries.has(json)) return;
    this.#entries.set(json, sql);
    this.#chars += size;
    while (this.#entries.size > this.#maxEntries || this.#chars > this.#maxChars) {
      const [oldest, printed] = this.#entries.entries().next().value!;
      this.#entries.delete(oldest);
      this.#chars -= oldest.length + printed.length;
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** The process's cache (one DuckDB build per process). */
export const printedSql = new PrintedSqlCache();

/**
 * StatementCache: analysed statements by request text, least recently used first out
 * (docs/design/statement-analysis.md, "The cache"). Bounded by entry count and by the total length
 * of the texts it holds, so a few huge statements (a 20,000-item IN list) cannot pin memory.
 *
 * No invalidation is needed: an analysis depends on the text alone (analysed-statement.ts), never
 * on a table's state. A failing analysis is not cached; the next request analyses again and fails
 * the same way.
 */
import { analyseStatement, type AnalyseOptions, type AnalysedStatement } from './analysed-statement.ts';

export interface StatementCacheLimits {
  /** Entries kept. */
  readonly maxEntries: number;
  /** Total characters of the cached texts; a text longer than this is analysed but not cached. */
  readonly maxChars: number;
}

// An analysis with its tokens and DuckDB AST holds ~55 bytes per character of text: 1 Mi characters ≈ 55 MiB at most.
export const DEFAULT_STATEMENT_CACHE_LIMITS: StatementCacheLimits = { maxEntries: 512, maxChars: 1024 * 1024 };

export class StatementCache {
  readonly #limits: StatementCacheLimits;
  // A Map iterates in insertion order: re-inserting on a hit keeps the oldest entry first.
  readonly #entries = new Map<string, AnalysedStatement>();
  #chars = 0;
  #hits = 0;
  #misses = 0;

  readonly #options: AnalyseOptions;

  constructor(limits: StatementCacheLimits = DEFAULT_STATEMENT_CACHE_LIMITS, options: AnalyseOptions = {}) {
    this.#limits = limits;
    this.#options = options;
  }

  /** The analysis of `sql` for `paramCount` bound values (see analyseStatement), from the cache when present. */
  analyse(sql: string, paramCount: number | undefined): AnalysedStatement {
    const key = `${paramCount ?? '*'}\u0000${sql}`;
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#hits++;
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    this.#misses++;
    const analysed = analyseStatement(sql, paramCount, this.#options);
    if (key.length <= this.#limits.maxChars && this.#limits.maxEntries > 0) {
      this.#entries.set(key, analysed);
      this.#chars += key.length;
      this.#evict();
    }
    return analysed;
  }

  /** Entries, characters held, hits and misses since the cache was made. */
  stats(): { entries: number; chars: number; hits: number; misses: number } {
    return { entries: this.#entries.size, chars: this.#chars, hits: this.#hits, misses: this.#misses };
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#limits.maxEntries && this.#chars <= this.#limits.maxChars) return;
      this.#entries.delete(key);
      this.#chars -= key.length;
    }
  }
}

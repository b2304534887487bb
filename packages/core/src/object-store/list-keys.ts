/**
 * Listing semantics shared by the adapters that list from a key set of their own (memory, local
 * directory), so that they behave exactly like S3's ListObjectsV2:
 * - order is UTF-8 byte order (not JS UTF-16 order, which differs above U+FFFF);
 * - `startAfter` filters keys first, then keys with `delimiter` after the prefix roll up into one
 *   common prefix each (so a prefix can reappear after a `startAfter` inside it, as on S3);
 * - `limit` counts objects and common prefixes together, like S3's MaxKeys.
 */
import type { ListOptions, ListResult, ObjectMeta } from './object-store.ts';

const encoder = new TextEncoder();

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Compares keys by their UTF-8 bytes, the order S3 lists in. Without surrogates (no character
 * above U+FFFF) UTF-16 code-unit order IS UTF-8 byte order, so the common case compares the
 * strings directly: a local-store LIST sorts every entry of a directory (the write log's), and
 * encoding both keys per comparison dominated it in the keyed-write profile.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(encoder.encode(a), encoder.encode(b));
}

/** Incremental builder: feed keys in UTF-8 order, ask `done` before each. */
export class ListCollector {
  readonly #prefix: string;
  readonly #options: ListOptions;
  readonly objects: ObjectMeta[] = [];
  readonly prefixes: string[] = [];

  constructor(prefix: string, options: ListOptions = {}) {
    this.#prefix = prefix;
    this.#options = options;
  }

  get done(): boolean {
    const { limit } = this.#options;
    return limit !== undefined && this.objects.length + this.prefixes.length >= limit;
  }

  /** The common prefix `key` rolls up into, or undefined if it is listed as an object. */
  rollUp(key: string): string | undefined {
    const { delimiter } = this.#options;
    if (delimiter === undefined || delimiter === '') return undefined;
    const at = key.indexOf(delimiter, this.#prefix.length);
    return at < 0 ? undefined : key.slice(0, at + delimiter.length);
  }

  /** True when `key` belongs in the listing at all (prefix and startAfter). */
  accepts(key: string): boolean {
    if (!key.startsWith(this.#prefix)) return false;
    const { startAfter } = this.#options;
    return startAfter === undefined || compareKeys(key, startAfter) > 0;
  }

  /** Adds a key that `accepts`; `meta` is only called for keys that are listed as objects. */
  add(key: string, meta: () => ObjectMeta): void {
    if (this.done) return;
    const common = this.rollUp(key);
    if (common === undefined) {
      this.objects.push(meta());
    } else if (this.prefixes[this.prefixes.length - 1] !== common) {
      this.prefixes.push(common);
    }
  }

  result(): ListResult {
    return { objects: this.objects, prefixes: this.prefixes };
  }
}

/** Lists from an unsorted key set held in memory. */
export function listFromEntries(entries: Iterable<ObjectMeta>, prefix: string, options: ListOptions = {}): ListResult {
  const collector = new ListCollector(prefix, options);
  const accepted = [...entries].filter((e) => collector.accepts(e.key)).sort((a, b) => compareKeys(a.key, b.key));
  for (const entry of accepted) {
    if (collector.done) break;
    collector.add(entry.key, () => entry);
  }
  return collector.result();
}

/**
 * keysWithRange: the key tuples of a TEMP keys table as write-log text AND the range filter over
 * its first key column, answered by ONE query (docs/design/hot-path.md, "Concurrent MERGE ingest",
 * wip/ingest5). A scoped MERGE asked them in two DuckDB calls — the range (`keyRangeFilter`, riding
 * in the source's call) and then the keys as text (`captureKeys`) for loading their STRONG rows;
 * the range now rides as two window aggregates beside every captured key.
 *
 * The values are exactly the two calls' values: each key column is captured with the same select
 * list as `captureKeys` (captureSelectList), and the range is `CAST(min(k) AS VARCHAR)` /
 * `CAST(max(k) AS VARCHAR)` over the same rows (`min(k) OVER ()` aggregates the whole table, like
 * the plain aggregate). An empty table gives no row: no tuple and no range, as the aggregate's
 * all-NULL row gave.
 */
import { quoteIdentifier as q, quoteLiteral } from '../exec/index.ts';
import { captureSelectList, type WalTableShape, type WalValue } from '../wal/index.ts';

/**
 * The query; run it as the LAST and only result-returning statement of a multi-statement call (a
 * multi-statement call answers with the first result set). `where`: an uncorrelated condition
 * (e.g. a check that fails while binding). undefined: no first key column known.
 */
export function keysWithRangeSql(table: string, shape: WalTableShape, where?: string): string | undefined {
  const key = shape.primaryKey[0];
  const columns = shape.primaryKey.map((k) => shape.columns.find((c) => c.name === k));
  if (key === undefined || columns.some((c) => c === undefined)) return undefined;
  const typed = columns as { name: string; type: string }[];
  return `SELECT ${captureSelectList(typed)}, CAST(min(src.${q(key)}) OVER () AS VARCHAR), CAST(max(src.${q(key)}) OVER () AS VARCHAR) FROM ${table} AS src${where !== undefined ? ` WHERE ${where}` : ''}`;
}

export interface KeysWithRange {
  /** The key tuples as write-log text (what captureKeys returns). */
  readonly tuples: WalValue[][];
  /** What keyRangeFilter returns: ` WHERE …`, '' when unknown, undefined when no non-NULL first key. */
  readonly range: string | undefined;
}

/** The rows of keysWithRangeSql as tuples plus the range filter over alias `alias`. */
export function keysWithRange(rows: readonly unknown[][], shape: WalTableShape, alias: string): KeysWithRange {
  const n = shape.primaryKey.length;
  const tuples = rows.map((r) => r.slice(0, n).map((v) => (v === null ? null : String(v))));
  const key = shape.primaryKey[0]!;
  const type = shape.columns.find((c) => c.name === key)!.type;
  const [lo, hi] = rows[0]?.slice(n) ?? [null, null];
  if ((lo === null || lo === undefined) && (hi === null || hi === undefined)) return { tuples, range: undefined };
  if (typeof lo !== 'string' || typeof hi !== 'string') return { tuples, range: '' };
  return { tuples, range: ` WHERE ${alias}.${q(key)} BETWEEN CAST(${quoteLiteral(lo)} AS ${type}) AND CAST(${quoteLiteral(hi)} AS ${type})` };
}

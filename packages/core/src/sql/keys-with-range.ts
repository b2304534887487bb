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
import { captureSelectList, WAL_INTEGER_TYPES, type WalTableShape, type WalValue } from '../wal/index.ts';

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
  // Integer keys are read typed: String() of @duckdb/node-api's number / bigint is exactly DuckDB's
  // text of the value (as roundTripCaptureSql, wip/bulk6), without a cast per value (wip/ingest8).
  const select = typed.map((c) => (WAL_INTEGER_TYPES.has(c.type) ? `CAST(src.${q(c.name)} AS ${c.type})` : captureSelectList([c]))).join(', ');
  const bound = (f: string): string => (WAL_INTEGER_TYPES.has(typed[0]!.type) ? `CAST(${f}(src.${q(key)}) OVER () AS ${typed[0]!.type})` : `CAST(${f}(src.${q(key)}) OVER () AS VARCHAR)`);
  return `SELECT ${select}, ${bound('min')}, ${bound('max')} FROM ${table} AS src${where !== undefined ? ` WHERE ${where}` : ''}`;
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
  const [lo, hi] = (rows[0]?.slice(n) ?? [null, null]).map((v) => (typeof v === 'bigint' || typeof v === 'number' ? String(v) : v));
  return { tuples, range: rangeOf(lo, hi, shape, alias) };
}

/**
 * The new-keys scalars of a keyed write (the range of `keys`' first key column plus `also`'s scalar
 * subqueries) and the capture of its changed rows (`capture`: roundTripCaptureSql) in ONE query:
 * the scalars' one row LEFT JOINed with the captured rows (wip/ingest5; was two DuckDB calls). The
 * target does not change between the two, so the rows are the ones the capture would read later.
 * Run it as the only result-returning statement of its call; any failure: ask separately.
 */
export function scalarsWithCaptureSql(keys: string, shape: WalTableShape, also: readonly string[], capture: string): string | undefined {
  const key = shape.primaryKey[0];
  if (key === undefined) return undefined;
  const scalars = [`CAST(min(${q(key)}) AS VARCHAR)`, `CAST(max(${q(key)}) AS VARCHAR)`, ...also].map((s, i) => `${s} AS __k3_s${i}`);
  return `SELECT n.*, c.* FROM (SELECT ${scalars.join(', ')} FROM ${keys}) AS n LEFT JOIN (SELECT *, true AS __k3_present FROM (${capture})) AS c ON true`;
}

/** The rows of scalarsWithCaptureSql: the range (as keysWithRange), `also`'s values, and the captured rows. */
export function scalarsWithCapture(rows: readonly unknown[][], shape: WalTableShape, also: number, alias: string): { range: string | undefined; also: unknown[]; captured: unknown[][] } {
  const k = 2 + also;
  const [first] = rows;
  const [lo, hi] = first ?? [null, null];
  const captured = first === undefined || first.at(-1) === null ? [] : rows.map((r) => r.slice(k, -1));
  return { range: rangeOf(lo, hi, shape, alias), also: first?.slice(2, k) ?? [], captured };
}

/**
 * ` WHERE <alias>.<first key> BETWEEN CAST(lo) AND CAST(hi)` from the key's min / max as text;
 * undefined when both are NULL (no non-NULL key), '' when they are not text.
 */
export function rangeOf(lo: unknown, hi: unknown, shape: WalTableShape, alias: string): string | undefined {
  const key = shape.primaryKey[0]!;
  const type = shape.columns.find((c) => c.name === key)!.type;
  if ((lo === null || lo === undefined) && (hi === null || hi === undefined)) return undefined;
  if (typeof lo !== 'string' || typeof hi !== 'string') return '';
  return ` WHERE ${alias}.${q(key)} BETWEEN CAST(${quoteLiteral(lo)} AS ${type}) AND CAST(${quoteLiteral(hi)} AS ${type})`;
}

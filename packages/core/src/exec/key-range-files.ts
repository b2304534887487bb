/**
 * Key-range files (K3_KEYED_FILE_ROWS, docs/design/hot-path.md "The drain"): a drain's output of a
 * keyed table is cut into files of at most `fileRows` rows along the primary key, so each file
 * holds one narrow, disjoint key range and the next drain rewrites only the files whose range
 * holds a drained key (candidate-files.ts prunes by the key min/max stats) — not the whole table.
 *
 * How: the writer's materialized temp table is created `ORDER BY <partition columns>, <key>`, so
 * its rowids follow that order and each partition tuple is one contiguous rowid run; each file is
 * then `WHERE <tuple> AND rowid BETWEEN lo AND hi ORDER BY <key>`. DuckDB's own ROW_GROUPS_PER_FILE
 * does not do this: its parallel writer deals row groups to files, so file ranges overlap.
 * Correctness never depends on the rowid order: the slices of a tuple cover [min rowid, max rowid]
 * of that tuple and the tuple's WHERE still applies, so every row is written exactly once; the
 * order only makes the ranges tight.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructField } from '../delta/schema.ts';
import { quoteLiteral } from './sql-quote.ts';

/** ` ORDER BY <positions>` for the temp table's CTAS: partition columns first, then the key. */
export function keyRangeOrderSql(fields: readonly StructField[], partitionColumns: readonly string[], keyColumns: readonly string[]): string {
  const position = (name: string) => fields.findIndex((f) => f.name === name) + 1;
  const positions = [...partitionColumns, ...keyColumns.filter((k) => !partitionColumns.includes(k))].map(position).filter((p) => p > 0);
  return positions.length === 0 ? '' : ` ORDER BY ${positions.join(', ')}`;
}

export interface KeyRangeTuple {
  /** Partition value strings (as the writer's partition value SQL renders them). */
  readonly tuple: (string | null)[];
  /** Inclusive rowid slices of at most `fileRows` rows, one output file each. */
  readonly slices: (readonly [number, number])[];
}

/**
 * Where the output must be cut besides every `fileRows` rows: per partition tuple (JSON of its
 * partition value strings, `[]` unpartitioned), SQL literals of the first key column at which a
 * new file starts — the min keys of the live files the drain does NOT rewrite, so no output file's
 * range spans one of them (new keys above the table go to their own file instead of widening the
 * rewritten one). Only the ranges' tightness depends on them, never which rows are written.
 */
export interface KeyRangeCuts {
  readonly column: string;
  readonly byTuple: ReadonlyMap<string, readonly string[]>;
}

/** At most this many cuts are evaluated per partition tuple (one filtered count each). */
const MAX_CUTS = 256;

/** Per partition tuple (one `[]` tuple when unpartitioned), the rowid slices of its files. */
export async function keyRangeTuples(conn: DuckDBConnection, temp: string, pvSql: readonly string[], fileRows: number, cuts?: KeyRangeCuts): Promise<KeyRangeTuple[]> {
  const n = Math.max(1, Math.floor(fileRows));
  const select = [...pvSql.map((s, i) => `${s} AS p${i}`), 'min(rowid)', 'max(rowid)'].join(', ');
  const rows = (await conn.runAndReadAll(`SELECT ${select} FROM ${temp}${pvSql.length === 0 ? '' : ' GROUP BY ALL'}`)).getRows();
  const out: KeyRangeTuple[] = [];
  for (const r of rows) {
    const lo = r[pvSql.length];
    const hi = r[pvSql.length + 1];
    if (lo === null || lo === undefined || hi === null || hi === undefined) continue; // no rows
    const tuple = r.slice(0, pvSql.length).map((v) => (v === null ? null : String(v)));
    const first = Number(lo);
    const last = Number(hi);
    const starts = [first, ...(await cutRowids(conn, temp, pvSql, tuple, first, cuts))].filter((x) => x > first && x <= last);
    const segments = [...new Set([first, ...starts])].sort((a, b) => a - b);
    const slices: [number, number][] = [];
    for (const [i, start] of segments.entries()) {
      const end = (segments[i + 1] ?? last + 1) - 1;
      for (let a = start; a <= end; a += n) slices.push([a, Math.min(end, a + n - 1)]);
    }
    out.push({ tuple, slices });
  }
  return out;
}

/** The rowid at which each cut starts (rows are key-sorted within a tuple: tuple start + rows below the cut). */
async function cutRowids(conn: DuckDBConnection, temp: string, pvSql: readonly string[], tuple: readonly (string | null)[], first: number, cuts: KeyRangeCuts | undefined): Promise<number[]> {
  const literals = (cuts?.byTuple.get(JSON.stringify(tuple)) ?? []).slice(0, MAX_CUTS);
  if (cuts === undefined || literals.length === 0) return [];
  const where = pvSql.length === 0 ? 'true' : pvSql.map((s, i) => `${s} IS NOT DISTINCT FROM ${tuple[i] === null || tuple[i] === undefined ? 'NULL' : quoteLiteral(tuple[i])}`).join(' AND ');
  try {
    const counts = (await conn.runAndReadAll(`SELECT ${literals.map((l) => `count(*) FILTER (WHERE ${cuts.column} < ${l})`).join(', ')} FROM ${temp} WHERE ${where}`)).getRows()[0] ?? [];
    return counts.map((c) => first + Number(c));
  } catch {
    // Cuts only shape files: a bound DuckDB cannot compare with the column is no cut, never a failed write.
    return [];
  }
}

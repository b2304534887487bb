/**
 * The drain's fold in DuckDB (docs/design/hot-path.md, "The drain"): a big batch's upserted rows
 * are appended ONCE, as text, in fold order, and newest-wins per key is one GROUP BY over the key
 * text — no JS Map write per row (the JS fold, wal/overlay.ts, was the drain's largest JS cost).
 *
 * Fold order is the JS fold's: records by seq; inside one record tombstones before upserts.
 * Ordinals: the upserts sit in `<n>_raw` in append order, rowid r has ordinal 2r+1; a tombstone of
 * a record whose upserts start at rowid s has ordinal 2s — newer than every upsert of an earlier
 * record, older than every upsert of its own record. The newest ordinal per key text decides the
 * key (equal key text ⇔ equal key: WAL values are DuckDB's exact text, as `keyString` relies on).
 * Upserts with a NULL in a NOT NULL or key column are rejected exactly as the JS path does (the key
 * is dropped from the batch and keeps its Delta row). The result is the same two typed tables
 * `loadOverlayTables` makes (`<n>_up`, `<n>_keys`), so mergeBatch is unchanged downstream.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mapDuckDBError } from '../exec/map-duckdb-error.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import { appendTextRows } from '../wal/append-text-rows.ts';
import type { OverlayTables } from '../wal/overlay-tables.ts';
import type { SeqRecord, SkippedRecord } from '../wal/overlay.ts';
import type { WalValue } from '../wal/record-codec.ts';
import { incompatibility, type WalTableShape } from '../wal/table-shape.ts';
import type { RejectedRow } from './rejected-log.ts';

/** Below this many upserted rows the drain folds in JS (a few DuckDB calls cost more than the Maps). */
export const DUCKDB_FOLD_MIN_ROWS = 4096;

/** What the fold decided, known after `load`. */
export interface FoldCounts {
  /** Distinct keys in the batch before NOT NULL rejection (the JS path's `overlay.keys.size` then). */
  readonly uniqueKeys: number;
  /** Keys merged (after rejection). */
  readonly keys: number;
  /** Of those, upserted. */
  readonly upserts: number;
  readonly rejected: readonly RejectedRow[];
}

export interface DuckDBFold {
  /** Compatible records folded; tombstones seen; idempotency keys; records that cannot apply. */
  readonly entries: number;
  readonly tombstonesSeen: number;
  readonly requests: ReadonlyMap<string, number>;
  readonly skipped: readonly SkippedRecord[];
  /** Loads the typed `<name>_up` / `<name>_keys` tables; their counts and rejects are returned. */
  load(conn: DuckDBConnection, name: string): Promise<{ tables: OverlayTables; counts: FoldCounts }>;
}

interface Part {
  readonly seq: number;
  readonly start: number;
  readonly rows: readonly (readonly WalValue[])[];
  readonly deletes: readonly (readonly WalValue[])[];
}

/** Upserted rows in `records` (a cheap count to choose the fold). */
export function upsertRowCount(records: readonly SeqRecord[]): number {
  let n = 0;
  for (const r of records) n += r.record.upserts.length;
  return n;
}

export function foldInDuckDB(records: readonly SeqRecord[], shape: WalTableShape): DuckDBFold {
  const skipped: SkippedRecord[] = [];
  const requests = new Map<string, number>();
  const parts: Part[] = [];
  let entries = 0;
  let tombstonesSeen = 0;
  let start = 0;
  for (const { seq, record } of [...records].sort((a, b) => a.seq - b.seq)) {
    const reason = incompatibility(record, shape);
    if (reason !== undefined) {
      skipped.push({ seq, reason, record });
      continue;
    }
    entries++;
    tombstonesSeen += record.deletes.length;
    if (record.idempotency !== undefined) requests.set(record.idempotency.key, record.idempotency.rowsAffected);
    parts.push({ seq, start, rows: shapedRows(record.upserts, record.columns, shape), deletes: record.deletes });
    start += record.upserts.length;
  }
  return { entries, tombstonesSeen, requests, skipped, load: (conn, name) => load(conn, name, parts, shape) };
}

/** Rows re-shaped to the table's current columns (added columns NULL); the decoded rows themselves when the columns agree. */
function shapedRows(rows: readonly (readonly WalValue[])[], columns: readonly { name: string }[], shape: WalTableShape): readonly (readonly WalValue[])[] {
  const position = new Map(columns.map((c, i) => [c.name, i]));
  const map = shape.columns.map((c) => position.get(c.name));
  if (map.length === columns.length && map.every((i, j) => i === j)) return rows;
  return rows.map((row) => map.map((i) => (i === undefined ? null : (row[i] ?? null))));
}

async function load(conn: DuckDBConnection, name: string, parts: readonly Part[], shape: WalTableShape): Promise<{ tables: OverlayTables; counts: FoldCounts }> {
  const raw = `${name}_raw`, del = `${name}_del`, last = `${name}_last`, up = `${name}_up`, keys = `${name}_keys`;
  const scratch = [raw, del, last];
  const all = [...scratch, up, keys];
  const width = shape.columns.length;
  const keyIdx = shape.primaryKey.map((k) => shape.columns.findIndex((c) => c.name === k));
  const keyCols = keyIdx.map((i) => `c${i}`).join(', ');
  const required = new Set([...shape.notNull, ...shape.primaryKey]);
  const checks = shape.columns.map((c, i) => ({ i, name: c.name })).filter((c) => required.has(c.name));
  try {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(raw)} (${shape.columns.map((_, i) => `c${i} VARCHAR`).join(', ')});
CREATE OR REPLACE TEMP TABLE ${q(del)} (${keyIdx.map((i) => `c${i} VARCHAR`).join(', ')}, o VARCHAR)`);
    await appendTextRows(conn, raw, parts.map((p) => p.rows), width);
    await appendTextRows(conn, del, parts.map((p) => p.deletes.map((t) => [...t, String(2 * p.start)])), keyIdx.length + 1);
    const rawRows = parts.reduce((n, p) => n + p.rows.length, 0);
    const deletes = parts.reduce((n, p) => n + p.deletes.length, 0);
    const count = async (sql: string): Promise<number> => Number((await conn.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
    // Dense: no tombstone and no key twice (the common big batch) — every row is its key's newest,
    // so no newest-per-key table and no semi-join.
    let uniqueKeys = deletes === 0 ? await count(`SELECT count(*)::BIGINT FROM (SELECT ${keyCols} FROM ${q(raw)} GROUP BY ALL)`) : -1;
    const dense = deletes === 0 && uniqueKeys === rawRows;
    if (!dense) {
      uniqueKeys = await count(`CREATE OR REPLACE TEMP TABLE ${q(last)} AS SELECT ${keyCols}, max(o) AS o FROM (SELECT ${keyCols}, rowid * 2 + 1 AS o FROM ${q(raw)} UNION ALL SELECT ${keyCols}, CAST(o AS BIGINT) FROM ${q(del)}) GROUP BY ALL;
SELECT count(*)::BIGINT FROM ${q(last)}`);
    }
    const newest = dense ? 'true' : `rowid * 2 + 1 IN (SELECT o FROM ${q(last)} WHERE o % 2 = 1)`;
    const bad = checks.map((c) => `c${c.i} IS NULL`).join(' OR ');
    const rows = (await conn.runAndReadAll(`SELECT rowid, ${shape.columns.map((_, i) => `c${i}`).join(', ')} FROM ${q(raw)} WHERE (${bad}) AND ${newest}`)).getRows();
    const rejected: RejectedRow[] = [];
    const rejectedOrds: bigint[] = [];
    for (const r of rows) {
      const rowid = Number(r[0]);
      const values = r.slice(1).map((v) => (v === null ? null : String(v)));
      const failed = checks.find((c) => values[c.i] === null)!;
      rejected.push({ seq: seqOf(parts, rowid), reason: `not-null:${failed.name}`, values, columns: shape.columns.map((c) => c.name) });
      rejectedOrds.push(BigInt(rowid) * 2n + 1n);
    }
    rejected.sort((a, b) => a.seq - b.seq);
    if (!dense && rejectedOrds.length > 0) await conn.run(`DELETE FROM ${q(last)} WHERE o IN (${rejectedOrds.join(', ')})`);
    const select = (idx: readonly number[]) => idx.map((i) => `CAST(c${i} AS ${shape.columns[i]!.type}) AS ${q(shape.columns[i]!.name)}`).join(', ');
    const keysSql = dense
      ? `CREATE OR REPLACE TEMP TABLE ${q(keys)} AS SELECT ${shape.primaryKey.map((k) => q(k)).join(', ')} FROM ${q(up)}`
      : `CREATE OR REPLACE TEMP TABLE ${q(keys)} AS SELECT ${select(keyIdx)} FROM ${q(last)}`;
    const counted = await conn.runAndReadAll(`CREATE OR REPLACE TEMP TABLE ${q(up)} AS SELECT ${select(shape.columns.map((_, i) => i))} FROM ${q(raw)} WHERE ${dense ? `NOT (${bad})` : newest};
${keysSql};
${dropSql(scratch)};
SELECT (SELECT count(*) FROM ${q(keys)})::BIGINT, (SELECT count(*) FROM ${q(up)})::BIGINT`);
    const [k, u] = counted.getRows()[0] ?? [0, 0];
    const tables: OverlayTables = { upserts: q(up), keys: q(keys), drop: () => dropAll(conn, [up, keys]), dropSql: dropSql([up, keys]) };
    return { tables, counts: { uniqueKeys, keys: Number(k), upserts: Number(u), rejected } };
  } catch (err) {
    await dropAll(conn, all);
    throw mapDuckDBError(err);
  }
}

/** The seq of the record whose upserts hold `rowid`. */
function seqOf(parts: readonly Part[], rowid: number): number {
  let lo = 0, hi = parts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (parts[mid]!.start <= rowid) lo = mid;
    else hi = mid - 1;
  }
  return parts[lo]?.seq ?? 0;
}

function dropSql(names: readonly string[]): string {
  return names.map((n) => `DROP TABLE IF EXISTS ${q(n)}`).join(';\n');
}

async function dropAll(conn: DuckDBConnection, names: readonly string[]): Promise<void> {
  await conn.run(dropSql(names)).catch(async () => {
    for (const n of names) await conn.run(`DROP TABLE IF EXISTS ${q(n)}`).catch(() => undefined);
  });
}

/**
 * mergeImages: the new row images of a keyed MERGE of the ingest shape computed by ONE SELECT, without
 * DuckDB's MERGE, the shadow copy and the before/after comparison (docs/design/hot-path.md,
 * "MERGE ingest: row images without MERGE (wip/ingest11)").
 *
 *   MERGE INTO t [AS a] USING __k3_merge_src AS s ON <on: every key equated to s>
 *     [WHEN MATCHED THEN UPDATE SET c = <expr>, …] [WHEN NOT MATCHED [BY TARGET] THEN INSERT [(cols)] VALUES (<expr>, …)]
 *
 * The source is materialized (keyed-write.ts, the source-once path) and the target holds the STRONG
 * rows of every key the source names (named-rows-load.ts). Then
 *
 *   SELECT … FROM __k3_merge_src AS s FULL JOIN <target as written | (named rows SELECT) AS a> ON <the ON as written>
 *
 * gives, per source row (by its rowid), the target row it matches (the MERGE's own ON, so its types
 * and casts) — and every loaded row no source row matched, without a rowid — and
 * the image: matched → the target row with each SET column replaced by CAST(<expr> AS <column type>)
 * (the cast DuckDB's UPDATE applies to an assignment); not matched → CAST(<expr> AS <type>) per
 * INSERT column and CAST((<default>) AS <type>) / NULL for the others (what DuckDB's INSERT gives).
 * The same call returns the images as write-log text with their round-trip flag, the source rowid,
 * whether the row matched, whether a matched image equals its before row on the SET columns (the
 * others are the before row's own; NULL-equal: the changed-rows anti join's test), and whether an
 * inserted key is the source key the keys table holds. It is used ONLY when (mergeImagesResult):
 *
 *   - every source row matched at most one target row, and every loaded target row exactly one
 *     source row (so the images' keys are the MERGE's, and an inserted key cannot clash with a
 *     loaded row it did not match);
 *   - the acting rows' keys are non-NULL and distinct (DuckDB's MERGE would leave two rows of a key,
 *     which the duplicate check refuses), and an inserted row's key is the source key the keys table
 *     holds (then STRONG has no row of it: the target held every STRONG row of those keys);
 *   - no NOT NULL column is NULL in an acting row and every changed value's text reads back.
 *
 * Anything else — or any error — answers undefined, and the caller takes the MERGE path unchanged
 * (its errors are the statement's own). Declined up front (mergeImagesPlan): conditions on WHEN, a
 * DELETE, DO NOTHING, RETURNING, SET of a key column or `*`, INSERT * / DEFAULT VALUES, a CASE or a
 * subquery where the scan cannot follow it, an INSERT reading the target, CHECK constraints and
 * columns the storable checks would query (the caller passes `plain`).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { K3_COLUMN_META, type StructField } from '../delta/schema.ts';
import { fieldToDuckDBType, quoteIdentifier as q, textRoundTripDiffers } from '../exec/index.ts';
import { keyString, roundTripSelectList, type WalTableShape, type WalValue } from '../wal/index.ts';
import { identifierOf, isPunct, isWord, type Token } from './sql-tokens.ts';

let taken = 0;
/** How many keyed MERGEs were answered by their row images (tests assert which path ran). */
export function mergeImagesTaken(): number {
  return taken;
}

export interface MergeImagesPlan {
  /**
   * The SELECT (run it as the only result-returning statement of its call) over the loaded target,
   * or over `rows`: a SELECT of the same rows (named-rows-load.ts namedRowsSelect) read in its place.
   */
  sql(rows?: string): string;
  readonly update: boolean;
  readonly insert: boolean;
  /** Table column indexes that are NOT NULL. */
  readonly notNull: readonly number[];
  readonly keyIndex: readonly number[];
}

export interface MergeImagesInput {
  readonly tokens: readonly Token[];
  readonly sql: string;
  /** The table's fields (column order = the write-log shape's). */
  readonly fields: readonly StructField[];
  readonly shape: WalTableShape;
  /** The materialized source (`__k3_merge_src`) and its qualifier, and the source column each key is equated to (key order). */
  readonly source: string;
  readonly qualifier: string;
  readonly sourceColumns: readonly string[];
  readonly keySources: readonly string[];
  /** The scratch target (quoted). */
  readonly target: string;
}

interface Span {
  readonly from: number;
  readonly to: number;
}

/** The plan of a MERGE of the ingest shape, or undefined (take the MERGE path). */
export function mergeImagesPlan(m: MergeImagesInput): MergeImagesPlan | undefined {
  const { tokens, fields, shape } = m;
  const top = (i: number): boolean => tokens[i]!.depth === 0;
  const into = tokens.findIndex((t, i) => top(i) && isWord(t, 'INTO'));
  const using = tokens.findIndex((t, i) => top(i) && isWord(t, 'USING'));
  if (!isWord(tokens[0], 'MERGE') || into !== 1 || using < 3 || using > 5) return undefined;
  const named = tokens.slice(into + 1, using);
  const alias = named.length === 1 ? named[0]! : named.length === 2 ? named[1]! : isWord(named[1], 'AS') ? named[2]! : undefined;
  if (alias === undefined || named.some((t) => t.kind !== 'word' && t.kind !== 'quoted') || (named.length === 2 && isWord(named[1], 'AS'))) return undefined;
  const targetText = m.sql.slice(named[0]!.start, named.at(-1)!.end);
  const aliasText = m.sql.slice(alias.start, alias.end);
  const targetNames = new Set([identifierOf(named[0]!).toLowerCase(), identifierOf(alias).toLowerCase()]);
  const on = tokens.findIndex((t, i) => i > using && top(i) && isWord(t, 'ON'));
  if (on < 0) return undefined;
  // WHEN clauses: top-level WHEN words outside CASE … END.
  const whens: number[] = [];
  let cases = 0;
  for (let i = on + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'param' || isWord(t, 'SELECT', 'RETURNING', 'DELETE')) return undefined;
    if (!top(i)) continue;
    if (isWord(t, 'CASE')) cases++;
    else if (isWord(t, 'END') && cases > 0) cases--;
    else if (isWord(t, 'WHEN') && cases === 0) whens.push(i);
  }
  if (whens.length === 0 || whens.length > 2 || cases !== 0) return undefined;
  const onSpan: Span = { from: on + 1, to: whens[0]! };
  const columnOf = new Map(fields.map((f, i) => [f.name.toLowerCase(), i]));
  if (fields.some((f) => f.name.toLowerCase().startsWith('__k3_'))) return undefined;
  const keyIndex = shape.primaryKey.map((k) => fields.findIndex((f) => f.name === k));
  if (keyIndex.some((i) => i < 0) || shape.columns.length !== fields.length) return undefined;
  let sets: Map<number, Span> | undefined;
  let inserts: Map<number, Span> | undefined;
  for (const [w, at] of whens.entries()) {
    const end = whens[w + 1] ?? tokens.length;
    let i = at + 1;
    const not = isWord(tokens[i], 'NOT');
    if (not) i++;
    if (!isWord(tokens[i], 'MATCHED')) return undefined;
    i++;
    if (not && isWord(tokens[i], 'BY')) {
      if (!isWord(tokens[i + 1], 'TARGET')) return undefined;
      i += 2;
    }
    if (!isWord(tokens[i], 'THEN')) return undefined; // AND <condition>, BY SOURCE
    i++;
    if (!not && sets === undefined && isWord(tokens[i], 'UPDATE') && isWord(tokens[i + 1], 'SET')) sets = assignments(tokens, i + 2, end, columnOf, keyIndex);
    else if (not && inserts === undefined && isWord(tokens[i], 'INSERT')) inserts = insertValues(tokens, i + 1, end, columnOf, fields.length);
    else return undefined;
    if ((not ? inserts : sets) === undefined) return undefined;
  }
  // An INSERT reads only the source: a reference to the target (or a name only the target has) declines.
  const sourceNames = new Set(m.sourceColumns);
  for (const span of inserts?.values() ?? []) {
    for (let i = span.from; i < span.to; i++) {
      const t = tokens[i]!;
      if (t.kind !== 'word' && t.kind !== 'quoted') continue;
      const id = identifierOf(t).toLowerCase();
      if (targetNames.has(id)) return undefined;
      if (columnOf.has(id) && !sourceNames.has(id) && !isPunct(tokens[i - 1], '.') && !isPunct(tokens[i + 1], '(')) return undefined;
    }
  }
  const text = (s: Span): string => m.sql.slice(tokens[s.from]!.start, tokens[s.to - 1]!.end);
  const t = q(identifierOf(alias));
  const k0 = `${t}.${q(fields[keyIndex[0]!]!.name)}`;
  const images = fields.map((f, i) => {
    const type = fieldToDuckDBType(f);
    const set = sets?.get(i);
    const matched = set !== undefined ? `CAST((${text(set)}) AS ${type})` : `${t}.${q(f.name)}`;
    const ins = inserts?.get(i);
    const dflt = f.metadata?.[K3_COLUMN_META.default];
    const inserted = inserts === undefined ? 'NULL' : ins !== undefined ? `CAST((${text(ins)}) AS ${type})` : typeof dflt === 'string' && dflt !== '' ? `CAST((${dflt}) AS ${type})` : 'NULL';
    return `CASE WHEN ${k0} IS NULL THEN ${inserted} ELSE ${matched} END AS ${q(f.name)}`;
  });
  // Only the SET columns can differ from the before row; an inserted key that is the source's key column itself needs no check.
  const assigned = [...(sets?.keys() ?? [])].sort((x, y) => x - y);
  const before = assigned.map((i) => `${t}.${q(fields[i]!.name)} AS __k3_b${i}`);
  const plainKeys = inserts === undefined || keyIndex.every((ki, j) => isSourceColumn(tokens, inserts.get(ki), m.qualifier, m.keySources[j]!));
  const sourceKeys = plainKeys ? [] : keyIndex.map((ki, j) => `CAST(${q(m.qualifier)}.${q(m.keySources[j]!)} AS ${fieldToDuckDBType(fields[ki]!)}) AS __k3_sk${j}`);
  // FULL JOIN: a loaded row no source row matched shows with no source rowid (then the MERGE path runs).
  const inner = (rows?: string): string => `SELECT ${q(m.qualifier)}.rowid AS __k3_r, ${k0} IS NOT NULL AS __k3_m, ${[...images, ...before, ...sourceKeys].join(', ')} FROM ${m.source} AS ${q(m.qualifier)} FULL JOIN ${rows === undefined ? targetText : `(${rows}) AS ${aliasText}`} ON ${text(onSpan)}`;
  const same = assigned.length === 0 ? 'true' : assigned.map((i) => `src.${q(fields[i]!.name)} IS NOT DISTINCT FROM src.__k3_b${i}`).join(' AND ');
  const keyOk = plainKeys ? 'true' : keyIndex.map((ki, j) => `src.${q(fields[ki]!.name)} IS NOT DISTINCT FROM src.__k3_sk${j}`).join(' AND ');
  const head = `SELECT ${roundTripSelectList(shape)}, (${textRoundTripDiffers(fields, 'src')}) AS __k3_differs, src.__k3_r, src.__k3_m, (${same}) AS __k3_same, (${keyOk}) AS __k3_keyok`;
  const sql = (rows?: string): string => `${head} FROM (${inner(rows)}) AS src`;
  return { sql, update: sets !== undefined, insert: inserts !== undefined, notNull: fields.flatMap((f, i) => (f.nullable ? [] : [i])), keyIndex };
}

/** `name = <expr>, …` up to `end`: column index → expression span; undefined for anything else (SET *, a key, a repeat). */
function assignments(tokens: readonly Token[], from: number, end: number, columnOf: ReadonlyMap<string, number>, keyIndex: readonly number[]): Map<number, Span> | undefined {
  const out = new Map<number, Span>();
  const depth = tokens[from]?.depth ?? -1;
  let i = from;
  while (i < end) {
    const name = tokens[i];
    if (name === undefined || (name.kind !== 'word' && name.kind !== 'quoted') || !isPunct(tokens[i + 1], '=')) return undefined;
    const col = columnOf.get(identifierOf(name).toLowerCase());
    if (col === undefined || keyIndex.includes(col) || out.has(col)) return undefined;
    let j = i + 2;
    while (j < end && !(tokens[j]!.depth === depth && isPunct(tokens[j], ','))) j++;
    if (j === i + 2) return undefined;
    out.set(col, { from: i + 2, to: j });
    i = j + 1;
    if (j < end && i >= end) return undefined; // a trailing comma
  }
  return out.size > 0 ? out : undefined;
}

/** `[(c1, …)] VALUES (<expr>, …)` exactly filling [from, end): column index → expression span. */
function insertValues(tokens: readonly Token[], from: number, end: number, columnOf: ReadonlyMap<string, number>, width: number): Map<number, Span> | undefined {
  let i = from;
  let columns: number[] | undefined;
  if (isPunct(tokens[i], '(')) {
    const close = closing(tokens, i, end);
    if (close < 0) return undefined;
    columns = [];
    for (let j = i + 1; j < close; j += 2) {
      const name = tokens[j]!;
      if (name.kind !== 'word' && name.kind !== 'quoted') return undefined;
      const col = columnOf.get(identifierOf(name).toLowerCase());
      if (col === undefined || columns.includes(col)) return undefined;
      columns.push(col);
      if (j + 1 < close && !isPunct(tokens[j + 1], ',')) return undefined;
    }
    i = close + 1;
  }
  if (!isWord(tokens[i], 'VALUES') || !isPunct(tokens[i + 1], '(')) return undefined;
  const close = closing(tokens, i + 1, end);
  if (close !== end - 1) return undefined;
  const depth = tokens[i + 1]!.depth + 1;
  const spans: Span[] = [];
  let start = i + 2;
  for (let j = i + 2; j <= close; j++) {
    if (j === close || (tokens[j]!.depth === depth && isPunct(tokens[j], ','))) {
      if (j === start) return undefined;
      spans.push({ from: start, to: j });
      start = j + 1;
    }
  }
  const order = columns ?? Array.from({ length: width }, (_, c) => c);
  if (spans.length !== order.length) return undefined;
  return new Map(order.map((c, n) => [c, spans[n]!]));
}

/** Whether `span` is exactly `<qualifier>.<column>` (either part quoted or not, any case). */
function isSourceColumn(tokens: readonly Token[], span: Span | undefined, qualifier: string, column: string): boolean {
  if (span === undefined || span.to - span.from !== 3) return false;
  const [a, dot, b] = tokens.slice(span.from, span.to);
  const id = (x: Token | undefined): string | undefined => (x !== undefined && (x.kind === 'word' || x.kind === 'quoted') ? identifierOf(x).toLowerCase() : undefined);
  return id(a) === qualifier.toLowerCase() && isPunct(dot, '.') && id(b) === column.toLowerCase();
}

function closing(tokens: readonly Token[], open: number, end: number): number {
  const depth = tokens[open]!.depth;
  for (let i = open + 1; i < end; i++) if (tokens[i]!.depth === depth && isPunct(tokens[i], ')')) return i;
  return -1;
}

/**
 * The write of the images' rows: rowsAffected (DuckDB's MERGE counts every updated and inserted row)
 * and the changed rows as write-log values — or undefined when the equivalence is not proven.
 */
export function mergeImagesResult(rows: readonly unknown[][], plan: MergeImagesPlan, shape: WalTableShape): { rowsAffected: number; upserts: WalValue[][] } | undefined {
  const n = shape.columns.length;
  if (rows.length === 0) return undefined;
  const sources = new Set<string>();
  const keys = new Set<string>();
  const upserts: WalValue[][] = [];
  let acting = 0;
  for (const r of rows) {
    // A loaded row no source row matched (no rowid), or a source row matching two: the MERGE path decides.
    const rowid = r[n + 1];
    if (rowid === null || rowid === undefined || sources.has(String(rowid))) return undefined;
    sources.add(String(rowid));
    const m = r[n + 2] === true;
    const acts = m ? plan.update : plan.insert;
    if (!acts && !m) continue;
    const values = r.slice(0, n).map((v) => (v === null ? null : String(v)));
    const key = plan.keyIndex.map((i) => values[i] ?? null);
    if (key.some((v) => v === null) || (!m && r[n + 4] !== true)) return undefined;
    // Every matched row's key too: an inserted key equal to one is a duplicate the MERGE path refuses.
    const ks = keyString(key);
    if (keys.has(ks)) return undefined;
    keys.add(ks);
    if (!acts) continue;
    acting++;
    if (plan.notNull.some((i) => values[i] === null)) return undefined;
    if (m && r[n + 3] === true) continue; // an UPDATE assigning equal values: counted, not logged
    if (r[n] !== false) return undefined;
    upserts.push(values);
  }
  taken++;
  return { rowsAffected: acting, upserts };
}

/** Runs the plan: the result, or undefined (any failure: the caller runs the MERGE). */
export async function mergeImages(conn: DuckDBConnection, plan: MergeImagesPlan, shape: WalTableShape, rows?: string): Promise<{ rowsAffected: number; upserts: WalValue[][] } | undefined> {
  try {
    return mergeImagesResult((await conn.runAndReadAll(plan.sql(rows))).getRows(), plan, shape);
  } catch {
    return undefined;
  }
}

/**
 * valuesParseText: the text DuckDB parses to split (count) a statement whose long `VALUES` lists
 * are rows of literals — each list cut to its representative rows (docs/design/hot-path.md,
 * "MERGE ingest: the split parses the representative rows (wip/ingest8)"). A 200-row ingest MERGE
 * is ~16 KB of text; DuckDB's extractStatements of it was ≈ 2.3 ms of CPU per statement, the
 * same parse of the cut text a few percent of that.
 *
 * Why the answer is the same: the split only parses (it never binds), and the parse of a VALUES
 * row list depends on each row's structure, not on its literals' values. A list is cut only when
 * every row is `( cell, … )` with the same number of cells, consecutive rows separated by exactly
 * one comma, and every cell a literal or a deterministic expression over literals (values-source-
 * load.ts `cellOf`: an integer, a decimal, a plain `'…'` string, NULL, TRUE / FALSE, `DATE '…'` /
 * `TIMESTAMP '…'`, or a whitelisted expression, whose signature is its whole text). A row is kept
 * when one of its cells has a signature not seen before in its column, so every kept cell class
 * (and every distinct expression text) is parsed, in the same order; the cut rows only repeat what
 * the kept rows show. Nothing between the rows is cut: a trailing comma, the alias, the rest of
 * the statement are spliced back as written. No `;` lives inside a row (the cells admit none), so
 * the cut text has as many statements as the original.
 *
 * The caller asks the cut text first and, unless it parses as exactly ONE statement, asks the text
 * as written (the canonical parse error, expansion count and message come from there).
 */
import { cellOf, rememberCells, type Cell } from './values-source-load.ts';
import { isPunct, isWord, type Token } from './sql-tokens.ts';

/** Lists shorter than this are parsed as written (the scan would cost more than it saves). */
const MIN_ROWS = 8;

let cuts = 0;
/** How many statements were split from their cut text in this process (tests read it). */
export function valuesParseCuts(): number {
  return cuts;
}
/** Counts one split answered from the cut text (analysed-statement.ts calls it). */
export function countValuesParseCut(): void {
  cuts++;
}

/** The statement's text with every long literal VALUES list cut to its representative rows; undefined when none is cut. */
export function valuesParseText(sql: string, tokens: readonly Token[]): string | undefined {
  let out = '';
  let from = 0;
  let cut = false;
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'VALUES') || !isPunct(tokens[i + 1], '(')) continue;
    const list = rowList(sql, tokens, i + 1);
    if (list === undefined) continue;
    i = list.next - 1;
    if (list.keep.length === list.rows.length) continue;
    const first = list.rows[0]!;
    const last = list.rows.at(-1)!;
    out += sql.slice(from, first.start) + list.keep.map((r) => sql.slice(list.rows[r]!.start, list.rows[r]!.end)).join(', ');
    from = last.end;
    cut = true;
  }
  return cut ? out + sql.slice(from) : undefined;
}

interface RowList {
  /** Each row's span, `(` to `)` inclusive. */
  readonly rows: { start: number; end: number }[];
  /** Indexes of the rows kept. */
  readonly keep: number[];
  /** Token index after the last row. */
  readonly next: number;
}

/** The row list starting at token `at` (a `(`), when it qualifies. */
function rowList(sql: string, tokens: readonly Token[], at: number): RowList | undefined {
  const depth = tokens[at]!.depth;
  const rows: { start: number; end: number }[] = [];
  const keep: number[] = [];
  let seen: Set<string>[] | undefined;
  const classified: Cell[][] = [];
  let i = at;
  for (;;) {
    const open = tokens[i];
    if (!isPunct(open, '(') || open!.depth !== depth) return undefined;
    const cells: Token[][] = [[]];
    let j = i + 1;
    for (; j < tokens.length; j++) {
      const t = tokens[j]!;
      if (t.depth === depth && isPunct(t, ')')) break;
      if (t.depth === depth + 1 && isPunct(t, ',')) cells.push([]);
      else cells.at(-1)!.push(t);
    }
    if (j >= tokens.length || cells.some((c) => c.length === 0)) return undefined;
    seen ??= cells.map(() => new Set<string>());
    if (cells.length !== seen.length) return undefined;
    let fresh = false;
    const row: Cell[] = [];
    for (let c = 0; c < cells.length; c++) {
      const cell = cellOf(sql, cells[c]!);
      if (cell === undefined) return undefined;
      row.push(cell);
      if (!seen[c]!.has(cell.sig)) {
        seen[c]!.add(cell.sig);
        fresh = true;
      }
    }
    classified.push(row);
    if (fresh) keep.push(rows.length);
    rows.push({ start: open!.start, end: tokens[j]!.end });
    i = j + 1;
    // Another row only after exactly one comma; anything else ends the list (spliced back as written).
    if (!isPunct(tokens[i], ',') || !isPunct(tokens[i + 1], '(') || tokens[i + 1]!.depth !== depth) break;
    i++;
  }
  if (rows.length < MIN_ROWS) return undefined;
  // The load of a MERGE's VALUES source reads these same cells next (values-source-load.ts).
  rememberCells(tokens[at + 1]!, classified);
  return { rows, keep, next: i };
}

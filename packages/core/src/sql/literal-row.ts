/**
 * literalRow: the write-log row image of a single-row `INSERT … VALUES (<literals>)` read from the
 * statement's tokens alone, with no DuckDB call (docs/design/keyed-row-fast-path.md, "Rows of plain
 * literals"). It answers only when the answer is certain to be the row DuckDB would capture:
 *
 * - every column of the table gets exactly one value (no column left to its DEFAULT);
 * - every value is a plain literal of the column's own kind: an integer literal (optionally
 *   negated) for an integer column, within the type's range; a plain `'…'` string for a VARCHAR
 *   column (well-formed UTF-16, no NUL); TRUE / FALSE for a BOOLEAN column; or NULL for a nullable
 *   column. Their WAL text is what
 *   `CAST(CAST(v AS type) AS VARCHAR)` prints (key-literals.ts `literalText`), and it reads back
 *   unchanged, so the capture's text round-trip flags are false by construction;
 * - the table has no CHECK constraint (those need DuckDB to evaluate);
 * - nothing follows the row except, for a blind upsert, its ON CONFLICT clause.
 *
 * Anything else — expressions, casts, DEFAULT, other column types, a NULL in a NOT NULL column, a
 * literal of another kind (DuckDB would cast it) — is undefined and the caller asks DuckDB, which
 * decides and reports errors exactly as before.
 */
import { checkConstraintsOf } from '../delta/index.ts';
import type { Snapshot } from '../delta/snapshot.ts';
import type { WalTableShape, WalValue } from '../wal/index.ts';
import { literalText } from './key-literals.ts';
import { identifierOf, isPunct, isWord, type Token } from './sql-tokens.ts';

/** A lone surrogate (not UTF-8 encodable as written) or NUL: DuckDB decides. */
const LONE_SURROGATE = /\p{Cs}/u;

/** ASCII-only case folding: a name that only a Unicode-aware folding would match is left to DuckDB. */
function asciiLower(name: string): string {
  return name.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The row in the table's column order as WAL text; undefined when DuckDB must decide. */
export function literalRow(tokens: readonly Token[], wal: WalTableShape, snapshot: Pick<Snapshot, 'metadata'>, trailingOnConflict: boolean): WalValue[] | undefined {
  if (checkConstraintsOf(snapshot.metadata).length > 0) return undefined;
  // Exactly `INSERT [OR REPLACE] INTO name[.name…] [(columns)] VALUES (`: no alias, no BY NAME /
  // BY POSITION, nothing else DuckDB would read differently.
  let j = isWord(tokens[1], 'OR') && isWord(tokens[2], 'REPLACE') ? 3 : 1;
  if (!isWord(tokens[0], 'INSERT') || !isWord(tokens[j], 'INTO')) return undefined;
  for (j++; ; j += 2) {
    const name = tokens[j];
    if (name === undefined || (name.kind !== 'word' && name.kind !== 'quoted')) return undefined;
    if (!isPunct(tokens[j + 1], '.')) break;
  }
  const open = isPunct(tokens[j + 1], '(') ? j + 1 : -1;
  const at = open < 0 ? j + 1 : tokens.findIndex((t, i) => i > open && t.depth === 0 && isPunct(t, ')')) + 1;
  if (at <= 0 || !isWord(tokens[at], 'VALUES') || !isPunct(tokens[at + 1], '(')) return undefined;
  // Which table column each value goes to: the explicit list between the name and VALUES, else the table's order.
  let order = wal.columns.map((_, i) => i);
  if (open >= 0) {
    const named = tokens.slice(open + 1, at - 1);
    if (!isPunct(tokens[at - 1], ')') || named.length !== 2 * wal.columns.length - 1) return undefined;
    const lower = wal.columns.map((c) => asciiLower(c.name));
    order = [];
    for (let i = 0; i < named.length; i++) {
      const t = named[i]!;
      if (i % 2 === 1) {
        if (!isPunct(t, ',')) return undefined;
        continue;
      }
      if (t.kind !== 'word' && t.kind !== 'quoted') return undefined;
      const c = lower.indexOf(asciiLower(identifierOf(t)));
      if (c < 0 || order.includes(c)) return undefined;
      order.push(c);
    }
  }
  // The row's values: token runs at depth 1 separated by commas, up to the row's closing paren.
  const values: Token[][] = [[]];
  let close = -1;
  for (let i = at + 2; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.depth === 0 && isPunct(t, ')')) {
      close = i;
      break;
    }
    if (t.depth === 1 && isPunct(t, ',')) values.push([]);
    else values.at(-1)!.push(t);
  }
  if (close < 0 || values.length !== order.length) return undefined;
  const rest = tokens[close + 1];
  if (rest !== undefined && !(trailingOnConflict && isWord(rest, 'ON') && isWord(tokens[close + 2], 'CONFLICT'))) return undefined;
  const notNull = new Set(wal.notNull.map((n) => n.toLowerCase()));
  const keys = new Set(wal.primaryKey.map((k) => k.toLowerCase()));
  const row: WalValue[] = new Array<WalValue>(wal.columns.length).fill(null);
  for (let v = 0; v < values.length; v++) {
    const run = values[v]!;
    const column = wal.columns[order[v]!]!;
    if (run.length === 1 && isWord(run[0], 'NULL')) {
      const lower = column.name.toLowerCase();
      if (notNull.has(lower) || keys.has(lower)) return undefined;
      continue;
    }
    if (column.type === 'BOOLEAN') {
      // TRUE / FALSE: DuckDB prints them as `true` / `false`.
      if (run.length !== 1 || !isWord(run[0], 'TRUE', 'FALSE')) return undefined;
      row[order[v]!] = run[0]!.text.toLowerCase();
      continue;
    }
    const neg = run.length === 2 && isPunct(run[0], '-');
    const lit = run[neg ? 1 : 0];
    if (lit === undefined || run.length !== (neg ? 2 : 1)) return undefined;
    const text = literalText(lit, neg, column.type);
    if (text === undefined || (column.type === 'VARCHAR' && (text.includes('\0') || LONE_SURROGATE.test(text)))) return undefined;
    row[order[v]!] = text;
  }
  return row;
}

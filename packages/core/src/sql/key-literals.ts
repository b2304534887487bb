/**
 * Key values read from a statement's tokens, for the keyed fast paths (keyed-row-fast-path.ts,
 * keyed-point-write.ts): DuckDB's text of an integer literal (integer key types, within range) or a
 * plain string literal (VARCHAR keys) — the same text the write log records for the key. Anything
 * else (casts, expressions, other types, escapes) is "unsure" and the caller asks DuckDB instead.
 * The fast paths also check the key of the row DuckDB produced against this text, so a wrong
 * reading can only cost a fallback, never a wrong write.
 */
import type { WalTableShape, WalValue } from '../wal/index.ts';
import { INTEGER_KEY_RANGES } from '../wal/key-locator.ts';
import { identifierOf, isPunct, isWord, type Token } from './sql-tokens.ts';

/** DuckDB's text of an integer or string literal cast to the key type; undefined when unsure. */
export function literalText(lit: Token, neg: boolean, type: string): string | undefined {
  const range = INTEGER_KEY_RANGES.get(type);
  if (range !== undefined) {
    if (lit.kind !== 'number' || !/^[0-9]+$/.test(lit.text)) return undefined;
    const v = neg ? -BigInt(lit.text) : BigInt(lit.text);
    return v >= range[0] && v <= range[1] ? v.toString() : undefined;
  }
  if (type === 'VARCHAR' && !neg && lit.kind === 'string' && lit.text.startsWith("'") && lit.text.endsWith("'") && lit.text.length >= 2) {
    return lit.text.slice(1, -1).replaceAll("''", "'");
  }
  return undefined;
}

/**
 * The key text of `INSERT … INTO t [(cols)] VALUES (v1, v2, …)` (one row) when every key column's
 * value is a plain literal; undefined otherwise (DEFAULT VALUES, a key left to its DEFAULT,
 * expressions).
 */
export function valuesKey(tokens: readonly Token[], wal: WalTableShape): WalValue[] | undefined {
  const at = tokens.findIndex((t) => t.depth === 0 && isWord(t, 'VALUES'));
  if (at < 0 || !isPunct(tokens[at + 1], '(')) return undefined;
  // Column order: the explicit list between the table name and VALUES, else the table's.
  let columns = wal.columns.map((c) => c.name);
  const open = tokens.findIndex((t, i) => i < at && t.depth === 0 && isPunct(t, '('));
  if (open >= 0) {
    columns = tokens.slice(open + 1, at).filter((t) => t.depth === 1 && (t.kind === 'word' || t.kind === 'quoted')).map(identifierOf);
  }
  // The row's values: token runs at depth 1 separated by commas.
  const values: Token[][] = [[]];
  for (let i = at + 2; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.depth === 0 && isPunct(t, ')')) break;
    if (t.depth === 1 && isPunct(t, ',')) values.push([]);
    else values.at(-1)!.push(t);
  }
  const out: WalValue[] = [];
  for (const k of wal.primaryKey) {
    const i = columns.findIndex((c) => c.toLowerCase() === k.toLowerCase());
    const run = values[i];
    if (i < 0 || run === undefined) return undefined;
    const neg = run.length === 2 && isPunct(run[0], '-');
    const lit = run[neg ? 1 : 0];
    if (lit === undefined || run.length !== (neg ? 2 : 1)) return undefined;
    const text = literalText(lit, neg, wal.columns.find((c) => c.name === k)!.type);
    if (text === undefined) return undefined;
    out.push(text);
  }
  return out;
}

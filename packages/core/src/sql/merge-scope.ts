/**
 * mergeSourceKeys: the target keys a keyed MERGE can touch, as a SELECT over its source, so a
 * keyed MERGE loads only those STRONG rows instead of the whole table (docs/design/hot-path.md).
 *
 * Only for the plain shape `MERGE INTO t [AS a] USING <source> [AS] s ON a.k1 = s.c1 AND …`:
 * every merge key is equated (DuckDB's AST of the ON clause) to a column of ONE source qualifier.
 * Then a target row can match only when its key tuple is among the source's (s.c1, …) tuples,
 * and the MERGE reads nothing else of the target. Anything else (WHEN NOT MATCHED BY SOURCE, an
 * unqualified or computed key side) → undefined: load everything.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier as q } from '../exec/index.ts';
import { conjuncts, predicateAst, type AstNode } from './keyed-route.ts';
import type { PrePassed } from './pre-pass.ts';
import { clauseText } from './route-write.ts';
import { identifierOf, isPunct, isWord, type Token } from './sql-tokens.ts';

/** `SELECT s.c1, … FROM <source> GROUP BY ALL` (the distinct keys, columns in key order), or undefined. */
export async function mergeSourceKeys(conn: DuckDBConnection, statement: PrePassed, keys: readonly string[]): Promise<string | undefined> {
  const scope = await mergeSourceScope(conn, statement, keys);
  return scope === undefined ? undefined : scope.keysFrom(scope.source);
}

export interface MergeSourceScope {
  /** The USING clause's text (`(VALUES …) AS s(id, v)`, `staging s`, …) and its span in the statement. */
  readonly source: string;
  readonly start: number;
  readonly end: number;
  /** The source alias's column list (lower-cased), if it has one: `AS s(id, v)`. */
  readonly aliasColumns: readonly string[] | undefined;
  /** The one source qualifier the ON clause equates every merge key to. */
  readonly qualifier: string;
  /** The source column each merge key is equated to (key order; wip/ingest11). */
  readonly keySources: readonly string[];
  /**
   * `SELECT <qualifier>.c1, … FROM <from> GROUP BY ALL` (columns in key order): the distinct keys.
   * GROUP BY, not DISTINCT: the same rows, and DuckDB's DISTINCT cost ≈ 2× the GROUP BY over a
   * 200-row source (wip/ingest8).
   */
  keysFrom(from: string): string;
}

/** mergeSourceKeys' analysis, with where the source is (to run it once: keyed-write.ts). */
export async function mergeSourceScope(conn: DuckDBConnection, statement: PrePassed, keys: readonly string[]): Promise<MergeSourceScope | undefined> {
  const { sql, tokens } = statement;
  const top = tokens.filter((t) => t.depth === 0);
  const into = top.findIndex((t) => isWord(t, 'INTO'));
  const using = top.findIndex((t) => isWord(t, 'USING'));
  if (into < 0 || using <= into + 1) return undefined;
  // WHEN NOT MATCHED BY SOURCE touches target rows the source does not name.
  if (top.some((t, i) => isWord(t, 'BY') && isWord(top[i + 1], 'SOURCE'))) return undefined;
  const targetNames = top.slice(into + 1, using).filter((t) => !isWord(t, 'AS') && (t.kind === 'word' || t.kind === 'quoted'));
  const target = new Set(targetNames.map((t) => identifierOf(t).toLowerCase()));
  const source = clauseText(sql, tokens, 'USING', ['ON']);
  const on = clauseText(sql, tokens, 'ON', ['WHEN']);
  if (source === undefined || on === undefined || target.size === 0) return undefined;
  const tree = await predicateAst(conn, on);
  if (tree === undefined) return undefined;
  const mapped = new Map<string, string>();
  let qualifier: string | undefined;
  for (const c of conjuncts(tree)) {
    if (c.type !== 'COMPARE_EQUAL') continue;
    for (const [t, s] of [[c.left, c.right], [c.right, c.left]] as const) {
      const tn = qualified(t);
      const sn = qualified(s);
      if (tn === undefined || sn === undefined || !target.has(tn[0].toLowerCase()) || target.has(sn[0].toLowerCase())) continue;
      const key = keys.find((k) => k.toLowerCase() === tn[1].toLowerCase());
      if (key === undefined || mapped.has(key)) continue;
      if (qualifier !== undefined && qualifier !== sn[0]) return undefined;
      qualifier = sn[0];
      mapped.set(key, sn[1]);
    }
  }
  if (qualifier === undefined || !keys.every((k) => mapped.has(k))) return undefined;
  const columns = keys.map((k) => `${q(qualifier!)}.${q(mapped.get(k)!)}`).join(', ');
  const at = tokens.findIndex((t) => t.depth === 0 && isWord(t, 'USING'));
  const stop = tokens.findIndex((t, i) => i > at && t.depth === 0 && isWord(t, 'ON'));
  const start = tokens[at + 1]!.start;
  const end = tokens[stop - 1]!.end;
  return { source, start, end, qualifier, keySources: keys.map((k) => mapped.get(k)!), aliasColumns: aliasColumns(tokens.slice(at + 1, stop)), keysFrom: (from) => `SELECT ${columns} FROM ${from} GROUP BY ALL` };
}

/** The column list of a source alias (`… AS s(id, v)`), lower-cased; undefined without one. */
function aliasColumns(source: readonly Token[]): string[] | undefined {
  const close = source.length - 1;
  if (!isPunct(source[close], ')')) return undefined;
  let open = close - 1;
  while (open >= 0 && !(source[open]!.depth === 0 && isPunct(source[open], '('))) open--;
  const alias = source[open - 1];
  if (open < 1 || alias === undefined || (alias.kind !== 'word' && alias.kind !== 'quoted')) return undefined;
  const names: string[] = [];
  for (let i = open + 1; i < close; i += 2) {
    const name = source[i];
    if (name === undefined || (name.kind !== 'word' && name.kind !== 'quoted')) return undefined;
    names.push(identifierOf(name).toLowerCase());
    if (i + 1 < close && !isPunct(source[i + 1], ',')) return undefined;
  }
  return names;
}

/** [qualifier, column] of a two-part column reference. */
function qualified(node: AstNode | undefined): [string, string] | undefined {
  if (node?.class !== 'COLUMN_REF' || node.column_names?.length !== 2) return undefined;
  return [node.column_names[0]!, node.column_names[1]!];
}

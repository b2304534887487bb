/**
 * Table functions k3 answers itself (k3_history, table_changes): DuckDB cannot call into
 * TypeScript, so a call in a table position — after FROM / JOIN / LATERAL / `,` — is replaced by
 * a quoted internal relation name that the binder loop binds lazily. Only literal arguments are
 * read (by the caller's `bind`); calls elsewhere are left to DuckDB, which reports them.
 */
import { quoteIdentifier } from '../exec/index.ts';
import { isPunct, isWord, tokenize, type Token } from './sql-tokens.ts';

/**
 * Replaces every call of one of `names` in a table position. `bind(tokens, i)` gets the index of
 * the function name (its `(` is at i + 1) and returns the index of the closing `)` and the
 * relation name to put in place of the call.
 */
export function rewriteTableFunctionCalls(sql: string, names: ReadonlySet<string>, bind: (tokens: readonly Token[], i: number) => { close: number; name: string }): string {
  const tokens = tokenize(sql);
  const edits: Array<{ from: number; to: number; text: string }> = [];
  for (let i = 1; i < tokens.length; i++) {
    const fn = tokens[i]!;
    if (fn.kind !== 'word' || !names.has(fn.text.toLowerCase()) || !isPunct(tokens[i + 1], '(')) continue;
    if (!isWord(tokens[i - 1], 'FROM', 'JOIN', 'LATERAL') && !isPunct(tokens[i - 1], ',')) continue;
    const { close, name } = bind(tokens, i);
    edits.push({ from: fn.start, to: tokens[close]!.end, text: quoteIdentifier(name) });
    i = close;
  }
  let out = sql;
  for (const e of edits.reverse()) out = out.slice(0, e.from) + e.text + out.slice(e.to);
  return out;
}

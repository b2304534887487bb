/**
 * Two spellings psql and pgjdbc use that DuckDB's parser rejects or loses, normalised on core's
 * lexer tokens (strings, comments and quoted identifiers are never touched; no grammar):
 * - a schema-qualified cast target `::pg_catalog.text` → `::text`;
 * - `OPERATOR(pg_catalog.~)` → `~` (DuckDB's parse keeps the schema and drops the operator).
 */
import { isPunct, isWord, tokenize } from '@k3/core/sql';

export function normalizePgSyntax(sql: string): string {
  const tokens = tokenize(sql);
  const cuts: Array<{ start: number; end: number; text: string }> = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isPunct(t, ':') && isPunct(tokens[i + 1], ':') && isWord(tokens[i + 2], 'PG_CATALOG') && isPunct(tokens[i + 3], '.')) {
      cuts.push({ start: tokens[i + 2]!.start, end: tokens[i + 3]!.end, text: '' });
      i += 3;
      continue;
    }
    if (isWord(t, 'OPERATOR') && isPunct(tokens[i + 1], '(')) {
      let j = i + 2;
      if (isWord(tokens[j], 'PG_CATALOG') && isPunct(tokens[j + 1], '.')) j += 2;
      let op = '';
      while (j < tokens.length && tokens[j]!.kind === 'punct' && !isPunct(tokens[j], ')')) op += tokens[j++]!.text;
      if (op !== '' && isPunct(tokens[j], ')')) {
        cuts.push({ start: t.start, end: tokens[j]!.end, text: op });
        i = j;
      }
    }
  }
  let out = sql;
  for (const c of cuts.reverse()) out = `${out.slice(0, c.start)}${c.text}${out.slice(c.end)}`;
  return out;
}

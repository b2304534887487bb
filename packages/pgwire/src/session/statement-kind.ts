/**
 * What one statement of a Query/Parse string is, for the wire: session commands the wire answers
 * itself (transaction control, SET/RESET/SHOW of session settings, DISCARD, DEALLOCATE), or a
 * statement for the catalog emulation or the engine (decided later by DuckDB's parse tree).
 * The words come from core's lexer (comments, strings and quoted identifiers skipped); DuckDB
 * parses everything that runs. Also splits a simple-query string into its statements.
 */
import { identifierOf, isPunct, prePass, tokenize, type Token } from '@k3/core/sql';

export type SessionCommand =
  | { kind: 'begin'; readOnly: boolean }
  | { kind: 'commit' }
  | { kind: 'rollback' }
  | { kind: 'savepoint'; verb: string }
  | { kind: 'set'; name: string; value: string | undefined }
  | { kind: 'reset'; name: string }
  | { kind: 'show'; name: string }
  | { kind: 'noop'; tag: string };

export type StatementKind =
  | { kind: 'empty' }
  | { kind: 'session'; command: SessionCommand }
  | { kind: 'sql'; write: boolean; verb: string };

const WRITE_WORDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE', 'CREATE', 'ALTER', 'DROP', 'OPTIMIZE', 'VACUUM', 'RESTORE', 'COPY', 'COMMENT']);

/** Splits at depth-0 semicolons; empty pieces dropped. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start: number | undefined;
  let end = 0;
  for (const t of tokenize(sql)) {
    if (t.depth === 0 && isPunct(t, ';')) {
      if (start !== undefined) out.push(sql.slice(start, end));
      start = undefined;
      continue;
    }
    start ??= t.start;
    end = t.end;
  }
  if (start !== undefined) out.push(sql.slice(start, end));
  return out;
}

const upper = (t: Token | undefined): string => (t === undefined ? '' : t.kind === 'word' ? t.text.toUpperCase() : t.kind === 'quoted' ? identifierOf(t) : t.text);

function valueText(tokens: readonly Token[]): string | undefined {
  if (tokens.length === 0) return undefined;
  return tokens
    .filter((t) => !isPunct(t, ','))
    .map((t) => (t.kind === 'string' ? t.text.slice(1, -1).replaceAll("''", "'") : t.kind === 'quoted' ? identifierOf(t) : t.text))
    .join(', ');
}

/** `a . b` → "a.b", lower-cased unless quoted. */
function settingName(tokens: readonly Token[], from: number): { name: string; next: number } {
  let name = '';
  let i = from;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.kind === 'word') name += t.text.toLowerCase();
    else if (t.kind === 'quoted') name += identifierOf(t);
    else break;
    i++;
    if (isPunct(tokens[i], '.')) {
      name += '.';
      i++;
      continue;
    }
    break;
  }
  return { name, next: i };
}

export function classifyStatement(sql: string): StatementKind {
  const tokens = tokenize(sql);
  if (tokens.length === 0) return { kind: 'empty' };
  const w = tokens.map(upper);
  const first = w[0]!;
  const words = w.join(' ');
  if (first === 'BEGIN' || (first === 'START' && w[1] === 'TRANSACTION')) return { kind: 'session', command: { kind: 'begin', readOnly: /\bREAD ONLY\b/.test(words) } };
  if (first === 'COMMIT' || first === 'END') return { kind: 'session', command: { kind: 'commit' } };
  if (first === 'ROLLBACK' || first === 'ABORT') {
    if (w.includes('TO')) return { kind: 'session', command: { kind: 'savepoint', verb: 'ROLLBACK' } };
    return { kind: 'session', command: { kind: 'rollback' } };
  }
  if (first === 'SAVEPOINT' || first === 'RELEASE') return { kind: 'session', command: { kind: 'savepoint', verb: first } };
  if (first === 'DISCARD') return { kind: 'session', command: { kind: 'noop', tag: `DISCARD ${w[1] ?? 'ALL'}` } };
  if (first === 'DEALLOCATE') return { kind: 'session', command: { kind: 'noop', tag: 'DEALLOCATE' } };
  if (first === 'SET') {
    let i = 1;
    if (w[i] === 'SESSION' || w[i] === 'LOCAL') i++;
    if (w[i] === 'CHARACTERISTICS' || w[i] === 'TRANSACTION') return { kind: 'session', command: { kind: 'noop', tag: 'SET' } };
    if (w[i] === 'TIME' && w[i + 1] === 'ZONE') return { kind: 'session', command: { kind: 'set', name: 'timezone', value: valueText(tokens.slice(i + 2)) } };
    if (w[i] === 'NAMES') return { kind: 'session', command: { kind: 'set', name: 'client_encoding', value: valueText(tokens.slice(i + 1)) } };
    const { name, next } = settingName(tokens, i);
    let j = next;
    if (isPunct(tokens[j], '=') || w[j] === 'TO') j++;
    const value = w[j] === 'DEFAULT' ? undefined : valueText(tokens.slice(j));
    return { kind: 'session', command: { kind: 'set', name, value } };
  }
  if (first === 'RESET') return { kind: 'session', command: { kind: 'reset', name: w[1] === 'ALL' ? 'all' : settingName(tokens, 1).name } };
  if (first === 'SHOW') {
    if (w[1] === 'TRANSACTION' && w[2] === 'ISOLATION') return { kind: 'session', command: { kind: 'show', name: 'transaction_isolation' } };
    if (w[1] === 'TIME' && w[2] === 'ZONE') return { kind: 'session', command: { kind: 'show', name: 'timezone' } };
    if (w[1] === 'ALL' && tokens.length === 2) return { kind: 'session', command: { kind: 'show', name: 'all' } };
    const { name, next } = settingName(tokens, 1);
    // SHOW TABLES, SHOW <table> and the like are DuckDB's: the engine answers them.
    if (next === tokens.length && name !== 'tables') return { kind: 'session', command: { kind: 'show', name } };
  }
  let write = WRITE_WORDS.has(first);
  let verb = first;
  if (!write && first === 'WITH') {
    const shape = prePass(sql).shape;
    if (shape.kind === 'dml') {
      write = true;
      verb = shape.verb;
    }
  }
  return { kind: 'sql', write, verb };
}

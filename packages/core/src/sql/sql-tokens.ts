/**
 * A lexer for the narrow k3 pre-pass (pre-pass.ts): just enough of DuckDB's lexical grammar to
 * find words at parenthesis depth 0 without being fooled by comments, string literals or quoted
 * identifiers. It is not a parser: DuckDB parses and binds every statement.
 *
 * Invariants: tokens cover the text in order; `start`/`end` are offsets into the original text so
 * rewrites splice the user's own text; comments and whitespace produce no tokens; an unterminated
 * string or comment swallows the rest of the text (DuckDB then reports the parse error).
 */

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'param' | 'punct';

export interface Token {
  readonly kind: TokenKind;
  /** Raw text as written. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  /** Parenthesis depth before this token (a `(` token has the depth outside it). */
  readonly depth: number;
}

// Sticky (`y`) patterns match at `lastIndex` without slicing the rest of the text: tokenizing
// stays linear in the text length (a 20,000-item IN list).
const DOLLAR_TAG = /\$([A-Za-z_][A-Za-z0-9_]*)?\$/y;
const DOLLAR_PARAM = /\$[0-9]+/y;
const NUMBER = /(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9_]*\.?[0-9_]+(?:[eE][+-]?[0-9]+)?)/y;

function stickyMatch(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

// Character classes by char code: whitespace /\s/, a word's start [A-Za-z_\u0080-\uffff] and part
// [A-Za-z0-9_$\u0080-\uffff], a digit [0-9] (wip/ingest8: a regex test per character was most of
// tokenizing a 16 KB ingest MERGE). Non-ASCII whitespace still asks /\s/. sql-tokens.test.ts
// checks every UTF-16 code unit against the regexes.
const isSpaceCode = (code: number, ch: string): boolean => code === 32 || (code >= 9 && code <= 13) || (code >= 0x80 && /\s/.test(ch));
const isDigitCode = (code: number): boolean => code >= 48 && code <= 57;
const isWordStartCode = (code: number): boolean => (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code >= 0x80;
const isWordPartCode = (code: number): boolean => isWordStartCode(code) || isDigitCode(code) || code === 36;
/** The classifiers, for the test that compares them with the regexes they replace. */
export const charClasses = { isSpaceCode, isDigitCode, isWordStartCode, isWordPartCode };

let passes = 0;

/**
 * How many times `tokenize` has run in this process. Analysis promises ONE token pass per plain
 * statement (analysed-statement.ts); tests read this counter to hold it to that, deterministically.
 */
export function tokenPasses(): number {
  return passes;
}

export function tokenize(sql: string): Token[] {
  passes++;
  const tokens: Token[] = [];
  let i = 0;
  let depth = 0;
  const n = sql.length;
  const push = (kind: TokenKind, start: number, end: number): void => {
    const text = sql.slice(start, end);
    tokens.push({ kind, text, start, end, depth: kind === 'punct' && text === ')' ? Math.max(0, depth - 1) : depth });
    if (kind === 'punct' && text === '(') depth++;
    if (kind === 'punct' && text === ')') depth = Math.max(0, depth - 1);
  };
  while (i < n) {
    const ch = sql[i]!;
    const code = sql.charCodeAt(i);
    if (isSpaceCode(code, ch)) { i++; continue; }
    if (ch === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
      continue;
    }
    if (ch === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i);
      continue;
    }
    if (ch === "'") { const end = skipQuoted(sql, i, "'"); push('string', i, end); i = end; continue; }
    if ((ch === 'E' || ch === 'e' || ch === 'X' || ch === 'x' || ch === 'B' || ch === 'b') && sql[i + 1] === "'") {
      const end = ch === 'E' || ch === 'e' ? skipEscapedString(sql, i + 1) : skipQuoted(sql, i + 1, "'");
      push('string', i, end); i = end; continue;
    }
    if (ch === '"') { const end = skipQuoted(sql, i, '"'); push('quoted', i, end); i = end; continue; }
    if (ch === '$') {
      const tag = stickyMatch(DOLLAR_TAG, sql, i);
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        const end = close < 0 ? n : close + tag[0].length;
        push('string', i, end); i = end; continue;
      }
      const m = stickyMatch(DOLLAR_PARAM, sql, i);
      if (m) { push('param', i, i + m[0].length); i += m[0].length; continue; }
    }
    if (isWordStartCode(code)) {
      let j = i + 1;
      while (j < n && isWordPartCode(sql.charCodeAt(j))) j++;
      push('word', i, j); i = j; continue;
    }
    if (isDigitCode(code) || (ch === '.' && isDigitCode(sql.charCodeAt(i + 1)))) {
      const m = stickyMatch(NUMBER, sql, i);
      const len = Math.max(1, m?.[0].length ?? 1);
      push('number', i, i + len); i += len; continue;
    }
    if (ch === '?') { push('param', i, i + 1); i++; continue; }
    push('punct', i, i + 1);
    i++;
  }
  return tokens;
}

function skipBlockComment(sql: string, from: number): number {
  // DuckDB (like Postgres) nests block comments.
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') { depth++; i += 2; continue; }
    if (sql[i] === '*' && sql[i + 1] === '/') { depth--; i += 2; if (depth === 0) return i; continue; }
    i++;
  }
  return sql.length;
}

/** `'it''s'` or `"a""b"`: the quote doubles to escape itself. Returns the index after the closing quote. */
function skipQuoted(sql: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) { i += 2; continue; }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** `E'a\'b'`: backslash escapes as well as doubled quotes. */
function skipEscapedString(sql: string, from: number): number {
  let i = from + 1;
  while (i < sql.length) {
    if (sql[i] === '\\') { i += 2; continue; }
    if (sql[i] === "'") {
      if (sql[i + 1] === "'") { i += 2; continue; }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** Every code unit below 0x80 (a word token's text is short: a loop, no regex over control characters). */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/** True when the token is the (case-insensitive) keyword `word`. Quoted identifiers are never keywords. */
export function isWord(token: Token | undefined, ...words: string[]): boolean {
  if (token === undefined || token.kind !== 'word') return false;
  const { text } = token;
  // An ASCII word keeps its length upper-cased: only a word of that length can match, and the
  // usual miss allocates no upper-cased copy (scans over a 16 KB statement's tokens; wip/ingest8).
  if (isAscii(text)) {
    for (const w of words) if (w.length === text.length && w === text.toUpperCase()) return true;
    return false;
  }
  return words.includes(text.toUpperCase());
}

export function isPunct(token: Token | undefined, ch: string): boolean {
  return token !== undefined && token.kind === 'punct' && token.text === ch;
}

/** The identifier a `word` or `quoted` token names (quotes removed, `""` unescaped). */
export function identifierOf(token: Token): string {
  if (token.kind === 'quoted') return token.text.slice(1, -1).replaceAll('""', '"');
  return token.text;
}

/** Index of the `)` closing the `(` at `open`, or -1. */
export function matchingParen(tokens: readonly Token[], open: number): number {
  const depth = tokens[open]?.depth;
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.depth === depth && isPunct(t, ')')) return i;
  }
  return -1;
}

/** Tokens minus trailing `;` tokens (DuckDB accepts a trailing semicolon). */
export function withoutTrailingSemicolons(tokens: readonly Token[]): Token[] {
  let end = tokens.length;
  while (end > 0 && isPunct(tokens[end - 1], ';')) end--;
  return tokens.slice(0, end);
}

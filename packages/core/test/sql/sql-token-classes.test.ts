/**
 * The tokenizer's character classes by char code (sql-tokens.ts, wip/ingest8) against the regexes
 * they replace, for every UTF-16 code unit: whitespace /\s/, a word's start [A-Za-z_\u0080-\uffff],
 * a word's part [A-Za-z0-9_$\u0080-\uffff], a digit [0-9] — so the token stream is unchanged.
 */
import { describe, expect, it } from 'vitest';
import { charClasses, isWord, tokenize } from '../../src/sql/sql-tokens.ts';

describe('tokenizer character classes', () => {
  it('match the regexes for every code unit', () => {
    const differ: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const ch = String.fromCharCode(code);
      if (charClasses.isSpaceCode(code, ch) !== /\s/.test(ch)) differ.push(`space ${code}`);
      if (charClasses.isDigitCode(code) !== /[0-9]/.test(ch)) differ.push(`digit ${code}`);
      if (charClasses.isWordStartCode(code) !== /[A-Za-z_\u0080-\uffff]/.test(ch)) differ.push(`word start ${code}`);
      if (charClasses.isWordPartCode(code) !== /[A-Za-z0-9_$\u0080-\uffff]/.test(ch)) differ.push(`word part ${code}`);
    }
    expect(differ).toEqual([]);
    // Past the end of the text (charCodeAt → NaN) is no digit, as /[0-9]/.test('') was not.
    expect(charClasses.isDigitCode(Number.NaN)).toBe(false);
  });

  it('tokenizes words, numbers and whitespace as before', () => {
    const kinds = (sql: string) => tokenize(sql).map((t) => `${t.kind}:${t.text}`);
    // A non-ASCII space between tokens is skipped; after a word it is a word part ([\u0080-\uffff]), as it always was.
    expect(kinds('SELECT a$1, _x9, é .5 FROM\u00a0t \u2028WHERE 1.5e3 > 0x1F é\u00a0')).toEqual([
      'word:SELECT', 'word:a$1', 'punct:,', 'word:_x9', 'punct:,', 'word:é', 'number:.5', 'word:FROM\u00a0t', 'word:WHERE', 'number:1.5e3', 'punct:>', 'number:0x1F', 'word:é\u00a0']);
    expect(kinds('x.')).toEqual(['word:x', 'punct:.']);
  });

  it('isWord matches as toUpperCase() did', () => {
    const [sel, lower, longS, quoted, eszett] = tokenize('sElEcT values ſelect "SELECT" claß');
    expect(isWord(sel, 'FROM', 'SELECT')).toBe(true);
    expect(isWord(sel, 'SELECTS', 'SELEC')).toBe(false);
    // Only the upper-cased text is compared: a lower-case word in the list never matched.
    expect(isWord(lower, 'values')).toBe(false);
    expect(isWord(lower, 'VALUES')).toBe(true);
    // Non-ASCII words upper-case as before (ſ → S; ß → SS changes the length).
    expect(isWord(longS, 'SELECT')).toBe(true);
    expect(isWord(eszett, 'CLASS')).toBe(true);
    expect(isWord(quoted, 'SELECT')).toBe(false);
    expect(isWord(undefined, 'SELECT')).toBe(false);
  });
});

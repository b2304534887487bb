/**
 * A parser for Excel formulas as users type them in the sheet: just enough syntax to find the
 * formulas that reference whole table columns (by name, `=SUMIFS(amount, region, "UK")`, or by
 * letter, `=SUM(D:D)`) so they can be compiled to DuckDB SQL and computed over the whole table.
 * Anything it does not recognise is left to the sheet's own formula engine.
 *
 *   expr    := compare
 *   compare := concat (("=" | "<>" | "<" | ">" | "<=" | ">=") concat)*
 *   concat  := sum ("&" sum)*
 *   sum     := product (("+" | "-") product)*
 *   product := unary (("*" | "/") unary)*
 *   unary   := "-" unary | "+" unary | atom
 *   atom    := number | string | TRUE | FALSE | call | ref | "(" expr ")"
 */
export type FormulaNode =
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'name'; name: string } // a bare identifier: a column name (or a defined name)
  | { kind: 'cols'; from: number; to: number } // D:D, A:C (0-based, inclusive)
  | { kind: 'cell'; col: number; row: number } // D8 (0-based)
  | { kind: 'call'; name: string; args: FormulaNode[] }
  | { kind: 'binary'; op: string; left: FormulaNode; right: FormulaNode }
  | { kind: 'neg'; arg: FormulaNode };

export class FormulaSyntaxError extends Error {}

interface Token { t: 'num' | 'str' | 'id' | 'op' | '(' | ')' | ','; v: string }

const QUOTES: Record<string, string> = { '"': '"', '\u201c': '\u201d', '\u201d': '\u201d' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    const close = QUOTES[ch];
    if (close !== undefined) {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new FormulaSyntaxError('a text value is missing its closing quote');
        const c = text[i]!;
        if (c === '"' && text[i + 1] === '"') { s += '"'; i += 2; continue; }
        if (c === close || c === '"') { i++; break; }
        s += c;
        i++;
      }
      out.push({ t: 'str', v: s });
      continue;
    }
    const num = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i));
    if (num && !/^\d+:/.test(text.slice(i))) { out.push({ t: 'num', v: num[0] }); i += num[0].length; continue; }
    const id = /^[A-Za-z_\u00c0-\uffff][A-Za-z0-9_.\u00c0-\uffff]*(:[A-Za-z]+\d*)?/.exec(text.slice(i));
    if (id) { out.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    const op = /^(<>|<=|>=|[-+*/^&=<>])/.exec(text.slice(i));
    if (op) { out.push({ t: 'op', v: op[0] }); i += op[0].length; continue; }
    if (ch === '(' || ch === ')' || ch === ',' || ch === ';') { out.push({ t: ch === ';' ? ',' : ch, v: ch }); i++; continue; }
    throw new FormulaSyntaxError(`unexpected character "${ch}"`);
  }
  return out;
}

/** "D" → 3, "AA" → 26. */
export function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

export function columnLetters(index: number): string {
  let s = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

export function parseFormula(text: string): FormulaNode {
  const body = text.trim().replace(/^=/, '');
  const tokens = tokenize(body);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const take = (): Token => {
    const t = tokens[pos++];
    if (t === undefined) throw new FormulaSyntaxError('the formula ends too early');
    return t;
  };
  const isOp = (...ops: string[]): boolean => { const t = peek(); return t?.t === 'op' && ops.includes(t.v); };

  const binaryLevel = (ops: string[], next: () => FormulaNode) => (): FormulaNode => {
    let left = next();
    while (isOp(...ops)) {
      const op = take().v;
      left = { kind: 'binary', op, left, right: next() };
    }
    return left;
  };
  const atom = (): FormulaNode => {
    const t = take();
    if (t.t === 'num') return { kind: 'num', value: Number(t.v) };
    if (t.t === 'str') return { kind: 'str', value: t.v };
    if (t.t === '(') {
      const e = expr();
      if (take().t !== ')') throw new FormulaSyntaxError('a ")" is missing');
      return e;
    }
    if (t.t === 'id') {
      const upper = t.v.toUpperCase();
      if (peek()?.t === '(') {
        take();
        const args: FormulaNode[] = [];
        if (peek()?.t !== ')') {
          for (;;) {
            args.push(expr());
            const sep = take();
            if (sep.t === ')') break;
            if (sep.t !== ',') throw new FormulaSyntaxError(`expected "," or ")" in ${upper}(…)`);
          }
        } else take();
        return { kind: 'call', name: upper, args };
      }
      if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'bool', value: upper === 'TRUE' };
      const range = /^([A-Za-z]{1,3}):([A-Za-z]{1,3})$/.exec(t.v);
      if (range) {
        const a = columnIndex(range[1]!);
        const b = columnIndex(range[2]!);
        return { kind: 'cols', from: Math.min(a, b), to: Math.max(a, b) };
      }
      const cell = /^([A-Za-z]{1,3})(\d+)$/.exec(t.v);
      if (cell) return { kind: 'cell', col: columnIndex(cell[1]!), row: Number(cell[2]) - 1 };
      return { kind: 'name', name: t.v };
    }
    if (t.t === 'op' && t.v === '-') return { kind: 'neg', arg: atom() };
    if (t.t === 'op' && t.v === '+') return atom();
    throw new FormulaSyntaxError(`unexpected "${t.v}"`);
  };
  const product = binaryLevel(['*', '/'], atom);
  const sum = binaryLevel(['+', '-'], product);
  const concat = binaryLevel(['&'], sum);
  const compare = binaryLevel(['=', '<>', '<', '>', '<=', '>='], concat);
  function expr(): FormulaNode {
    return compare();
  }
  const tree = expr();
  if (pos !== tokens.length) throw new FormulaSyntaxError(`unexpected "${tokens[pos]!.v}" after the formula`);
  return tree;
}

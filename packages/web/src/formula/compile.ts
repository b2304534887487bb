/**
 * Excel formulas over whole table columns → one DuckDB SELECT, computed on the server over the
 * whole table at the sheet's version and freshness (the sheet only ever holds a window of rows).
 *
 * A formula is "a table formula" when it calls at least one of the functions below with a column
 * argument — a column name (`amount`) or whole-column letters (`D:D`). Every literal (criteria,
 * lookup values, cell values) becomes a bound parameter; column names are quoted identifiers; the
 * SQL text never contains user values. Excel semantics kept: text criteria compare
 * case-insensitively, `*` / `?` are wildcards, `"<>x"` also matches blanks, "first match" is the
 * first row in the sheet's order.
 *
 * Aggregates: SUM COUNT COUNTA AVERAGE MIN MAX · SUMIFS COUNTIFS AVERAGEIFS MINIFS MAXIFS
 * (and SUMIF / COUNTIF / AVERAGEIF) · lookups: VLOOKUP XLOOKUP INDEX/MATCH MATCH · UNIQUE (spills).
 * Arithmetic (+ - * / &) between them and literals is compiled too.
 */
import { columnLetters, FormulaSyntaxError, parseFormula, type FormulaNode } from './parse.ts';

export interface SheetColumn {
  name: string;
  /** DuckDB type text. */
  type: string;
}

export interface FormulaContext {
  table: string;
  columns: readonly SheetColumn[];
  /** `AS OF VERSION n` when the sheet shows an old version. */
  asOfVersion?: bigint | number;
  /** ORDER BY of the sheet (first match = first in this order); column names. */
  order: readonly { column: string; descending: boolean }[];
  /** Value of a cell of the sheet (for `D2` references inside a table formula). */
  cellValue: (row: number, col: number) => unknown;
}

export interface CompiledFormula {
  sql: string;
  params: unknown[];
  /** UNIQUE returns a column of values that spills down from the cell. */
  spills: boolean;
  /** The source column whose number format the result should take, when there is one. */
  formatColumn?: string;
}

const AGG: Record<string, (c: string) => string> = {
  SUM: (c) => `SUM(${c})`,
  COUNT: (c) => `COUNT(TRY_CAST(${c} AS DOUBLE))`,
  COUNTA: (c) => `COUNT(${c})`,
  AVERAGE: (c) => `AVG(${c})`,
  MIN: (c) => `MIN(${c})`,
  MAX: (c) => `MAX(${c})`,
};

const IFS: Record<string, { agg: (c: string) => string; hasTarget: boolean; single?: boolean }> = {
  SUMIFS: { agg: (c) => `COALESCE(SUM(${c}), 0)`, hasTarget: true },
  AVERAGEIFS: { agg: (c) => `AVG(${c})`, hasTarget: true },
  MINIFS: { agg: (c) => `COALESCE(MIN(${c}), 0)`, hasTarget: true },
  MAXIFS: { agg: (c) => `COALESCE(MAX(${c}), 0)`, hasTarget: true },
  COUNTIFS: { agg: () => 'COUNT(*)', hasTarget: false },
};

export const TABLE_FUNCTIONS = new Set([...Object.keys(AGG), ...Object.keys(IFS), 'SUMIF', 'COUNTIF', 'AVERAGEIF', 'VLOOKUP', 'XLOOKUP', 'INDEX', 'MATCH', 'UNIQUE']);

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class Compiler {
  readonly params: unknown[] = [];
  formatColumn: string | undefined;
  private readonly ctx: FormulaContext;

  constructor(ctx: FormulaContext) {
    this.ctx = ctx;
  }

  param(v: unknown): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }

  get from(): string {
    const v = this.ctx.asOfVersion;
    return `${quoteIdent(this.ctx.table)}${v === undefined ? '' : ` AS OF VERSION ${BigInt(v).toString()}`}`;
  }

  get orderBy(): string {
    const order = this.ctx.order.length > 0 ? this.ctx.order : [];
    return order.length === 0 ? '' : ` ORDER BY ${order.map((o) => `${quoteIdent(o.column)} ${o.descending ? 'DESC' : 'ASC'} NULLS LAST`).join(', ')}`;
  }

  /** A column argument → the one column it names (or undefined when the node is not a column). */
  column(n: FormulaNode): SheetColumn | undefined {
    if (n.kind === 'name') return this.ctx.columns.find((c) => c.name.toLowerCase() === n.name.toLowerCase());
    if (n.kind === 'cols' && n.from === n.to) return this.ctx.columns[n.from];
    return undefined;
  }

  columns(n: FormulaNode): SheetColumn[] | undefined {
    if (n.kind === 'cols') {
      const cols = this.ctx.columns.slice(n.from, n.to + 1);
      return cols.length === n.to - n.from + 1 ? cols : undefined;
    }
    const one = this.column(n);
    return one === undefined ? undefined : [one];
  }

  requireColumn(n: FormulaNode, fn: string, what: string): string {
    const c = this.column(n);
    if (c === undefined) {
      const shown = n.kind === 'name' ? n.name : n.kind === 'cols' ? `${columnLetters(n.from)}:${columnLetters(n.to)}` : 'that argument';
      throw new FormulaSyntaxError(`${fn}: ${what} must be a column of the table (a name like ${this.ctx.columns[0]?.name ?? 'amount'} or letters like D:D); ${shown} is not one`);
    }
    return quoteIdent(c.name);
  }

  /** A scalar argument: literal, cell reference or a nested expression. */
  value(n: FormulaNode): string {
    switch (n.kind) {
      case 'num': return this.param(n.value);
      case 'str': return this.param(n.value);
      case 'bool': return n.value ? 'TRUE' : 'FALSE';
      case 'cell': return this.param(this.ctx.cellValue(n.row, n.col) ?? null);
      default: return this.expr(n);
    }
  }

  /** `crit` as Excel matches it against column `c`. */
  criterion(c: string, crit: FormulaNode): string {
    let literal: unknown;
    if (crit.kind === 'str' || crit.kind === 'num' || crit.kind === 'bool') literal = crit.value;
    else if (crit.kind === 'cell') literal = this.ctx.cellValue(crit.row, crit.col);
    else return `${c} = ${this.expr(crit)}`;
    if (typeof literal === 'number') return `${c} = ${this.param(literal)}`;
    if (typeof literal === 'boolean') return `${c} = ${literal ? 'TRUE' : 'FALSE'}`;
    const text = literal === null || literal === undefined ? '' : String(literal);
    const m = /^(<>|<=|>=|=|<|>)?(.*)$/s.exec(text)!;
    const op = m[1] ?? '=';
    const rest = m[2]!;
    const asNumber = rest.trim() !== '' && Number.isFinite(Number(rest)) ? Number(rest) : undefined;
    if (rest === '') return op === '<>' ? `${c} IS NOT NULL` : `${c} IS NULL`;
    if (asNumber !== undefined && op !== '=' && op !== '<>') return `TRY_CAST(${c} AS DOUBLE) ${op} ${this.param(asNumber)}`;
    if (asNumber !== undefined) {
      const eq = `(TRY_CAST(${c} AS DOUBLE) = ${this.param(asNumber)})`;
      return op === '=' ? `COALESCE(${eq}, FALSE)` : `NOT COALESCE(${eq}, FALSE)`;
    }
    if (op === '=' || op === '<>') {
      const wild = /[*?]/.test(rest.replace(/~[*?]/g, ''));
      const cmp = wild
        ? `CAST(${c} AS VARCHAR) ILIKE ${this.param(excelWildcardToLike(rest))} ESCAPE '\\'`
        : `lower(CAST(${c} AS VARCHAR)) = lower(${this.param(rest)})`;
      return op === '=' ? `COALESCE(${cmp}, FALSE)` : `NOT COALESCE(${cmp}, FALSE)`;
    }
    return `lower(CAST(${c} AS VARCHAR)) ${op} lower(${this.param(rest)})`;
  }

  ifs(fn: string, args: FormulaNode[]): string {
    const spec = IFS[fn]!;
    const target = spec.hasTarget ? args[0] : undefined;
    const pairs = spec.hasTarget ? args.slice(1) : args;
    if (pairs.length === 0 || pairs.length % 2 !== 0) throw new FormulaSyntaxError(`${fn} takes ${spec.hasTarget ? 'a column then ' : ''}pairs of (criteria column, criterion)`);
    const where: string[] = [];
    for (let i = 0; i < pairs.length; i += 2) where.push(this.criterion(this.requireColumn(pairs[i]!, fn, 'a criteria range'), pairs[i + 1]!));
    const col = target === undefined ? '' : this.requireColumn(target, fn, 'the value range');
    if (target !== undefined) this.formatColumn ??= this.column(target)?.name;
    return `(SELECT ${spec.agg(col)} FROM ${this.from} WHERE ${where.join(' AND ')})`;
  }

  lookup(value: FormulaNode, lookCol: string, retCol: string): string {
    return `(SELECT ${retCol} FROM ${this.from} WHERE ${lookCol} = ${this.value(value)}${this.orderBy} LIMIT 1)`;
  }

  match(value: FormulaNode, lookCol: string): string {
    return `(SELECT k3_rn FROM (SELECT row_number() OVER (${this.orderBy.trim()}) AS k3_rn, ${lookCol} AS k3_v FROM ${this.from}) WHERE k3_v = ${this.value(value)} ORDER BY k3_rn LIMIT 1)`;
  }

  call(name: string, args: FormulaNode[]): string {
    if (name in AGG) {
      if (args.length !== 1) throw new FormulaSyntaxError(`${name} over a table column takes one column`);
      const col = this.requireColumn(args[0]!, name, 'its argument');
      if (name !== 'COUNT' && name !== 'COUNTA') this.formatColumn ??= this.column(args[0]!)?.name;
      return `(SELECT ${AGG[name]!(col)} FROM ${this.from})`;
    }
    if (name in IFS) return this.ifs(name, args);
    if (name === 'SUMIF' || name === 'AVERAGEIF') {
      // SUMIF(range, criterion, [sum_range]) = SUMIFS(sum_range ?? range, range, criterion)
      const [range, crit, sumRange] = args;
      if (range === undefined || crit === undefined) throw new FormulaSyntaxError(`${name} takes (range, criterion, [${name === 'SUMIF' ? 'sum' : 'average'}_range])`);
      return this.ifs(name === 'SUMIF' ? 'SUMIFS' : 'AVERAGEIFS', [sumRange ?? range, range, crit]);
    }
    if (name === 'COUNTIF') return this.ifs('COUNTIFS', args);
    if (name === 'XLOOKUP') {
      const [value, look, ret, notFound] = args;
      if (value === undefined || look === undefined || ret === undefined) throw new FormulaSyntaxError('XLOOKUP takes (lookup_value, lookup_column, return_column, [if_not_found])');
      this.formatColumn ??= this.column(ret)?.name;
      const found = this.lookup(value, this.requireColumn(look, name, 'the lookup array'), this.requireColumn(ret, name, 'the return array'));
      return notFound === undefined ? found : `COALESCE(${found}, ${this.value(notFound)})`;
    }
    if (name === 'VLOOKUP') {
      const [value, range, index, approx] = args;
      const cols = range === undefined ? undefined : this.columns(range);
      if (value === undefined || cols === undefined || index?.kind !== 'num') throw new FormulaSyntaxError('VLOOKUP takes (lookup_value, columns like A:D, column_number, [FALSE])');
      const ret = cols[index.value - 1];
      if (ret === undefined) throw new FormulaSyntaxError(`VLOOKUP: column ${index.value} is outside the ${cols.length} column(s) of the range`);
      this.formatColumn ??= ret.name;
      const exact = approx !== undefined && ((approx.kind === 'bool' && !approx.value) || (approx.kind === 'num' && approx.value === 0));
      if (exact) return this.lookup(value, quoteIdent(cols[0]!.name), quoteIdent(ret.name));
      // Approximate match: the largest key not above the value (Excel expects a sorted first column).
      return `(SELECT ${quoteIdent(ret.name)} FROM ${this.from} WHERE ${quoteIdent(cols[0]!.name)} <= ${this.value(value)} ORDER BY ${quoteIdent(cols[0]!.name)} DESC LIMIT 1)`;
    }
    if (name === 'MATCH') {
      const [value, look, type] = args;
      if (value === undefined || look === undefined || (type !== undefined && !(type.kind === 'num' && type.value === 0))) throw new FormulaSyntaxError('MATCH over a table column supports exact match: MATCH(value, column, 0)');
      return this.match(value, this.requireColumn(look, name, 'the lookup array'));
    }
    if (name === 'INDEX') {
      const [col, row] = args;
      if (col === undefined || row === undefined) throw new FormulaSyntaxError('INDEX takes (column, row_number)');
      const ret = this.requireColumn(col, name, 'the array');
      this.formatColumn ??= this.column(col)?.name;
      if (row.kind === 'call' && row.name === 'MATCH') {
        const [value, look, type] = row.args;
        if (value === undefined || look === undefined || (type !== undefined && !(type.kind === 'num' && type.value === 0))) throw new FormulaSyntaxError('INDEX(…, MATCH(value, column, 0)) needs an exact MATCH');
        return this.lookup(value, this.requireColumn(look, 'MATCH', 'the lookup array'), ret);
      }
      return `(SELECT ${ret} FROM ${this.from}${this.orderBy} LIMIT 1 OFFSET (${this.value(row)}) - 1)`;
    }
    throw new FormulaSyntaxError(`${name} is not computed over whole columns`);
  }

  expr(n: FormulaNode): string {
    switch (n.kind) {
      case 'call': return this.call(n.name, n.args);
      case 'binary': {
        const op = n.op === '&' ? '||' : n.op;
        return `(${this.value(n.left)} ${op} ${this.value(n.right)})`;
      }
      case 'neg': return `(-${this.value(n.arg)})`;
      case 'num': case 'str': case 'bool': case 'cell': return this.value(n);
      default: throw new FormulaSyntaxError('a whole column can only be an argument of a function such as SUM or SUMIFS');
    }
  }
}

function excelWildcardToLike(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '~' && (pattern[i + 1] === '*' || pattern[i + 1] === '?')) { out += pattern[++i]!; continue; }
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/** Does the formula reference a whole table column inside a function we compute on the server? */
export function isTableFormula(tree: FormulaNode, columns: readonly SheetColumn[]): boolean {
  const isColumn = (n: FormulaNode): boolean => n.kind === 'cols' || (n.kind === 'name' && columns.some((c) => c.name.toLowerCase() === n.name.toLowerCase()));
  const walk = (n: FormulaNode): boolean => {
    if (n.kind === 'call') return (TABLE_FUNCTIONS.has(n.name) && n.args.some(isColumn)) || n.args.some(walk);
    if (n.kind === 'binary') return walk(n.left) || walk(n.right);
    if (n.kind === 'neg') return walk(n.arg);
    return false;
  };
  return walk(tree);
}

/** The SQL for a table formula, or undefined when the sheet's own engine should compute it. */
export function compileFormula(text: string, ctx: FormulaContext): CompiledFormula | undefined {
  if (!text.trim().startsWith('=')) return undefined;
  let tree: FormulaNode;
  try {
    tree = parseFormula(text);
  } catch {
    return undefined; // not our syntax: the sheet engine reports its own error
  }
  if (!isTableFormula(tree, ctx.columns)) return undefined;
  const c = new Compiler(ctx);
  if (tree.kind === 'call' && tree.name === 'UNIQUE') {
    const col = tree.args[0] === undefined ? '' : c.requireColumn(tree.args[0], 'UNIQUE', 'its argument');
    const sql = `SELECT k3_v FROM (SELECT ${col} AS k3_v, min(k3_rn) AS k3_first FROM (SELECT ${col}, row_number() OVER (${c.orderBy.trim()}) AS k3_rn FROM ${c.from}) GROUP BY ${col}) ORDER BY k3_first`;
    return { sql, params: c.params, spills: true, ...(tree.args[0] ? { formatColumn: c.column(tree.args[0])?.name } : {}) };
  }
  const sql = `SELECT ${c.expr(tree)} AS k3_value`;
  return { sql, params: c.params, spills: false, ...(c.formatColumn !== undefined ? { formatColumn: c.formatColumn } : {}) };
}

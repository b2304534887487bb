/**
 * SQL forms of the maintenance operations, recognised on tokens (sql/sql-tokens.ts) before DuckDB
 * sees the statement — DuckDB has no such statements. Each returns a typed command for the engine
 * to run through restoreTable / optimizeTable / vacuumTable / tableHistory:
 *
 *   RESTORE [TABLE] t [TO] VERSION [AS OF] 3 | RESTORE [TABLE] t [TO] TIMESTAMP [AS OF] '…'
 *   OPTIMIZE t [WHERE p = 'x' [AND q IN ('a', 'b')]…] [ZORDER BY (a, b) | ZORDER BY a, b]
 *   VACUUM t [RETAIN n HOURS] [DRY RUN]
 *   DESCRIBE HISTORY t [LIMIT n]
 *
 * VACUUM is also DuckDB syntax (`VACUUM`, `VACUUM ANALYZE t`, `VACUUM t(col)`): those are left to
 * DuckDB (undefined). `VACUUM t` with a bare name is ours when `isTable(t)` says t is a k3 table
 * (default: always — in k3 every table of a bucket is a Delta table); with RETAIN / DRY RUN it is
 * always ours. Anything that starts like one of ours but does not fit is ERR_SQL_PARSE saying the
 * expected form. Qualified names other than `main.t` are refused (one namespace per bucket).
 */
import { AppError } from '../errors/index.ts';
import { identifierOf, isPunct, isWord, tokenize, withoutTrailingSemicolons, type Token } from '../sql/sql-tokens.ts';
import type { PartitionFilter } from './optimize-plan.ts';
import { parseTimestampMs, parseVersion, type TimeTravelTarget } from './time-travel-target.ts';

export type MaintenanceCommand =
  | { readonly kind: 'restore'; readonly table: string; readonly at: TimeTravelTarget }
  | { readonly kind: 'optimize'; readonly table: string; readonly zOrderColumns: string[]; readonly partitionFilters: PartitionFilter[] }
  | { readonly kind: 'vacuum'; readonly table: string; readonly retentionHours: number | undefined; readonly dryRun: boolean }
  | { readonly kind: 'history'; readonly table: string; readonly limit: number | undefined };

export interface MaintenanceSqlOptions {
  /** Whether a bare `VACUUM <name>` names a k3 table (default: yes). */
  readonly isTable?: (name: string) => boolean;
}

const FORMS = {
  restore: "RESTORE TABLE t TO VERSION 3, or RESTORE TABLE t TO TIMESTAMP '2026-05-18T00:00:00Z'",
  optimize: "OPTIMIZE t [WHERE part = 'x'] [ZORDER BY (a, b)]",
  vacuum: 'VACUUM t [RETAIN 168 HOURS] [DRY RUN]',
  history: 'DESCRIBE HISTORY t [LIMIT 50]',
} as const;

function parseError(form: keyof typeof FORMS, detail: string): AppError {
  return new AppError('ERR_SQL_PARSE', `${detail} Expected ${FORMS[form]}.`, { form: FORMS[form] });
}

class Cursor {
  readonly tokens: readonly Token[];
  readonly form: keyof typeof FORMS;
  i: number;
  constructor(tokens: readonly Token[], i: number, form: keyof typeof FORMS) {
    this.tokens = tokens;
    this.i = i;
    this.form = form;
  }
  get done(): boolean {
    return this.i >= this.tokens.length;
  }
  peek(k = 0): Token | undefined {
    return this.tokens[this.i + k];
  }
  word(...words: string[]): boolean {
    if (!isWord(this.peek(), ...words)) return false;
    this.i++;
    return true;
  }
  expectWord(...words: string[]): void {
    if (!this.word(...words)) throw parseError(this.form, `Expected ${words.join(' or ')} near ${JSON.stringify(this.peek()?.text ?? 'the end')}.`);
  }
  punct(ch: string): boolean {
    if (!isPunct(this.peek(), ch)) return false;
    this.i++;
    return true;
  }
  ident(what: string): string {
    const t = this.peek();
    if (t === undefined || (t.kind !== 'word' && t.kind !== 'quoted')) throw parseError(this.form, `Expected ${what} near ${JSON.stringify(t?.text ?? 'the end')}.`);
    this.i++;
    return identifierOf(t);
  }
  tableName(): string {
    const parts = [this.ident('a table name')];
    while (this.punct('.')) parts.push(this.ident('a table name'));
    const table = parts[parts.length - 1]!;
    if (parts.length > 2 || (parts.length === 2 && parts[0]!.toLowerCase() !== 'main')) {
      throw new AppError('ERR_SQL_UNSUPPORTED', `Table name ${parts.join('.')} is qualified; a bucket has a single namespace, so refer to the table by its bare name (${table}).`, { table: parts.join('.') });
    }
    return table;
  }
  integer(what: string): number {
    const t = this.peek();
    if (t?.kind !== 'number') throw parseError(this.form, `Expected ${what} near ${JSON.stringify(t?.text ?? 'the end')}.`);
    this.i++;
    return parseVersion(t.text.replaceAll('_', ''), what);
  }
  literal(): string {
    const t = this.peek();
    if (t?.kind === 'string' && t.text.startsWith("'")) {
      this.i++;
      return t.text.slice(1, -1).replaceAll("''", "'");
    }
    if (t?.kind === 'number') {
      this.i++;
      return t.text;
    }
    throw parseError(this.form, `Expected a literal value near ${JSON.stringify(t?.text ?? 'the end')}.`);
  }
  end(): void {
    if (!this.done) throw parseError(this.form, `Unexpected ${JSON.stringify(this.peek()!.text)}.`);
  }
}

function restore(c: Cursor): MaintenanceCommand {
  c.word('TABLE');
  const table = c.tableName();
  c.word('TO');
  let at: TimeTravelTarget;
  if (c.word('VERSION')) {
    if (c.word('AS')) c.expectWord('OF');
    at = { version: c.integer('a version number') };
  } else if (c.word('TIMESTAMP')) {
    if (c.word('AS')) c.expectWord('OF');
    const t = c.peek();
    if (t?.kind !== 'string') throw parseError('restore', 'TIMESTAMP takes a string literal.');
    at = { timestamp: parseTimestampMs(c.literal()) };
  } else {
    throw parseError('restore', 'RESTORE needs a target version or timestamp.');
  }
  c.end();
  return { kind: 'restore', table, at };
}

function optimize(c: Cursor): MaintenanceCommand {
  const table = c.tableName();
  const partitionFilters: PartitionFilter[] = [];
  if (c.word('WHERE')) {
    do {
      const column = c.ident('a partition column');
      if (c.punct('=')) {
        partitionFilters.push({ column, op: '=', value: c.literal() });
      } else if (c.word('IN')) {
        if (!c.punct('(')) throw parseError('optimize', 'IN needs a parenthesised list of literals.');
        const values: string[] = [c.literal()];
        while (c.punct(',')) values.push(c.literal());
        if (!c.punct(')')) throw parseError('optimize', 'IN list is not closed.');
        partitionFilters.push({ column, op: 'in', value: values });
      } else {
        throw parseError('optimize', 'OPTIMIZE … WHERE takes partition predicates of the form col = \'v\' or col IN (…), joined by AND.');
      }
    } while (c.word('AND'));
  }
  const zOrderColumns: string[] = [];
  if (c.word('ZORDER')) {
    c.expectWord('BY');
    const parens = c.punct('(');
    do zOrderColumns.push(c.ident('a column name'));
    while (c.punct(','));
    if (parens && !c.punct(')')) throw parseError('optimize', 'ZORDER BY column list is not closed.');
  }
  c.end();
  return { kind: 'optimize', table, zOrderColumns, partitionFilters };
}

function vacuum(c: Cursor, opts: MaintenanceSqlOptions): MaintenanceCommand | undefined {
  // DuckDB's own VACUUM forms: bare, with options, or with a column list.
  const first = c.peek();
  if (first === undefined || isWord(first, 'FULL', 'ANALYZE', 'ANALYSE', 'VERBOSE', 'FREEZE') || c.tokens.some((t) => isPunct(t, '('))) return undefined;
  const table = c.tableName();
  const bare = c.done;
  let retentionHours: number | undefined;
  let dryRun = false;
  if (c.word('RETAIN')) {
    const t = c.peek();
    if (t?.kind !== 'number' || !Number.isFinite(Number(t.text)) || Number(t.text) < 0) throw parseError('vacuum', 'RETAIN takes a non-negative number of hours.');
    c.i++;
    retentionHours = Number(t.text);
    c.expectWord('HOURS', 'HOUR');
  }
  if (c.word('DRY')) {
    c.expectWord('RUN');
    dryRun = true;
  }
  c.end();
  if (bare && !(opts.isTable?.(table) ?? true)) return undefined;
  return { kind: 'vacuum', table, retentionHours, dryRun };
}

function history(c: Cursor): MaintenanceCommand {
  const table = c.tableName();
  let limit: number | undefined;
  if (c.word('LIMIT')) limit = c.integer('a row limit');
  c.end();
  return { kind: 'history', table, limit };
}

/** The maintenance command of one statement, or undefined when it is not one of ours. */
export function parseMaintenanceSql(sql: string, opts: MaintenanceSqlOptions = {}): MaintenanceCommand | undefined {
  const tokens = withoutTrailingSemicolons(tokenize(sql));
  if (isWord(tokens[0], 'RESTORE')) return restore(new Cursor(tokens, 1, 'restore'));
  if (isWord(tokens[0], 'OPTIMIZE')) return optimize(new Cursor(tokens, 1, 'optimize'));
  if (isWord(tokens[0], 'VACUUM')) return vacuum(new Cursor(tokens, 1, 'vacuum'), opts);
  if (isWord(tokens[0], 'DESCRIBE', 'DESC') && isWord(tokens[1], 'HISTORY') && tokens.length > 2) return history(new Cursor(tokens, 2, 'history'));
  return undefined;
}

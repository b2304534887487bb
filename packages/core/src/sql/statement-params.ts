/**
 * Bound parameters (shared decision 2; docs/design/sql-engine.md, "Bound parameters").
 *
 * A statement's placeholders are positional: `$1 … $n` or `?` (numbered left to right), never
 * mixed, never named. `numberPlaceholders` rewrites every `?` to its `$k` ONCE, on the request's
 * text, so every statement the engine derives from the user's text (the write-scope probe, the
 * keyed write's WHERE load, the routing AST) keeps the numbering of the original. DuckDB's C API
 * cannot bind a statement whose placeholders have gaps (`$2` alone), so `prepareBound` renumbers
 * a derived statement's placeholders to `$1 … $m` and binds exactly the values it references.
 *
 * Values are domain values — null, boolean, number, bigint, string, Date, Uint8Array — bound
 * with an explicit DuckDB type; DuckDB casts them to the type its binder inferred for the
 * placeholder (a string bound where a TIMESTAMP is expected is parsed as one). They are never
 * written into SQL text by k3.
 */
import { BIGINT, BOOLEAN, DOUBLE, HUGEINT, TIMESTAMP, VARCHAR, DuckDBTimestampValue, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError } from '../exec/index.ts';
import { isPunct, tokenize, type Token } from './sql-tokens.ts';

/** A value bound to one placeholder. */
export type SqlParam = null | boolean | number | bigint | string | Date | Uint8Array;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Validates caller-supplied values (`unknown[]` from a wire adapter) as SqlParams. */
export function toSqlParams(values: readonly unknown[] | undefined): SqlParam[] {
  if (values === undefined) return [];
  return values.map((v, i) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean' || typeof v === 'string' || typeof v === 'bigint') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new AppError('ERR_BAD_REQUEST', `Parameter $${i + 1} is ${v}; parameter values must be finite numbers (send NaN / Infinity as the strings 'nan' / 'inf').`, { parameter: i + 1 });
      return v;
    }
    if (v instanceof Date) {
      if (Number.isNaN(v.getTime())) throw new AppError('ERR_BAD_REQUEST', `Parameter $${i + 1} is an invalid date.`, { parameter: i + 1 });
      return v;
    }
    if (v instanceof Uint8Array) return v;
    throw new AppError('ERR_BAD_REQUEST', `Parameter $${i + 1} is ${Array.isArray(v) ? 'a list' : `of type ${typeof v}`}; parameter values are scalars (null, boolean, number, bigint, string, date, bytes). Send JSON as its text.`, { parameter: i + 1 });
  });
}

/** The placeholder numbers in token order (after `?` → `$k` numbering). */
function placeholderNumbers(tokens: readonly Token[]): number[] {
  return tokens.filter((t) => t.kind === 'param' && t.text !== '?').map((t) => Number(t.text.slice(1)));
}

/**
 * The text with every `?` rewritten to `$k`, checked against the values: placeholders are
 * `$1 … $n` without gaps and `n` equals the number of values (`count`; undefined: any n, for
 * describeStatement). Unchanged text when it holds no placeholder and no values are given.
 */
export function numberPlaceholders(sql: string, count: number | undefined, tokens0?: readonly Token[]): { sql: string; placeholders: number } {
  const tokens = tokens0 ?? tokenize(sql);
  for (const [i, t] of tokens.entries()) {
    const next = tokens[i + 1];
    if (isPunct(t, '$') && next !== undefined && next.start === t.end && next.kind === 'word') {
      throw new AppError('ERR_BAD_REQUEST', `Named placeholders ($${next.text}) are not supported; use positional ones ($1, $2, … or ?) with a params list.`);
    }
  }
  const params = tokens.filter((t) => t.kind === 'param');
  const questions = params.filter((t) => t.text === '?');
  if (questions.length > 0 && questions.length < params.length) {
    throw new AppError('ERR_BAD_REQUEST', 'The statement mixes ? and $n placeholders; use one style.');
  }
  let text = sql;
  if (questions.length > 0) {
    let out = '';
    let at = 0;
    questions.forEach((t, k) => {
      out += `${sql.slice(at, t.start)}$${k + 1}`;
      at = t.end;
    });
    text = out + sql.slice(at);
  }
  const numbers = questions.length > 0 ? questions.map((_, k) => k + 1) : placeholderNumbers(params);
  const max = numbers.length === 0 ? 0 : Math.max(...numbers);
  const used = new Set(numbers);
  for (let k = 1; k <= max; k++) {
    if (!used.has(k)) throw new AppError('ERR_BAD_REQUEST', `Placeholder $${k} is never used but $${max} is; number placeholders $1 … $n without gaps.`);
  }
  if (count !== undefined && max !== count) {
    throw new AppError('ERR_BAD_REQUEST', max === 0
      ? `${count} parameter value(s) were given, but the statement has no placeholders ($1, ?); drop params or add placeholders.`
      : `The statement has ${max} placeholder(s) but ${count} parameter value(s) were given; send one value per placeholder.`, { placeholders: max, values: count });
  }
  return { sql: text, placeholders: max };
}

/**
 * Prepares `sql` (whose placeholders are numbered against `params`) with its placeholders
 * renumbered gap-free, and binds the values it references. `prepare` is the caller's prepare
 * (RequestTables binds bucket tables on demand).
 */
export async function prepareBound(sql: string, params: readonly SqlParam[], prepare: (sql: string) => Promise<DuckDBPreparedStatement>): Promise<DuckDBPreparedStatement> {
  if (params.length === 0) return prepare(sql);
  const tokens = tokenize(sql).filter((t) => t.kind === 'param' && t.text !== '?');
  if (tokens.length === 0) return prepare(sql);
  const order: number[] = [];
  const index = new Map<number, number>();
  let out = '';
  let at = 0;
  for (const t of tokens) {
    const k = Number(t.text.slice(1));
    let local = index.get(k);
    if (local === undefined) {
      order.push(k);
      local = order.length;
      index.set(k, local);
    }
    out += `${sql.slice(at, t.start)}$${local}`;
    at = t.end;
  }
  out += sql.slice(at);
  const prepared = await prepare(out);
  try {
    order.forEach((k, i) => {
      if (k > params.length) throw new AppError('ERR_BAD_REQUEST', `Placeholder $${k} has no value (${params.length} given).`);
      bindParam(prepared, i + 1, params[k - 1]!);
    });
  } catch (err) {
    prepared.destroySync();
    throw err instanceof AppError ? err : mapDuckDBError(err);
  }
  return prepared;
}

/** Binds the values of a statement whose placeholders are exactly `$1 … $n` (an extracted statement). */
export function bindAll(prepared: DuckDBPreparedStatement, params: readonly SqlParam[]): void {
  for (let i = 1; i <= Math.min(prepared.parameterCount, params.length); i++) bindParam(prepared, i, params[i - 1]!);
}

/** One value with an explicit type; DuckDB casts it to the placeholder's inferred type. */
export function bindParam(prepared: DuckDBPreparedStatement, index: number, value: SqlParam): void {
  try {
    if (value === null) prepared.bindNull(index);
    else if (typeof value === 'boolean') prepared.bindValue(index, value, BOOLEAN);
    else if (typeof value === 'string') prepared.bindValue(index, value, VARCHAR);
    else if (typeof value === 'bigint') prepared.bindValue(index, value, value >= INT64_MIN && value <= INT64_MAX ? BIGINT : HUGEINT);
    else if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) prepared.bindValue(index, BigInt(value), BIGINT);
      else prepared.bindValue(index, value, DOUBLE);
    } else if (value instanceof Date) prepared.bindValue(index, new DuckDBTimestampValue(BigInt(value.getTime()) * 1000n), TIMESTAMP);
    else prepared.bindBlob(index, value);
  } catch (err) {
    throw new AppError('ERR_TYPE_MISMATCH', `Parameter value ${describe(value)} cannot be bound: ${err instanceof Error ? err.message.replace(/^Failed to bind value: /, '') : String(err)}`);
  }
}

function describe(value: SqlParam): string {
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** The refusal for statements that take no values (DDL, maintenance, SHOW). */
export function parametersUnsupported(what: string): AppError {
  return new AppError('ERR_BAD_REQUEST', `${what} takes no parameter values; params are for SELECT, INSERT, UPDATE, DELETE and MERGE.`);
}

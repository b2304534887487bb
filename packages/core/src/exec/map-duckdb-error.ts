/**
 * The one mapper from DuckDB's errors to k3's error registry. DuckDB reports errors as plain
 * `Error`s whose message starts with the exception type ("Binder Error: …"); that prefix picks
 * the code, and DuckDB's own text (which is precise: it names the column, the value, the
 * position) is kept verbatim, followed by what to do.
 *
 * AppErrors pass through unchanged; anything that is not recognisably a DuckDB error becomes
 * ERR_INTERNAL with the original as `cause` (the HTTP layer logs its stack).
 */
import { AppError, isAppError, type ErrorCode } from '../errors/index.ts';

interface Rule {
  readonly test: RegExp;
  readonly code: ErrorCode;
  readonly hint: string;
}

/** Why `rowid` is refused and what to use (also sql/rowid-guard.ts, for writes). */
export const ROWID_ADVICE = 'k3 tables are Delta tables and have no rowid pseudo-column (a DuckDB storage position). Identify rows by the primary key, or number them with row_number() OVER (ORDER BY …).';

// Order matters: constraint kinds before the generic "Constraint Error".
const RULES: readonly Rule[] = [
  { test: /^Parser Error:/, code: 'ERR_SQL_PARSE', hint: 'Fix the SQL syntax (k3 speaks the DuckDB dialect).' },
  {
    // Bucket tables are bound as views of their Delta snapshot: DuckDB's rowid pseudo-column
    // (a storage position) has no Delta counterpart.
    test: /^Binder Error: (Referenced column "rowid" not found|.* does not have a column named "rowid")/,
    code: 'ERR_SQL_UNSUPPORTED',
    hint: ROWID_ADVICE,
  },
  { test: /^(Binder|Catalog) Error:/, code: 'ERR_SQL_BIND', hint: 'Check table, column and function names and the argument types.' },
  { test: /^Constraint Error:.*NOT NULL constraint/s, code: 'ERR_CONSTRAINT_NOT_NULL', hint: 'Provide a value for every NOT NULL column.' },
  { test: /^Constraint Error:.*(Duplicate key|PRIMARY KEY or UNIQUE constraint)/s, code: 'ERR_CONSTRAINT_PRIMARY_KEY', hint: 'Use a different key, or MERGE / INSERT OR REPLACE to update the existing row.' },
  {
    // A scalar subquery with several rows is an execution error of the statement, not a value
    // that does not fit its type (the generic Invalid Input rule below).
    test: /^Invalid Input Error: More than one row returned by a subquery/,
    code: 'ERR_SQL_EXECUTION',
    hint: 'A scalar subquery returned more than one row; make it return one (an aggregate, LIMIT 1 or a tighter WHERE), or compare with IN / ANY instead.',
  },
  {
    // Writing a TIMESTAMP into a Delta `timestamp` column of an older k3 table (a UTC instant)
    // goes through TIMESTAMPTZ, whose range ends a fraction of a second before TIMESTAMP's maximum.
    test: /^Conversion Error: (ICU date overflows timestamp range|Unable to convert TIMESTAMPTZ to local TIMESTAMP)/,
    code: 'ERR_TYPE_MISMATCH',
    hint: 'The timestamp is at the very end of DuckDB\'s range (294247-01-10 04:00:54.775806), past the last UTC instant a Delta timestamp holds; use a smaller value, or \'infinity\'.',
  },
  { test: /^(Conversion|Invalid Input|Mismatch Type) Error:/, code: 'ERR_TYPE_MISMATCH', hint: 'Pass a value of the column type or add an explicit CAST.' },
  {
    // CREATE TABLE … PRIMARY KEY (<an INTERVAL, nested, … column>): DuckDB cannot index the type.
    test: /^Invalid type Error:.*Invalid type for index key/s,
    code: 'ERR_SQL_UNSUPPORTED',
    hint: 'DuckDB cannot use a column of this type in a PRIMARY KEY; key the table by columns of another type (an integer, text, a date or timestamp, a UUID, a DECIMAL).',
  },
  { test: /^Not implemented Error:/, code: 'ERR_SQL_UNSUPPORTED', hint: 'DuckDB does not implement this; rewrite the statement.' },
  { test: /^Permission Error:/, code: 'ERR_SQL_UNSUPPORTED', hint: 'k3 statements may only read tables; files, extensions and settings are off limits.' },
  { test: /^INTERRUPT Error:/i, code: 'ERR_QUERY_CANCELLED', hint: 'The query was interrupted; send it again if it is still needed.' },
  { test: /^Out of Range Error:/, code: 'ERR_SQL_EXECUTION', hint: 'A value exceeded its type range; cast to a wider type (BIGINT, DOUBLE, DECIMAL).' },
  { test: /^Out of Memory Error:/, code: 'ERR_SQL_EXECUTION', hint: 'The query needs more memory than allowed; add filters, aggregate earlier or LIMIT the result.' },
  {
    test: /^(Constraint|Invalid|Invalid type|Dependency|Transaction|Sequence|Serialization|Expression|Overflow|Division|Math|Arithmetic|Type|Invalid Configuration|Parameter Not (Allowed|Resolved)|Interval) Error:|^[A-Za-z ]*division by zero/i,
    code: 'ERR_SQL_EXECUTION',
    hint: 'The statement failed while executing; fix the expression or the data it reads.',
  },
];

function messageOf(err: unknown): string | undefined {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return undefined;
}

/** The AppError for a thrown DuckDB error (or a pass-through AppError). */
export function mapDuckDBError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const message = messageOf(err);
  if (message !== undefined) {
    for (const rule of RULES) {
      if (rule.test.test(message)) {
        return new AppError(rule.code, `${message.trimEnd()}\n${rule.hint}`, { engine: 'duckdb' }, { cause: err });
      }
    }
  }
  return new AppError('ERR_INTERNAL', `Unexpected DuckDB failure: ${message ?? String(err)}`, undefined, { cause: err });
}

/**
 * Statement classification and refusals. The pre-pass names the shapes k3 handles itself; for
 * everything else DuckDB's prepared `statementType` is the truth. Reads run; transactions and
 * anything that would touch DuckDB's own state (files, settings, extensions, catalog objects) are
 * refused with a reason and what to do instead.
 */
import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError } from '../exec/index.ts';
import { prePass, type PrePassed } from './pre-pass.ts';
import { identifierOf, isPunct, isWord, tokenize, type Token } from './sql-tokens.ts';

export const READ_TYPES: ReadonlySet<StatementType> = new Set([StatementType.SELECT, StatementType.EXPLAIN]);

export const TRANSACTION_REFUSAL =
  'BEGIN / COMMIT / ROLLBACK are not supported: k3 has no transaction coordinator. Each Execute call is atomic against Delta on its own; ' +
  'send statements one at a time and make them idempotent, or use Postgres for multi-statement ACID transactions.';

export const MULTI_STATEMENT_REFUSAL = 'One SQL statement per Execute call — send them one at a time.';

/**
 * Splits the request text into its one statement (pre-passed), refusing empty and multi-statement
 * bodies. `tokens0`: the text's tokens when the caller already has them (no second token pass).
 */
export function singleStatement(sql: string, tokens0?: readonly Token[]): PrePassed {
  const tokens = tokens0 ?? tokenize(sql);
  const statements: Array<{ start: number; end: number }> = [];
  let start: number | undefined;
  let end = 0;
  for (const t of tokens) {
    if (t.depth === 0 && isPunct(t, ';')) {
      if (start !== undefined) statements.push({ start, end });
      start = undefined;
      continue;
    }
    start ??= t.start;
    end = t.end;
  }
  if (start !== undefined) statements.push({ start, end });
  if (statements.length === 0) throw new AppError('ERR_BAD_REQUEST', 'The SQL text is empty; send exactly one SQL statement.');
  if (statements.length > 1) {
    throw new AppError('ERR_SQL_MULTI_STATEMENT', `${MULTI_STATEMENT_REFUSAL} (found ${statements.length} statements)`, { statements: statements.length });
  }
  const only = statements[0]!;
  // The statement's own tokens, shifted to offsets into its text: no second token pass.
  const own = tokens.filter((t) => t.start >= only.start && t.end <= only.end);
  const statement = prePass(sql.slice(only.start, only.end), only.start === 0 ? own : own.map((t) => ({ ...t, start: t.start - only.start, end: t.end - only.start })));
  assertNoFileAccess(statement.tokens);
  return statement;
}

/** DuckDB's parse of the statement: how many statements DuckDB makes of it, or ERR_SQL_PARSE with DuckDB's message. */
export async function countStatements(conn: DuckDBConnection, sql: string): Promise<number> {
  let count: number;
  try {
    count = (await conn.extractStatements(sql)).count;
  } catch (err) {
    const message = err instanceof Error ? err.message.replace(/^Failed to extract statements: /, '') : String(err);
    throw mapDuckDBError(new Error(message));
  }
  if (count === 0) throw new AppError('ERR_BAD_REQUEST', 'The SQL text holds no statement; send exactly one SQL statement.');
  return count;
}

/** Like countStatements, but the statement must stay one statement. */
export async function assertParses(conn: DuckDBConnection, sql: string): Promise<void> {
  const count = await countStatements(conn, sql);
  if (count > 1) throw expansionRefusal(count);
}

export function expansionRefusal(count: number): AppError {
  return new AppError('ERR_SQL_UNSUPPORTED', `DuckDB expands this statement into ${count} statements. ${MULTI_STATEMENT_REFUSAL}`);
}

/** Without parameter values (`params`), `$1`, `?` or `$name` can never be bound. */
export function assertParametersGiven(prepared: DuckDBPreparedStatement, params: readonly unknown[]): void {
  if (params.length === 0 && prepared.parameterCount > 0) {
    throw new AppError('ERR_BAD_REQUEST', `The statement has ${prepared.parameterCount} parameter placeholder(s) ($1, ?, $name), but no parameter values were given; send them as params (one per placeholder) or write the values into the SQL as literals.`);
  }
}

/** Refuses every prepared statement type that is not a read. */
export function assertReadable(type: StatementType): void {
  if (READ_TYPES.has(type)) return;
  if (type === StatementType.TRANSACTION) throw new AppError('ERR_SQL_TRANSACTION_UNSUPPORTED', TRANSACTION_REFUSAL);
  throw refusal(type);
}

function refusal(type: StatementType): AppError {
  const name = StatementType[type] ?? String(type);
  const why: Partial<Record<StatementType, string>> = {
    [StatementType.ATTACH]: 'k3 serves the tables of this bucket only; other databases cannot be attached.',
    [StatementType.DETACH]: 'k3 serves the tables of this bucket only.',
    [StatementType.COPY]: 'COPY reads or writes server files; load rows with INSERT … VALUES / INSERT … SELECT and read them with SELECT.',
    [StatementType.COPY_DATABASE]: 'COPY reads or writes server files.',
    [StatementType.EXPORT]: 'EXPORT writes server files; read the tables with SELECT (they are Delta tables other engines can read directly).',
    [StatementType.LOAD]: 'Extensions are fixed by the server.',
    [StatementType.UPDATE_EXTENSIONS]: 'Extensions are fixed by the server.',
    [StatementType.SET]: 'Settings belong to the server.',
    [StatementType.VARIABLE_SET]: 'Settings and variables do not persist between Execute calls.',
    [StatementType.PRAGMA]: 'Pragmas change server settings; table-valued pragmas work as SELECT * FROM pragma_…().',
    [StatementType.VACUUM]: "DuckDB's VACUUM forms do not apply to Delta tables; use VACUUM t [RETAIN n HOURS] [DRY RUN] or OPTIMIZE t [ZORDER BY (…)].",
    [StatementType.ANALYZE]: 'Delta tables keep their statistics per file; use OPTIMIZE t to rewrite small files.',
    [StatementType.CALL]: 'Use SELECT * FROM function(…) instead.',
    [StatementType.PREPARE]: 'Prepared statements do not persist between Execute calls; send the statement itself.',
    [StatementType.EXECUTE]: 'Prepared statements do not persist between Execute calls; send the statement itself.',
    [StatementType.CREATE]: 'k3 creates tables only (CREATE TABLE).',
    [StatementType.CREATE_FUNC]: 'k3 creates tables only (CREATE TABLE).',
    [StatementType.DROP]: 'k3 drops tables only (DROP TABLE).',
    [StatementType.ALTER]: 'k3 alters tables only (ALTER TABLE … ADD COLUMN).',
  };
  return new AppError('ERR_SQL_UNSUPPORTED', `${name} statements are not supported. ${why[type] ?? 'k3 runs SELECT, INSERT, UPDATE, DELETE, MERGE and table DDL against the bucket\'s tables.'}`, { statementType: name });
}

/**
 * Table functions that read files. The DuckDB sandbox already confines file access to the data and
 * cache directories, but those hold every bucket's files: a statement must read its own bucket's
 * tables by name only, never files by path.
 */
const FILE_FUNCTIONS = new Set([
  'read_parquet', 'parquet_scan', 'parquet_metadata', 'parquet_schema', 'parquet_file_metadata', 'parquet_kv_metadata',
  'parquet_bloom_probe', 'read_csv', 'read_csv_auto', 'sniff_csv', 'read_json', 'read_json_auto', 'read_json_objects',
  'read_json_objects_auto', 'read_ndjson', 'read_ndjson_auto', 'read_ndjson_objects', 'read_text', 'read_blob', 'glob',
  'read_xlsx', 'delta_scan', 'iceberg_scan', 'iceberg_metadata', 'read_duckdb', 'read_avro',
  // Run SQL text the token check cannot see (it could read files).
  'query', 'query_table', 'json_execute_serialized_sql',
]);

const LOOKS_LIKE_PATH = /[/\\*]|\.(parquet|csv|tsv|json|jsonl|ndjson|txt|gz|zst|xlsx|avro|db|duckdb|arrow)\b/i;

/** Refuses file-reading table functions and `FROM 'path'` replacement scans in user SQL. */
export function assertNoFileAccess(tokens: readonly Token[]): void {
  for (const [i, t] of tokens.entries()) {
    if ((t.kind === 'word' || t.kind === 'quoted') && isPunct(tokens[i + 1], '(') && FILE_FUNCTIONS.has(identifierOf(t).toLowerCase())) {
      throw new AppError('ERR_SQL_UNSUPPORTED', `${identifierOf(t)}() reads files or runs SQL text; k3 statements read the bucket's tables by name only (SELECT … FROM <table>).`, { function: identifierOf(t) });
    }
    // `FROM 'x.parquet'`; a path-looking string only, so EXTRACT(… FROM '2024-01-01') stays legal.
    if (t.kind === 'string' && isWord(tokens[i - 1], 'FROM', 'JOIN') && LOOKS_LIKE_PATH.test(t.text)) {
      throw new AppError('ERR_SQL_UNSUPPORTED', `FROM ${t.text} reads a file; k3 statements read the bucket's tables by name only (SELECT … FROM <table>).`);
    }
  }
}

/** CREATE <something other than TABLE> / DROP <something other than TABLE>. */
export function objectRefusal(verb: 'CREATE' | 'DROP', objectType: string): AppError {
  return new AppError(
    'ERR_SQL_UNSUPPORTED',
    `${verb} ${objectType.trim() || 'this object'} is not supported: k3 ${verb === 'CREATE' ? 'creates' : 'drops'} tables only. Views, macros, sequences, types, schemas, indexes and secrets would live in the server's DuckDB, not in the bucket; use a CTE (WITH …) for reusable queries.`,
    { objectType },
  );
}

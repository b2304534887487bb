/**
 * Statement classification and refusals. The pre-pass names the shapes k3 handles itself; for
 * everything else DuckDB's prepared `statementType` is the truth. Reads run; transactions and
 * anything that would touch DuckDB's own state (files, settings, extensions, catalog objects) are
 * refused with a reason and what to do instead.
 */
import { StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../errors/index.ts';
import { mapDuckDBError } from '../exec/index.ts';
import { prePass, type PrePassed } from './pre-pass.ts';
import { isPunct, tokenize } from './sql-tokens.ts';

export const READ_TYPES: ReadonlySet<StatementType> = new Set([StatementType.SELECT, StatementType.EXPLAIN]);

export const TRANSACTION_REFUSAL =
  'BEGIN / COMMIT / ROLLBACK are not supported: k3 has no transaction coordinator. Each Execute call is atomic against Delta on its own; ' +
  'send statements one at a time and make them idempotent, or use Postgres for multi-statement ACID transactions.';

export const MULTI_STATEMENT_REFUSAL = 'One SQL statement per Execute call — send them one at a time.';

/** Splits the request text into its one statement (pre-passed), refusing empty and multi-statement bodies. */
export function singleStatement(sql: string): PrePassed {
  const tokens = tokenize(sql);
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
  return prePass(sql.slice(only.start, only.end));
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
    [StatementType.VACUUM]: 'Table maintenance (OPTIMIZE / VACUUM) is not an Execute statement.',
    [StatementType.ANALYZE]: 'Table maintenance is not an Execute statement.',
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

/** CREATE <something other than TABLE> / DROP <something other than TABLE>. */
export function objectRefusal(verb: 'CREATE' | 'DROP', objectType: string): AppError {
  return new AppError(
    'ERR_SQL_UNSUPPORTED',
    `${verb} ${objectType.trim() || 'this object'} is not supported: k3 ${verb === 'CREATE' ? 'creates' : 'drops'} tables only. Views, macros, sequences, types, schemas, indexes and secrets would live in the server's DuckDB, not in the bucket; use a CTE (WITH …) for reusable queries.`,
    { objectType },
  );
}

/**
 * The optional transform of an ingest rule: ONE `SELECT … FROM source` statement, run by DuckDB
 * over the object's rows (the TEMP table `source`). It runs on k3's internal connection, where
 * the object was read from a local temp file, so it gets the same guard as user SQL: no
 * file-reading table functions, no `FROM 'path'` replacement scans, no SQL-text runners — the
 * object's rows are the only input. Checked when the rule is saved and again before each run.
 */
import { assertNoFileAccess } from '../sql/classify-statement.ts';
import { tokenize, isWord } from '../sql/sql-tokens.ts';
import { AppError } from '../errors/index.ts';

export function assertValidTransform(transform: string): void {
  if (transform === '') return;
  const tokens = tokenize(transform);
  const first = tokens[0];
  if (!isWord(first, 'SELECT', 'WITH', 'FROM')) {
    throw new AppError('ERR_BAD_REQUEST', 'An ingest transform is one query over the object\'s rows: SELECT … FROM source (a WITH … SELECT is fine).', {});
  }
  if (tokens.some((t) => t.kind === 'punct' && t.text === ';' && t !== tokens[tokens.length - 1])) {
    throw new AppError('ERR_BAD_REQUEST', 'An ingest transform is one statement; remove the ";" and everything after it.', {});
  }
  assertNoFileAccess(tokens);
}

/**
 * rowid on a write's target table (issue 15 item 6: refused precisely).
 *
 * Reads bind bucket tables as views of their Delta snapshot, so DuckDB itself refuses `rowid`
 * (map-duckdb-error.ts). A write runs over a loaded temp copy of its target, which does have
 * DuckDB rowids — load positions, not a property of the table — so `DELETE … WHERE rowid = 0`
 * would silently act on whatever row was loaded first. This guard refuses a write whose tokens
 * reference `rowid` (not as an alias after AS) unless the target has a real column of that name.
 */
import type { StructType } from '../delta/schema.ts';
import { AppError } from '../errors/index.ts';
import { ROWID_ADVICE } from '../exec/map-duckdb-error.ts';
import { identifierOf, isWord, type Token } from './sql-tokens.ts';

export function assertNoRowidReference(tokens: readonly Token[], target: string, schema: StructType): void {
  if (schema.fields.some((f) => f.name.toLowerCase() === 'rowid')) return;
  const hit = tokens.some((t, i) => (t.kind === 'word' || t.kind === 'quoted') && identifierOf(t).toLowerCase() === 'rowid' && !isWord(tokens[i - 1], 'AS'));
  if (hit) {
    throw new AppError('ERR_SQL_UNSUPPORTED', `The statement references rowid, which table ${target} does not have: ${ROWID_ADVICE}`, { table: target, column: 'rowid' });
  }
}

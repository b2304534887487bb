/**
 * The text a one-node read of one table runs: the statement with its long integer IN lists as one
 * typed list each (plan/in-list-subquery.ts), decided from the request's own AST and the pinned
 * table's schema; undefined when nothing changes (time travel, several tables, no such list).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { compactIntegerInLists, plainFieldTypes } from '../plan/in-list-subquery.ts';
import type { AnalysedStatement } from './analysed-statement.ts';
import { soleBaseTable } from './federated-read.ts';
import type { RequestTables } from './request-tables.ts';
import { isWord } from './sql-tokens.ts';

export async function compactedReadSql(a: { readonly conn: DuckDBConnection; readonly tables: RequestTables }, analysed: AnalysedStatement): Promise<string | undefined> {
  const statement = analysed.statement;
  if (statement === undefined || analysed.timeTravel || !isWord(statement.tokens[0], 'SELECT', 'FROM')) return undefined;
  const ast = await analysed.selectAst(a.conn);
  const name = ast === undefined ? undefined : soleBaseTable(ast);
  if (ast === undefined || name === undefined) return undefined;
  const pinned = await a.tables.tryPin(name);
  if (pinned === undefined) return undefined;
  return compactIntegerInLists(statement.sql, ast[0]!, plainFieldTypes(pinned.snapshot.schema.fields));
}

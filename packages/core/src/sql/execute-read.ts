/**
 * executeRead: a read-only statement (SELECT, EXPLAIN, DESCRIBE, SUMMARIZE, table functions …)
 * over views of the pinned snapshots, encoded losslessly by the exec encoder. Strategy today is
 * always a single Delta scan in this process (UNARY_WAREHOUSE / WAREHOUSE).
 */
import { StatementType, type DuckDBConnection, type DuckDBExtractedStatements, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { QueryStrategy, type ExecuteQueryResult } from '../api/index.ts';
import { encodeBounded, mapDuckDBError, type EncodedResult, type ResultLimits } from '../exec/index.ts';
import { assertParametersGiven, assertReadable, expansionRefusal } from './classify-statement.ts';
import type { RequestTables } from './request-tables.ts';
import { identifierOf, tokenize } from './sql-tokens.ts';
import { toQueryResult } from './query-result.ts';

export interface ReadTimings {
  readonly startedAt: number;
  readonly now: () => number;
}

export interface ReadOptions {
  /** How many statements DuckDB makes of the text (PIVOT without an IN list adds a TEMP enum type first). */
  readonly statements?: number;
  /** `definition`: bind tables as empty tables with their constraints (DESCRIBE needs no rows). */
  readonly as?: 'data' | 'definition';
  /** Largest result returned (ERR_RESULT_TOO_LARGE past it, detected while reading). */
  readonly limits?: ResultLimits;
}

export async function executeRead(conn: DuckDBConnection, tables: RequestTables, sql: string, t: ReadTimings, opts: ReadOptions = {}): Promise<ExecuteQueryResult> {
  const as = opts.as ?? 'data';
  const count = opts.statements ?? 1;
  let prepared: DuckDBPreparedStatement;
  if (count > 1) {
    await tables.bindMentioned(conn, tokenize(sql).filter((tok) => tok.kind === 'word' || tok.kind === 'quoted').map(identifierOf), as);
    let extracted: DuckDBExtractedStatements;
    try {
      extracted = await conn.extractStatements(sql);
    } catch (err) {
      throw mapDuckDBError(err);
    }
    for (let i = 0; i < count - 1; i++) {
      // Only DuckDB's own expansion of PIVOT gets here: TEMP enum types private to this connection.
      const step = await tables.prepare(conn, () => extracted.prepare(i), as);
      try {
        if (step.statementType !== StatementType.CREATE) throw expansionRefusal(count);
        await step.run();
      } catch (err) {
        throw mapDuckDBError(err);
      } finally {
        step.destroySync();
      }
    }
    prepared = await tables.prepare(conn, () => extracted.prepare(count - 1), as);
  } else {
    prepared = await tables.prepare(conn, sql, as);
  }
  const planned = t.now();
  let encoded: EncodedResult;
  try {
    assertReadable(prepared.statementType);
    assertParametersGiven(prepared, tables.params);
    encoded = await encodeBounded(await prepared.stream(), opts.limits);
  } catch (err) {
    throw mapDuckDBError(err);
  } finally {
    prepared.destroySync();
  }
  return queryResult(encoded, tables, t, planned);
}

export function queryResult(encoded: EncodedResult, tables: RequestTables, t: ReadTimings, planned: number): ExecuteQueryResult {
  const done = t.now();
  let files = 0;
  let bytes = 0;
  let rows = 0;
  let partitions = 0;
  for (const s of tables.scanned.values()) {
    files += s.files;
    bytes += s.bytes;
    rows += s.rows;
    partitions += s.partitions;
  }
  return toQueryResult(encoded, {
    strategy: QueryStrategy.UNARY_WAREHOUSE,
    versions: tables.versions(),
    partitionsScanned: partitions,
    filesScanned: files,
    rowsScanned: rows,
    bytesScanned: bytes,
    timings: { planMs: planned - t.startedAt, queueMs: 0, scanMs: done - planned, mergeMs: 0, totalMs: done - t.startedAt },
  });
}

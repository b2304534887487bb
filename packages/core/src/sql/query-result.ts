/**
 * toQueryResult: the one place an encoded DuckDB result becomes the Execute `query` wire object
 * (domain values: counts and versions as numbers; the adapters encode them). Callers state what
 * they know about the scan; `version` is derived: the version read when exactly one table was
 * read, else absent.
 */
import { ServedBy, type ExecuteQueryResult, type QueryStrategy, type QueryTimings, type ResultColumn } from '../api/index.ts';
import { columnTypeOfDuckDB } from '../catalog/index.ts';
import type { EncodedColumn, EncodedResult } from '../exec/index.ts';

/** Result columns on the wire: the DuckDB type text (`type` and `duckdbType`) and the API enum. */
export function toResultColumns(columns: readonly EncodedColumn[]): ResultColumn[] {
  return columns.map((c) => ({ name: c.name, type: c.type, duckdbType: c.type, columnType: columnTypeOfDuckDB(c.type) }));
}

export interface QueryFacts {
  readonly strategy: QueryStrategy;
  readonly servedBy?: ServedBy;
  readonly strategyReason?: string;
  /** Version read per table name. */
  readonly versions: Record<string, number>;
  readonly partitionsScanned?: number;
  readonly partitionsPruned?: number;
  readonly filesScanned?: number;
  readonly rowsScanned?: number;
  readonly bytesScanned?: number;
  readonly timings: QueryTimings;
}

export function toQueryResult(encoded: EncodedResult, facts: QueryFacts): ExecuteQueryResult {
  const names = Object.keys(facts.versions);
  const version = names.length === 1 ? facts.versions[names[0]!] : undefined;
  return {
    columns: toResultColumns(encoded.columns),
    rows: encoded.rows as unknown[][],
    rowCount: encoded.rows.length,
    strategy: facts.strategy,
    servedBy: facts.servedBy ?? ServedBy.WAREHOUSE,
    strategyReason: facts.strategyReason ?? '',
    versions: facts.versions,
    ...(version !== undefined ? { version } : {}),
    partitionsScanned: facts.partitionsScanned ?? 0,
    partitionsPruned: facts.partitionsPruned ?? 0,
    filesScanned: facts.filesScanned ?? 0,
    rowsScanned: facts.rowsScanned ?? 0,
    bytesScanned: facts.bytesScanned ?? 0,
    timings: facts.timings,
  };
}

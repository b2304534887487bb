/**
 * History as a SQL relation, for `DESCRIBE HISTORY t` and a history table function: the SELECT a
 * HistoryResponse page stands for, with Delta's DESCRIBE HISTORY columns in snake_case —
 * version BIGINT, timestamp TIMESTAMPTZ, operation, operation_parameters / operation_metrics /
 * user_metadata JSON, engine_info, read_version BIGINT. Every value is a quoted literal (no user
 * text is ever spliced raw). Pure: builds text only.
 */
import { quoteLiteral } from '../exec/sql-quote.ts';
import type { HistoryEntry } from './history.ts';

export const HISTORY_COLUMNS = ['version', 'timestamp', 'operation', 'operation_parameters', 'operation_metrics', 'user_metadata', 'engine_info', 'read_version'] as const;

const NULL_ROW = 'NULL::BIGINT, NULL::TIMESTAMPTZ, NULL::VARCHAR, NULL::JSON, NULL::JSON, NULL::JSON, NULL::VARCHAR, NULL::BIGINT';

function row(e: HistoryEntry): string {
  const json = (v: unknown): string => (v === undefined ? 'NULL::JSON' : `${quoteLiteral(JSON.stringify(v))}::JSON`);
  return `(${[
    `${BigInt(e.version).toString()}::BIGINT`,
    `make_timestamptz(${BigInt(e.timestamp).toString()}::BIGINT * 1000)`,
    `${quoteLiteral(e.operation)}::VARCHAR`,
    json(e.parameters),
    json(e.operationMetrics),
    json(e.userMetadata),
    e.engineInfo === undefined ? 'NULL::VARCHAR' : `${quoteLiteral(e.engineInfo)}::VARCHAR`,
    `${BigInt(e.readVersion).toString()}::BIGINT`,
  ].join(', ')})`;
}

/** `SELECT … FROM (VALUES …)` of the entries, newest first; no entries → the same columns, no rows. */
export function historyRelationSql(entries: readonly HistoryEntry[]): string {
  const columns = HISTORY_COLUMNS.join(', ');
  if (entries.length === 0) return `SELECT * FROM (SELECT ${NULL_ROW}) AS h(${columns}) WHERE false`;
  return `SELECT * FROM (VALUES ${entries.map(row).join(', ')}) AS h(${columns}) ORDER BY version DESC`;
}

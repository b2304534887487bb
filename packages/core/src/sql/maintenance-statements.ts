/**
 * The SQL forms of table maintenance on Execute (docs/api.md, "Time travel and maintenance"):
 *
 *   RESTORE [TABLE] t [TO] VERSION n | TIMESTAMP '…'   → ddl   {action RESTORE_TABLE, version = versionAfter, versionBefore, versionAfter, table}
 *   OPTIMIZE t [WHERE part = 'x'] [ZORDER BY (a, b)]   → query, one row of the Optimize response fields (snake_case)
 *   VACUUM t [RETAIN n HOURS] [DRY RUN]                → query, one row: version, files_deleted, files_deleted_paths, dry_run
 *   DESCRIBE HISTORY t [LIMIT n]                       → query, DESCRIBE HISTORY's columns, newest first
 *
 * The Execute oneof stays query / write / ddl: RESTORE changes what the table is (like DDL, and it
 * may change the schema back), the others answer with rows. Rows go through DuckDB and the same
 * encoder as every query, so types and encodings are the usual ones. VACUUM's retention check is
 * always on in SQL (there is no way to spell disableRetentionCheck): use the HTTP route for that.
 */
import { QueryStrategy, type ExecuteQueryResult, type ExecuteResponse } from '../api/index.ts';
import { encodeResult, mapDuckDBError, quoteLiteral, withConnection, type K3DuckDB } from '../exec/index.ts';
import { historyRelationSql } from '../maintenance/history-sql.ts';
import { parseMaintenanceSql, type MaintenanceCommand } from '../maintenance/maintenance-sql.ts';
import type { OptimizeResponse } from '../maintenance/optimize.ts';
import type { VacuumResponse } from '../maintenance/vacuum.ts';
import { singleStatement } from './classify-statement.ts';
import { isWord, tokenize, type Token } from './sql-tokens.ts';
import type { TableMaintenance } from './table-maintenance.ts';
import { toQueryResult } from './query-result.ts';

export interface MaintenanceStatementContext {
  readonly maintenance: TableMaintenance;
  readonly db: K3DuckDB;
  readonly bucket: string;
  readonly startedAt: number;
  readonly now: () => number;
}

/** The maintenance command of the request text, or undefined (then it is an ordinary statement). */
export function maintenanceStatementOf(sql: string, tokens0?: readonly Token[]): MaintenanceCommand | undefined {
  const tokens = tokens0 ?? tokenize(sql);
  const first = tokens[0];
  const ours = isWord(first, 'RESTORE', 'OPTIMIZE', 'VACUUM') || (isWord(first, 'DESCRIBE', 'DESC') && isWord(tokens[1], 'HISTORY') && tokens.length > 2);
  if (!ours) return undefined;
  // One statement, no file access — the same refusals as any statement, before our parse.
  return parseMaintenanceSql(singleStatement(sql).sql);
}

export async function executeMaintenanceStatement(ctx: MaintenanceStatementContext, command: MaintenanceCommand): Promise<ExecuteResponse> {
  const { maintenance, bucket } = ctx;
  switch (command.kind) {
    case 'restore': {
      const r = await maintenance.restore(bucket, command.table, 'version' in command.at ? { version: command.at.version } : { timestamp: command.at.timestamp });
      return { ddl: { action: 'RESTORE_TABLE', tableName: r.table.name, table: r.table, version: Number(r.versionAfter), versionBefore: Number(r.versionBefore), versionAfter: Number(r.versionAfter) } };
    }
    case 'optimize': {
      const r = await maintenance.optimize(bucket, command.table, { zOrderColumns: command.zOrderColumns, partitionFilters: command.partitionFilters });
      return { query: await rowResult(ctx, (await maintenance.handle(bucket, command.table)).name, r.version, optimizeRowSql(r)) };
    }
    case 'vacuum': {
      const r = await maintenance.vacuum(bucket, command.table, { dryRun: command.dryRun, ...(command.retentionHours !== undefined ? { retentionHours: command.retentionHours } : {}) });
      return { query: await rowResult(ctx, (await maintenance.handle(bucket, command.table)).name, r.version, vacuumRowSql(r)) };
    }
    case 'history': {
      const page = await maintenance.history(bucket, command.table, command.limit !== undefined ? { limit: command.limit } : {});
      return { query: await rowResult(ctx, (await maintenance.handle(bucket, command.table)).name, page.currentVersion, historyRelationSql(page.entries)) };
    }
  }
}

const big = (n: number): string => `${BigInt(n).toString()}::BIGINT`;

function optimizeRowSql(r: OptimizeResponse): string {
  return `SELECT ${big(r.version)} AS version, ${quoteLiteral(r.optimizeType)} AS optimize_type, ${big(r.filesAdded)} AS files_added, `
    + `${big(r.filesRemoved)} AS files_removed, ${big(r.partitionsOptimized)} AS partitions_optimized, `
    + `${big(r.totalConsideredFiles)} AS total_considered_files, ${big(r.totalFilesSkipped)} AS total_files_skipped, `
    + `${big(r.numBatches)} AS num_batches, ${big(r.bytesAdded)} AS bytes_added, ${big(r.bytesRemoved)} AS bytes_removed`;
}

function vacuumRowSql(r: VacuumResponse): string {
  const paths = `[${r.filesDeletedPaths.map((p) => quoteLiteral(p)).join(', ')}]::VARCHAR[]`;
  return `SELECT ${big(r.version)} AS version, ${big(r.filesDeleted)} AS files_deleted, ${paths} AS files_deleted_paths, ${r.dryRun ? 'true' : 'false'} AS dry_run`;
}

/** A query result of literal rows (no table scanned; `versions` names the table the command acted on). */
async function rowResult(ctx: MaintenanceStatementContext, table: string, version: number, sql: string): Promise<ExecuteQueryResult> {
  const planned = ctx.now();
  const encoded = await withConnection(ctx.db, async (conn) => {
    try {
      return await encodeResult(await conn.run(sql));
    } catch (err) {
      throw mapDuckDBError(err);
    }
  });
  const done = ctx.now();
  return toQueryResult(encoded, {
    strategy: QueryStrategy.UNARY_WAREHOUSE,
    strategyReason: 'table maintenance statement',
    versions: { [table]: version },
    timings: { planMs: planned - ctx.startedAt, queueMs: 0, scanMs: 0, mergeMs: done - planned, totalMs: done - ctx.startedAt },
  });
}

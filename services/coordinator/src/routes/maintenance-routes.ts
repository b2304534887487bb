/**
 * The maintenance RPCs of seeds 002 over HTTP (pbjson):
 *
 *   POST /:bucket/tables/:table/optimize  {targetFileSizeMb?, zOrderColumns?}                   → OptimizeResponse
 *   POST /:bucket/tables/:table/vacuum    {retentionHours?, dryRun?, disableRetentionCheck?}    → VacuumResponse
 *   POST /:bucket/tables/:table/restore   {version | restoreTimestamp}  (exactly one)           → {versionBefore, versionAfter}
 *   GET  /:bucket/tables/:table/history?limit=&before_version=                                   → HistoryResponse
 *
 * Bodies may repeat `bucket` / `tableName` (the RPC's fields); when present they must equal the
 * path. Proto field names (`target_file_size_mb`, `restore_timestamp`, …) are accepted and
 * renamed before validation, as protobuf's JSON parsers do. Every failure goes through the one
 * error handler; the work and its checks are the engine's (maintenance/ in @k3/core).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '@k3/core';
import type { SqlEngine } from '../sql-engine.ts';
import { HISTORY_ROUTE_SCHEMA, OPTIMIZE_ROUTE_SCHEMA, RESTORE_ROUTE_SCHEMA, VACUUM_ROUTE_SCHEMA } from '../schemas/maintenance-schemas.ts';
import { assertSameBucket } from './same-bucket.ts';

type Params = { bucket: string; table: string };
interface Echo {
  bucket?: string;
  tableName?: string;
}
type OptimizeBody = Echo & { targetFileSizeMb?: string | number; zOrderColumns?: string[] };
type VacuumBody = Echo & { retentionHours?: string | number; dryRun?: boolean; disableRetentionCheck?: boolean };
type RestoreBody = Echo & { version?: string | number; restoreTimestamp?: string };
type HistoryQuery = { limit?: string; before_version?: string; beforeVersion?: string };

const RENAMES: Readonly<Record<string, string>> = {
  table_name: 'tableName',
  target_file_size_mb: 'targetFileSizeMb',
  z_order_columns: 'zOrderColumns',
  retention_hours: 'retentionHours',
  dry_run: 'dryRun',
  disable_retention_check: 'disableRetentionCheck',
  restore_timestamp: 'restoreTimestamp',
};

/** Proto field names → JSON names; a field given under both is refused. An absent body is `{}`. */
async function normalizeBody(request: FastifyRequest): Promise<void> {
  const body = request.body;
  if (body === undefined || body === null) {
    request.body = {};
    return;
  }
  if (typeof body !== 'object' || Array.isArray(body)) return;
  const out: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const [snake, camel] of Object.entries(RENAMES)) {
    if (!(snake in out)) continue;
    if (camel in out) throw new AppError('ERR_BAD_REQUEST', `Invalid request: body.${camel} is given twice (also as ${snake}); send it once.`, { field: `body.${camel}` });
    out[camel] = out[snake];
    delete out[snake];
  }
  request.body = out;
}

function assertSameTable(pathTable: string, bodyTable: string | undefined): void {
  if (bodyTable !== undefined && bodyTable !== '' && bodyTable !== pathTable) {
    throw new AppError('ERR_BAD_REQUEST', `The body names table "${bodyTable}" but the path names "${pathTable}"; send one table or make them equal.`, { field: 'body.tableName' });
  }
}

function required<T>(fn: T | undefined): T {
  if (fn === undefined) throw new AppError('ERR_INTERNAL', 'This engine does not implement table maintenance.');
  return fn;
}

export function registerMaintenanceRoutes(app: FastifyInstance, engine: SqlEngine): void {
  const checked = (request: FastifyRequest<{ Params: Params; Body: Echo }>): Params => {
    const { bucket, table } = request.params;
    assertSameBucket(bucket, request.body.bucket);
    assertSameTable(table, request.body.tableName);
    return { bucket, table };
  };

  app.post<{ Params: Params; Body: OptimizeBody }>('/:bucket/tables/:table/optimize', { schema: OPTIMIZE_ROUTE_SCHEMA, preValidation: normalizeBody }, async (request) => {
    const { bucket, table } = checked(request);
    const { targetFileSizeMb, zOrderColumns } = request.body;
    const result = await required(engine.optimizeTable?.bind(engine))(bucket, table, {
      ...(targetFileSizeMb !== undefined ? { targetFileSizeMb } : {}),
      ...(zOrderColumns !== undefined ? { zOrderColumns } : {}),
    });
    request.log.info({ table, version: result.version, optimizeType: result.optimizeType, filesAdded: result.filesAdded, filesRemoved: result.filesRemoved }, 'table optimized');
    return result;
  });

  app.post<{ Params: Params; Body: VacuumBody }>('/:bucket/tables/:table/vacuum', { schema: VACUUM_ROUTE_SCHEMA, preValidation: normalizeBody }, async (request) => {
    const { bucket, table } = checked(request);
    const { retentionHours, dryRun, disableRetentionCheck } = request.body;
    const result = await required(engine.vacuumTable?.bind(engine))(bucket, table, {
      ...(retentionHours !== undefined ? { retentionHours } : {}),
      ...(dryRun !== undefined ? { dryRun } : {}),
      ...(disableRetentionCheck !== undefined ? { disableRetentionCheck } : {}),
    });
    request.log.info({ table, version: result.version, filesDeleted: result.filesDeleted, dryRun: result.dryRun }, 'table vacuumed');
    return result;
  });

  app.post<{ Params: Params; Body: RestoreBody }>('/:bucket/tables/:table/restore', { schema: RESTORE_ROUTE_SCHEMA, preValidation: normalizeBody }, async (request) => {
    const { bucket, table } = checked(request);
    const { version, restoreTimestamp } = request.body;
    const result = await required(engine.restoreTable?.bind(engine))(bucket, table, {
      ...(version !== undefined ? { version } : {}),
      ...(restoreTimestamp !== undefined ? { timestamp: restoreTimestamp } : {}),
    });
    request.log.info({ table, versionBefore: result.versionBefore, versionAfter: result.versionAfter }, 'table restored');
    return { versionBefore: result.versionBefore, versionAfter: result.versionAfter };
  });

  app.get<{ Params: Params; Querystring: HistoryQuery }>('/:bucket/tables/:table/history', { schema: HISTORY_ROUTE_SCHEMA }, async (request) => {
    const { bucket, table } = request.params;
    const { limit, before_version: snake, beforeVersion: camel } = request.query;
    if (snake !== undefined && camel !== undefined) {
      throw new AppError('ERR_BAD_REQUEST', 'Invalid request: querystring.before_version is given twice (also as beforeVersion); send it once.', { field: 'querystring.before_version' });
    }
    const before = snake ?? camel;
    return required(engine.tableHistory?.bind(engine))(bucket, table, {
      ...(limit !== undefined ? { limit } : {}),
      ...(before !== undefined ? { beforeVersion: before } : {}),
    });
  });
}

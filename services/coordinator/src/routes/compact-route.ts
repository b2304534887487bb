/**
 * The Compact RPC: `POST /:bucket/tables/:table/_compact` {batchSize?} → one drain of the table's
 * write log into Delta (the seeds' Compact response). Safe next to the automatic compactor: every
 * drain commits txn k3-wal, so two drains can never both apply the same records.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '@k3/core';
import type { SqlEngine } from '../sql-engine.ts';
import { COMPACT_ROUTE_SCHEMA } from '../schemas/compact-schemas.ts';
import { assertSameBucket } from './same-bucket.ts';

interface CompactBody {
  bucket?: string;
  tableName?: string;
  batchSize?: number;
}

export function registerCompactRoute(app: FastifyInstance, engine: SqlEngine): void {
  app.post<{ Params: { bucket: string; table: string }; Body: CompactBody | undefined }>('/:bucket/tables/:table/_compact', { schema: COMPACT_ROUTE_SCHEMA }, async (request) => {
    const { bucket, table } = request.params;
    const body = request.body ?? {};
    assertSameBucket(bucket, body.bucket);
    if (engine.compact === undefined) throw new AppError('ERR_INTERNAL', 'This engine has no write log to compact.');
    const result = await engine.compact(bucket, table, body.batchSize);
    request.log.info({ table, walEntriesProcessed: result.walEntriesProcessed, truncated: result.truncated }, 'table compacted');
    return result;
  });
}

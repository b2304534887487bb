/**
 * The audit record of a request: who (principal), where (bucket, tables), what (statement hash,
 * strategy, rows) and how it ended (status, ms). Routes fill `request.audit`; the server's
 * onResponse hook writes it into the one per-request log line (`request completed`). Never the
 * SQL text or its literals (only a hash), never a token.
 */
import type { ExecuteResponse } from '@k3/core/api';

export interface AuditFields {
  bucket?: string;
  tables?: string[];
  statementHash?: string;
  strategy?: string;
  rows?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What this request did, for its audit line (audit.ts). */
    audit: AuditFields | undefined;
  }
}

/** The audit fields an Execute response adds: tables touched, strategy, rows returned or affected. */
export function auditOfResponse(res: ExecuteResponse): AuditFields {
  if ('query' in res) return { tables: Object.keys(res.query.versions), strategy: res.query.strategy, rows: String(res.query.rowCount) };
  if ('write' in res) return { tables: [res.write.tableName], strategy: res.write.strategy, rows: String(res.write.rowsAffected) };
  return { tables: [res.ddl.tableName], strategy: res.ddl.action };
}

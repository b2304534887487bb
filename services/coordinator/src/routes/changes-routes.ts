/**
 * The Change Data Feed over HTTP (docs/api.md "Change data feed"):
 *
 *   GET /:bucket/tables/:table/changes?from=&to=&page_token=&page_size=  → a page of table_changes
 *   GET /:bucket/tables/:table/diff?version=&limit=                       → what changed since a version
 *
 * A thin translation to Engine.tableChanges / tableDiff (REST only until the proto gains a
 * `Changes` RPC); JSON names (`fromVersion`, `pageToken`, …) are accepted too. Auth is the same as
 * the RPCs': the bearer token (or the data browser's session cookie) must allow `history` (read
 * scope) on the bucket; the reserved auth bucket is refused.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '@k3/core';
import type { TokenStore } from '@k3/core/auth';
import type { SqlEngine } from '../sql-engine.ts';
import { ANONYMOUS, authorizeBucket } from '../rpc-auth.ts';
import { bearerOf } from '../session-cookie.ts';

type Params = { bucket: string; table: string };
type ChangesQuery = Partial<Record<'from' | 'to' | 'page_token' | 'page_size' | 'fromVersion' | 'toVersion' | 'pageToken' | 'pageSize', string>>;
type DiffQuery = Partial<Record<'version' | 'limit', string>>;

const tableParams = {
  type: 'object',
  required: ['bucket', 'table'],
  properties: { bucket: { type: 'string', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' }, table: { type: 'string', minLength: 1 } },
} as const;
const uint = { type: 'string', pattern: '^[0-9]+$' } as const;

const CHANGES_SCHEMA = {
  summary: "A page of the table's Change Data Feed (rows + _change_type, _commit_version, _commit_timestamp), oldest version first.",
  tags: ['tables'],
  params: tableParams,
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      from: { ...uint, description: 'First version (inclusive); not needed with page_token.' },
      to: { ...uint, description: 'Last version (inclusive); default the latest when the first page is asked.' },
      page_token: { type: 'string', description: 'nextPageToken of the previous page.' },
      page_size: { ...uint, description: 'Rows per page, 1..10000 (default 1000).' },
      fromVersion: uint, toVersion: uint, pageToken: { type: 'string' }, pageSize: uint,
    },
  },
  response: {
    200: {
      type: 'object',
      required: ['tableName', 'fromVersion', 'toVersion', 'columns', 'rows'],
      properties: {
        tableName: { type: 'string' }, fromVersion: uint, toVersion: uint,
        columns: { type: 'array', items: { type: 'object', additionalProperties: true } },
        rows: { type: 'array', items: { type: 'array' } },
        nextPageToken: { type: 'string', description: 'Absent on the last page.' },
      },
    },
  },
} as const;

const DIFF_SCHEMA = {
  summary: 'What changed between a version and the current one: rows added, removed and changed (by primary key when the table has one).',
  tags: ['tables'],
  params: tableParams,
  querystring: { type: 'object', required: ['version'], additionalProperties: false, properties: { version: uint, limit: { ...uint, description: 'Rows listed, 1..1000 (default 100); the counts are always complete.' } } },
  response: {
    200: {
      type: 'object',
      required: ['tableName', 'fromVersion', 'toVersion', 'keyColumns', 'added', 'removed', 'changed', 'rows', 'truncated'],
      properties: {
        tableName: { type: 'string' }, fromVersion: uint, toVersion: uint, keyColumns: { type: 'array', items: { type: 'string' } },
        added: uint, removed: uint, changed: uint, truncated: { type: 'boolean' },
        rows: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
    },
  },
} as const;

function once(query: Record<string, string | undefined>, snake: string, camel: string): string | undefined {
  if (query[snake] !== undefined && query[camel] !== undefined) {
    throw new AppError('ERR_BAD_REQUEST', `Invalid request: querystring.${snake} is given twice (also as ${camel}); send it once.`, { field: `querystring.${snake}` });
  }
  return query[snake] ?? query[camel];
}

function required<T>(fn: T | undefined): T {
  if (fn === undefined) throw new AppError('ERR_INTERNAL', 'This engine does not implement the change data feed.');
  return fn;
}

export interface ChangesRouteAuth {
  /** undefined = auth off (loopback only). */
  tokens: TokenStore | undefined;
  authBucket: string;
}

export function registerChangesRoutes(app: FastifyInstance, engine: SqlEngine, auth: ChangesRouteAuth): void {
  app.addHook('preHandler', async (request: FastifyRequest) => {
    const bucket = (request.params as Params).bucket;
    const principal = auth.tokens === undefined ? ANONYMOUS : await auth.tokens.authenticateBearer(bearerOf(request.headers.authorization, request.headers.cookie));
    authorizeBucket(principal, bucket, 'history', auth.authBucket);
  });
  app.get<{ Params: Params; Querystring: ChangesQuery }>('/:bucket/tables/:table/changes', { schema: CHANGES_SCHEMA }, async (request) => {
    const { bucket, table } = request.params;
    const q = request.query;
    const [fromVersion, toVersion, pageToken, pageSize] = [once(q, 'from', 'fromVersion'), once(q, 'to', 'toVersion'), once(q, 'page_token', 'pageToken'), once(q, 'page_size', 'pageSize')];
    return required(engine.tableChanges?.bind(engine))(bucket, table, {
      ...(fromVersion !== undefined ? { fromVersion } : {}), ...(toVersion !== undefined ? { toVersion } : {}),
      ...(pageToken !== undefined ? { pageToken } : {}), ...(pageSize !== undefined ? { pageSize } : {}),
    });
  });

  app.get<{ Params: Params; Querystring: DiffQuery }>('/:bucket/tables/:table/diff', { schema: DIFF_SCHEMA }, async (request) => {
    const { bucket, table } = request.params;
    const { version, limit } = request.query;
    return required(engine.tableDiff?.bind(engine))(bucket, table, { version: version ?? '', ...(limit !== undefined ? { limit } : {}) });
  });
}

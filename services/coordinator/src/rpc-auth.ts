/**
 * Auth in the one interceptor layer (rpc/interceptors.ts), for every wire: REST, Connect,
 * gRPC-Web and native gRPC (design note: docs/design/auth.md).
 *
 * - `authenticate(rc)` runs before the request is decoded: the bearer token of the call's
 *   `authorization` header → `rc.principal` (its name) and `rc.grant` (the whole principal), or
 *   ERR_UNAUTHENTICATED (HTTP 401 + WWW-Authenticate, gRPC UNAUTHENTICATED).
 * - `authorize(rc, req)` runs once the request is decoded, before the handler: the method's action
 *   on the request's bucket, or ERR_FORBIDDEN (403, PERMISSION_DENIED) — whether or not the bucket
 *   or table exists. Execute is checked for `select` here; the engine calls back with the
 *   statement's own action (handlers pass `authorize` into the engine).
 * Methods missing from METHOD_ACTIONS need `admin` (fail closed). With auth off (no token store)
 * every call runs as ANONYMOUS.
 */
import { AppError } from '@k3/core';
import { authorize, type Action, type Principal, type TokenStore } from '@k3/core/auth';
import type { RequestContext } from './rpc/request-context.ts';

export const ANONYMOUS: Principal = Object.freeze({ name: 'anonymous', buckets: '*', scope: 'admin' });

/** proto method name → the action it performs. */
export const METHOD_ACTIONS: Readonly<Record<string, Action>> = {
  Execute: 'select',
  ExecuteStream: 'select',
  DescribeStatement: 'select',
  ListTables: 'list',
  DescribeTable: 'describe',
  History: 'history',
  GetEngine: 'describe',
  Query: 'query',
  QueryStream: 'query',
  Insert: 'typed-write',
  Merge: 'typed-write',
  Update: 'typed-write',
  DeleteRows: 'typed-write',
  Compact: 'compact',
  CreateTable: 'ddl',
  DropTable: 'ddl',
  Optimize: 'optimize',
  Vacuum: 'vacuum',
  Restore: 'restore',
  EnableEngine: 'engine',
  DisableEngine: 'engine',
  // harden: token management, which also needs the token to cover all buckets (below)
  CreateToken: 'tokens',
  ListTokens: 'tokens',
  RevokeToken: 'tokens',
  // wip/cdf: the Change Data Feed reads the table's history
  Changes: 'history',
  Diff: 'history',
  // wip/pipeline
  CreateTablePipeline: 'ddl',
  GetIngestRule: 'describe',
  UpdateIngestRule: 'ddl',
  ListIngestRuns: 'describe',
  TriggerIngest: 'typed-write',
  // wip/contract
  GetUsage: 'describe',
};

/** The one bucket check of every route and wire: the auth bucket is nobody's; then the token's buckets and scope. */
export function authorizeBucket(principal: Principal, bucket: string, action: Action, authBucket: string): void {
  if (bucket === authBucket) throw new AppError('ERR_FORBIDDEN', `Bucket "${bucket}" is reserved for k3's own records (K3_AUTH_BUCKET); use another bucket.`);
  authorize(principal, bucket, action);
}

/**
 * Token management: an admin token for ALL buckets. A bucket-scoped admin could otherwise mint a
 * token for buckets it cannot touch, or list every principal and its buckets.
 */
export function authorizeTokenAdmin(principal: Principal): void {
  authorize({ ...principal, buckets: '*' }, '', 'tokens');
  if (principal.buckets !== '*') {
    throw new AppError('ERR_FORBIDDEN', `Token "${principal.name}" is limited to some buckets; managing tokens needs an admin token for all buckets (k3 token create --scope admin --all-buckets).`, { principal: principal.name });
  }
}

export interface RpcAuthOptions {
  /** undefined = auth off. */
  tokens: TokenStore | undefined;
  /** K3_AUTH_BUCKET: reserved, no principal may address it. */
  authBucket: string;
}

export interface RpcAuth {
  authenticate(rc: RequestContext): Promise<void>;
  authorize(rc: RequestContext, req: unknown): void;
}

export function createRpcAuth(opts: RpcAuthOptions): RpcAuth {
  return {
    async authenticate(rc) {
      const principal = opts.tokens === undefined ? ANONYMOUS : await opts.tokens.authenticateBearer(rc.authorization);
      rc.principal = principal.name;
      rc.grant = principal;
    },
    authorize(rc, req) {
      const principal = rc.grant ?? ANONYMOUS;
      const bucket = (req as { bucket?: unknown } | null)?.bucket;
      const action = METHOD_ACTIONS[rc.method] ?? 'engine';
      if (action === 'tokens') {
        authorizeTokenAdmin(principal);
        return;
      }
      if (typeof bucket !== 'string') {
        // No bucket to check: the method's scope alone.
        authorize({ ...principal, buckets: '*' }, '', action);
        return;
      }
      authorizeBucket(principal, bucket, action, opts.authBucket);
    },
  };
}

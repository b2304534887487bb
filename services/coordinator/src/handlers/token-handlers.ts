/**
 * CreateToken / ListTokens / RevokeToken: token management over the TableService wires (REST,
 * Connect, gRPC-Web, native gRPC), the remote form of `k3 token create | list | revoke`, over the
 * same TokenStore the process authenticates with (docs/design/auth.md "Management"). The
 * interceptor has already required an admin token for all buckets (rpc-auth.ts). The secret is in
 * the CreateToken answer only; nothing else returns it or its digest. An `Idempotency-Key` makes
 * CreateToken and RevokeToken safe to retry (docs/design/faults.md).
 */
import { create, type MessageShape } from '@bufbuild/protobuf';
import { CreateTokenResponseSchema, ListTokensResponseSchema, RevokeTokenResponseSchema, TokenInfoSchema, type TableService } from '@k3/client';
import { AppError } from '@k3/core';
import { isScope, type TokenInfo, type TokenStore } from '@k3/core/auth';
import type { RequestContext } from '../rpc/request-context.ts';
import { checkBucket, required } from './request-checks.ts';

type M = typeof TableService.method;
type Unary<K extends 'createToken' | 'listTokens' | 'revokeToken'> = (req: MessageShape<M[K]['input']>, rc: RequestContext) => Promise<MessageShape<M[K]['output']>>;
export interface TokenHandlers {
  createToken: Unary<'createToken'>;
  listTokens: Unary<'listTokens'>;
  revokeToken: Unary<'revokeToken'>;
}

const badRequest = (field: string, what: string): AppError => new AppError('ERR_BAD_REQUEST', `Invalid request: ${field} ${what}; fix the request and retry.`, { field });

function infoOf(t: TokenInfo): MessageShape<typeof TokenInfoSchema> {
  return create(TokenInfoSchema, {
    name: t.name,
    buckets: t.buckets === '*' ? [] : [...t.buckets],
    allBuckets: t.buckets === '*',
    scope: t.scope,
    createdAt: BigInt(t.createdAt),
    ...(t.expiresAt !== undefined ? { expiresAt: BigInt(t.expiresAt) } : {}),
  });
}

export function createTokenHandlers(tokens: TokenStore | undefined, clock: () => number = Date.now): TokenHandlers {
  const store = (): TokenStore => {
    if (tokens === undefined) throw new AppError('ERR_BAD_REQUEST', 'Auth is off on this server (K3_AUTH=off): there are no tokens to manage. Start it with auth on to use tokens.');
    return tokens;
  };
  const key = (rc: RequestContext) => (rc.idempotencyKey !== undefined ? { idempotencyKey: rc.idempotencyKey } : {});
  return {
    async createToken(req, rc) {
      const name = required(req.name, 'name');
      if (!isScope(req.scope)) throw badRequest('scope', 'must be read, write or admin');
      if (req.allBuckets && req.buckets.length > 0) throw badRequest('buckets', 'must be empty when allBuckets is true (one or the other)');
      if (!req.allBuckets && req.buckets.length === 0) throw badRequest('buckets', 'needs at least one bucket (or allBuckets: true)');
      const buckets = req.allBuckets ? '*' : req.buckets.map((b) => checkBucket(b));
      const expiresAt = req.expiresAt === undefined ? undefined : Number(req.expiresAt);
      if (expiresAt !== undefined && !(expiresAt > clock())) throw badRequest('expiresAt', 'must be a time in the future (epoch milliseconds)');
      const { secret, record } = await store().create({ name, buckets, scope: req.scope, ...(expiresAt !== undefined ? { expiresAt } : {}), ...key(rc) });
      return create(CreateTokenResponseSchema, { token: secret, info: infoOf(record) });
    },
    async listTokens() {
      return create(ListTokensResponseSchema, { tokens: (await store().list()).map(infoOf) });
    },
    async revokeToken(req, rc) {
      const name = required(req.name, 'name');
      await store().revoke(name, key(rc));
      return create(RevokeTokenResponseSchema, { name });
    },
  };
}

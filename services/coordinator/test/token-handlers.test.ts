/**
 * The token RPC handlers over a real TokenStore (in-memory object store): request checks with
 * clear 400s, the secret only in the CreateToken answer, Idempotency-Key retries, auth off; and
 * the interceptor's rule that token management needs an admin token for ALL buckets.
 */
import { create } from '@bufbuild/protobuf';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { CreateTokenRequestSchema, RevokeTokenRequestSchema, ListTokensRequestSchema } from '@k3/client';
import { TokenStore, type Principal } from '@k3/core/auth';
import { MemoryObjectStore } from '@k3/core/object-store';
import { createTokenHandlers } from '../src/handlers/token-handlers.ts';
import { createRequestContext } from '../src/rpc/request-context.ts';
import { authorizeTokenAdmin } from '../src/rpc-auth.ts';

const NOW = 1_800_000_000_000;
const rc = (idempotencyKey?: string) => createRequestContext({ requestId: 'r', wire: 'rest', method: 'CreateToken', authorization: undefined, idempotencyKey, signal: new AbortController().signal, timeoutMs: undefined, log: pino({ level: 'silent' }) });
const createReq = (fields: Record<string, unknown>) => create(CreateTokenRequestSchema, { name: 'etl', scope: 'read', buckets: ['sales'], ...fields });

function setup() {
  const tokens = new TokenStore({ store: new MemoryObjectStore(), clock: () => NOW });
  return { tokens, h: createTokenHandlers(tokens, () => NOW) };
}

describe('token RPC handlers', () => {
  it('CreateToken answers the secret once; it authenticates; ListTokens never carries it', async () => {
    const { tokens, h } = setup();
    const made = await h.createToken(createReq({ expiresAt: BigInt(NOW + 60_000) }), rc());
    expect(made.token).toMatch(/^k3_[A-Za-z0-9_-]{43}$/);
    expect(made.info).toMatchObject({ name: 'etl', buckets: ['sales'], allBuckets: false, scope: 'read', createdAt: BigInt(NOW), expiresAt: BigInt(NOW + 60_000) });
    expect(await tokens.authenticateSecret(made.token)).toMatchObject({ name: 'etl', scope: 'read' });
    const all = await h.createToken(createReq({ name: 'ops', buckets: [], allBuckets: true, scope: 'admin' }), rc());
    expect(all.info).toMatchObject({ buckets: [], allBuckets: true });
    const listed = await h.listTokens(create(ListTokensRequestSchema, {}), rc());
    expect(listed.tokens.map((t) => [t.name, t.allBuckets])).toEqual([['etl', false], ['ops', true]]);
    expect(JSON.stringify(listed, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toMatch(/k3_|sha256|scram/);
  });

  it('bad requests are 400s naming the field', async () => {
    const { h } = setup();
    const codeOf = (fields: Record<string, unknown>) => h.createToken(createReq(fields), rc()).then(() => 'ok', (e: { code: string; details?: { field?: string } }) => `${e.code} ${e.details?.field ?? ''}`);
    expect(await codeOf({ scope: 'owner' })).toBe('ERR_BAD_REQUEST scope');
    expect(await codeOf({ allBuckets: true })).toBe('ERR_BAD_REQUEST buckets');
    expect(await codeOf({ buckets: [] })).toBe('ERR_BAD_REQUEST buckets');
    expect(await codeOf({ buckets: ['../etc'] })).toBe('ERR_INVALID_NAME bucket');
    expect(await codeOf({ expiresAt: BigInt(NOW - 1) })).toBe('ERR_BAD_REQUEST expiresAt');
    expect(await codeOf({ name: '' })).toBe('ERR_BAD_REQUEST name');
    expect(await codeOf({ name: '../x' })).toBe('ERR_INVALID_NAME ');
  });

  it('a create retried with its Idempotency-Key answers a working secret of the one token; RevokeToken with a key is done when already gone', async () => {
    const { tokens, h } = setup();
    const first = await h.createToken(createReq({}), rc('k-1'));
    const retried = await h.createToken(createReq({}), rc('k-1'));
    expect((await tokens.list()).map((t) => t.name)).toEqual(['etl']);
    expect(await tokens.authenticateSecret(retried.token)).toMatchObject({ name: 'etl' });
    await expect(tokens.authenticateSecret(first.token)).rejects.toMatchObject({ code: 'ERR_UNAUTHENTICATED' });
    await expect(h.createToken(createReq({}), rc('k-2'))).rejects.toMatchObject({ code: 'ERR_TOKEN_EXISTS' });
    expect((await h.revokeToken(create(RevokeTokenRequestSchema, { name: 'etl' }), rc())).name).toBe('etl');
    await expect(h.revokeToken(create(RevokeTokenRequestSchema, { name: 'etl' }), rc())).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_FOUND' });
    expect((await h.revokeToken(create(RevokeTokenRequestSchema, { name: 'etl' }), rc('k-3'))).name).toBe('etl');
  });

  it('with auth off there are no tokens to manage', async () => {
    const h = createTokenHandlers(undefined);
    await expect(h.listTokens(create(ListTokensRequestSchema, {}), rc())).rejects.toMatchObject({ code: 'ERR_BAD_REQUEST', message: expect.stringMatching(/K3_AUTH=off/) });
  });

  it('token management needs an admin token for all buckets', () => {
    const p = (scope: Principal['scope'], buckets: Principal['buckets']): Principal => ({ name: 'p', scope, buckets });
    expect(() => authorizeTokenAdmin(p('admin', '*'))).not.toThrow();
    expect(() => authorizeTokenAdmin(p('admin', ['sales']))).toThrow(expect.objectContaining({ code: 'ERR_FORBIDDEN', message: expect.stringMatching(/all buckets/) }));
    expect(() => authorizeTokenAdmin(p('write', '*'))).toThrow(expect.objectContaining({ code: 'ERR_FORBIDDEN' }));
  });
});

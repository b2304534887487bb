/**
 * Ambiguous writes on the state paths outside the tables (docs/design/faults.md): token create and
 * revoke (auth/token-store.ts) and the bucket Engine's first use, enable and disable
 * (bucket-engine/). Like ambiguous-writes.test.ts (both run support/prove-ambiguous.ts): for every
 * storage call a path makes, one run injects an AMBIGUOUS SUCCESS at exactly that call (the
 * operation takes effect, the caller sees ERR_STORE_UNAVAILABLE) with no store retries. Then:
 *   - success  ⇒ the outcome is the true one, durable, exactly once (read by a second process's view);
 *   - an error ⇒ it is a retryable AppError, and retrying the same request (same idempotency key)
 *                 succeeds and leaves the outcome exactly once.
 * An unknown outcome (the answer lost AND the read-back failing) is ERR_WRITE_OUTCOME_UNKNOWN,
 * retryable, and its retry with the key ends in the true outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineStatus } from '../../src/api/index.ts';
import { TOKENS_PREFIX, TokenStore } from '../../src/auth/index.ts';
import { BucketEngines } from '../../src/bucket-engine/index.ts';
import { ENGINE_STATE_PREFIX, FaultyObjectStore, MemoryObjectStore, type ObjectStore } from '../../src/object-store/index.ts';
import { createFaultyEngine, type FaultyEngine } from '../support/faulty-engine.ts';
import { proveAmbiguous } from '../support/prove-ambiguous.ts';

const SEED = 1810;
const KEY = 'req-tok-1';

// ---------------------------------------------------------------------------------------------
// Tokens

interface TokenCtx {
  readonly tokens: TokenStore;
  /** The clean store under the faults: what every other coordinator reads. */
  readonly raw: ObjectStore;
  /** The secret of the token the revoke paths revoke. */
  secret?: string;
}

async function freshTokens(setup?: (c: TokenCtx) => Promise<void>): Promise<{ ctx: TokenCtx; store: FaultyObjectStore }> {
  const raw = new MemoryObjectStore();
  const store = new FaultyObjectStore(raw, { seed: SEED });
  const ctx: TokenCtx = { tokens: new TokenStore({ store, missReloadMs: 0 }), raw };
  await setup?.(ctx);
  return { ctx, store };
}

/** Another coordinator's view of the same store. */
const otherProcess = (c: TokenCtx): TokenStore => new TokenStore({ store: c.raw, refreshMs: 0 });

const tokenRecords = async (c: TokenCtx): Promise<string[]> => (await c.raw.list(TOKENS_PREFIX)).objects.map((o) => o.key);

const createEtl = (c: TokenCtx, key?: string) => c.tokens.create({ name: 'etl', buckets: ['b1'], scope: 'write', ...(key !== undefined ? { idempotencyKey: key } : {}) });

async function checkCreated(c: TokenCtx, answer: unknown): Promise<void> {
  const { secret } = answer as { secret: string };
  // Exactly one record, and the secret the client heard is the one that works — on another process.
  expect(await tokenRecords(c)).toEqual([`${TOKENS_PREFIX}etl.json`]);
  expect(await otherProcess(c).authenticateSecret(secret)).toEqual({ name: 'etl', buckets: ['b1'], scope: 'write' });
  expect((await otherProcess(c).list()).map((t) => t.name)).toEqual(['etl']);
}

async function revokeSetup(c: TokenCtx): Promise<void> {
  c.secret = (await createEtl(c)).secret;
}

async function checkRevoked(c: TokenCtx): Promise<void> {
  expect(await tokenRecords(c)).toEqual([]);
  await expect(otherProcess(c).authenticateSecret(c.secret!)).rejects.toMatchObject({ code: 'ERR_UNAUTHENTICATED' });
}

describe('token store under ambiguous writes', () => {
  it('create (with an idempotency key): every ambiguous call ends with one token whose answered secret works', async () => {
    const r = await proveAmbiguous<TokenCtx>({ name: 'token create', fresh: () => freshTokens(), act: (c) => createEtl(c, KEY), check: checkCreated });
    expect(r.calls).toBeGreaterThan(0);
  });

  it('create without a key: the lost answer of the create is resolved by reading the record back (success, no error)', async () => {
    const r = await proveAmbiguous<TokenCtx>({ name: 'token create (no key)', fresh: () => freshTokens(), act: (c) => createEtl(c), check: checkCreated });
    expect(r.errors).toBe(0);
  });

  it('create whose outcome is unknown (answer lost, read-back failing): ERR_WRITE_OUTCOME_UNKNOWN, retryable; the retry with the key answers a working secret, one token', async () => {
    const { ctx, store } = await freshTokens();
    store.fail('putIfAbsent', 1, 'after').fail('get', 1, 'before');
    const err = await createEtl(ctx, KEY).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_WRITE_OUTCOME_UNKNOWN', retryable: true });
    store.clear();
    // The record landed (with a secret nobody heard); the retry re-issues it.
    expect(await tokenRecords(ctx)).toHaveLength(1);
    await checkCreated(ctx, await createEtl(ctx, KEY));
    // Without the key, the name is simply taken; a different request with the same key is refused too.
    await expect(createEtl(ctx)).rejects.toMatchObject({ code: 'ERR_TOKEN_EXISTS' });
    await expect(ctx.tokens.create({ name: 'etl', buckets: ['b1'], scope: 'admin', idempotencyKey: KEY })).rejects.toMatchObject({ code: 'ERR_TOKEN_EXISTS' });
  });

  it('revoke (with an idempotency key): every ambiguous call ends revoked on every process', async () => {
    await proveAmbiguous<TokenCtx>({ name: 'token revoke', fresh: () => freshTokens(revokeSetup), act: (c) => c.tokens.revoke('etl', { idempotencyKey: KEY }), check: checkRevoked });
  });

  it('revoke without a key: a lost answer of the delete is resolved by looking again (success, no error)', async () => {
    const { ctx, store } = await freshTokens(revokeSetup);
    store.fail('deleteMany', 1, 'after');
    await ctx.tokens.revoke('etl');
    await checkRevoked(ctx);
  });

  it('revoke whose outcome is unknown: ERR_WRITE_OUTCOME_UNKNOWN, retryable; its retry with the key succeeds (without: the token is not there)', async () => {
    const { ctx, store } = await freshTokens(revokeSetup);
    // The first head (does it exist?) passes; the fault hits the look after the lost delete.
    store.inject({ kind: 'ambiguous', ops: ['deleteMany'], times: 1 }).inject({ kind: 'error', ops: ['head'], skip: 1, times: 1 });
    await expect(ctx.tokens.revoke('etl', { idempotencyKey: KEY })).rejects.toMatchObject({ code: 'ERR_WRITE_OUTCOME_UNKNOWN', retryable: true });
    store.clear();
    await ctx.tokens.revoke('etl', { idempotencyKey: KEY });
    await checkRevoked(ctx);
    await expect(ctx.tokens.revoke('etl')).rejects.toMatchObject({ code: 'ERR_TOKEN_NOT_FOUND' });
  });
});

// ---------------------------------------------------------------------------------------------
// The bucket Engine (real Engine over the faulty stack: Retrying(Faulty(memory)), no store retries)

let fx: FaultyEngine;
let buckets = 0;

beforeAll(async () => {
  fx = await createFaultyEngine({ seed: SEED });
});
afterAll(async () => {
  await fx.close();
});

interface EngineCtx {
  readonly bucket: string;
  readonly raw: ObjectStore;
}

async function freshBucket(setup?: (c: EngineCtx) => Promise<void>): Promise<{ ctx: EngineCtx; store: FaultyObjectStore }> {
  const bucket = `eng-${++buckets}`;
  await fx.stores.create(bucket);
  const store = fx.faults(bucket);
  const ctx = { bucket, raw: store.inner };
  await setup?.(ctx);
  return { ctx, store };
}

/** The stored generations, and the state another process reads. */
async function stored(c: EngineCtx): Promise<{ generations: number; status: EngineStatus; engineId: string }> {
  const generations = (await c.raw.list(ENGINE_STATE_PREFIX)).objects.length;
  const state = await new BucketEngines().get(c.raw, c.bucket);
  return { generations, status: state.status, engineId: state.engineId };
}

const firstUse = async (c: EngineCtx): Promise<void> => {
  await fx.engine.getEngine(c.bucket);
};

function checkState(generations: number, status: EngineStatus) {
  return async (c: EngineCtx, answer: unknown): Promise<void> => {
    const s = await stored(c);
    expect(s).toMatchObject({ generations, status });
    expect(answer).toMatchObject({ bucket: c.bucket, status, engineId: s.engineId });
  };
}

describe('bucket engine state under ambiguous writes', () => {
  it('first use: every ambiguous call ends with one ACTIVE engine, the one answered', async () => {
    await proveAmbiguous<EngineCtx>({ name: 'engine first use', fresh: () => freshBucket(), act: (c) => fx.engine.getEngine(c.bucket), check: checkState(1, EngineStatus.ACTIVE) });
  });

  it('disable: every ambiguous call ends DISABLED exactly once (one new generation); table operations are refused', async () => {
    await proveAmbiguous<EngineCtx>({
      name: 'engine disable',
      fresh: () => freshBucket(firstUse),
      act: (c) => fx.engine.disableEngine(c.bucket),
      async check(c, answer) {
        await checkState(2, EngineStatus.DISABLED)(c, answer);
        await expect(fx.engine.execute({ bucket: c.bucket, sql: 'SELECT 1' })).rejects.toMatchObject({ code: 'ERR_ENGINE_DISABLED' });
      },
    });
  });

  it('enable: every ambiguous call ends ACTIVE exactly once', async () => {
    const disabled = async (c: EngineCtx): Promise<void> => {
      await firstUse(c);
      await fx.engine.disableEngine(c.bucket);
    };
    await proveAmbiguous<EngineCtx>({ name: 'engine enable', fresh: () => freshBucket(disabled), act: (c) => fx.engine.enableEngine(c.bucket), check: checkState(3, EngineStatus.ACTIVE) });
  });

  it('a change whose outcome is unknown is ERR_WRITE_OUTCOME_UNKNOWN, retryable; the retry ends in the asked-for state once', async () => {
    const { ctx, store } = await freshBucket(firstUse);
    store.inject({ kind: 'ambiguous', ops: ['putIfAbsent'], times: 1 }).inject({ kind: 'error', ops: ['get'], key: /__k3_engine/, times: 1 });
    await expect(fx.engine.disableEngine(ctx.bucket)).rejects.toMatchObject({ code: 'ERR_WRITE_OUTCOME_UNKNOWN', retryable: true });
    store.clear();
    await checkState(2, EngineStatus.DISABLED)(ctx, await fx.engine.disableEngine(ctx.bucket));
  });

  it('racing changes are contention, not an outage: the loser re-reads through the retry policy and both end in a valid state', async () => {
    const { ctx } = await freshBucket(firstUse);
    const [a, b] = await Promise.all([fx.engine.disableEngine(ctx.bucket), new BucketEngines().setStatus(ctx.raw, ctx.bucket, EngineStatus.DISABLED)]);
    expect([a.status, b.status]).toEqual([EngineStatus.DISABLED, EngineStatus.DISABLED]);
    expect(await stored(ctx)).toMatchObject({ generations: 2, status: EngineStatus.DISABLED });
  });
});

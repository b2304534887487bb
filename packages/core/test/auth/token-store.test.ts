import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError, loadConfig } from '@k3/core';
import { MemoryObjectStore, createBucketStoreFactory } from '@k3/core/object-store';
import { TOKENS_PREFIX, TokenStore, authorize, openTokenStore, scramVerifier, type Principal } from '@k3/core/auth';

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
    return undefined;
  } catch (e) {
    return e instanceof AppError ? e.code : `not an AppError: ${String(e)}`;
  }
}

describe('TokenStore', () => {
  it('mints opaque secrets of ≥128 bits and stores only their hash and a SCRAM verifier', async () => {
    const store = new MemoryObjectStore();
    const tokens = new TokenStore({ store });
    const { secret, record } = await tokens.create({ name: 'ci', buckets: ['b1'], scope: 'write' });
    expect(secret).toMatch(/^k3_[A-Za-z0-9_-]{43}$/);
    const raw = Buffer.from((await store.get(`${TOKENS_PREFIX}ci.json`))!).toString('utf8');
    expect(raw).not.toContain(secret);
    expect(raw).not.toContain(secret.slice(3));
    expect(record.sha256).toBe(createHash('sha256').update(secret).digest('hex'));
    const second = await tokens.create({ name: 'ci2', buckets: ['b1'], scope: 'write' });
    expect(second.secret).not.toBe(secret);
  });

  it('SCRAM-SHA-256 verifier follows RFC 5802 (StoredKey = H(HMAC(SaltedPassword, "Client Key")))', () => {
    const salt = Buffer.from('0123456789abcdef');
    const v = scramVerifier('pencil', { salt, iterations: 4096 });
    const salted = pbkdf2Sync('pencil', salt, 4096, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    expect(v.storedKey).toBe(createHash('sha256').update(clientKey).digest('base64'));
    expect(v.serverKey).toBe(createHmac('sha256', salted).update('Server Key').digest('base64'));
    expect(v).toMatchObject({ salt: salt.toString('base64'), iterations: 4096 });
  });

  it('authenticates a bearer header and refuses missing, malformed, wrong, expired and revoked tokens', async () => {
    let now = 1_000_000;
    const tokens = new TokenStore({ store: new MemoryObjectStore(), refreshMs: 0, clock: () => now });
    const { secret } = await tokens.create({ name: 'reader', buckets: ['b1', 'b2'], scope: 'read' });
    const expiring = await tokens.create({ name: 'short', buckets: '*', scope: 'admin', expiresAt: now + 1000 });
    expect(await tokens.authenticateBearer(`Bearer ${secret}`)).toEqual({ name: 'reader', buckets: ['b1', 'b2'], scope: 'read' });
    expect(await tokens.authenticateBearer(`bearer  ${secret}`)).toMatchObject({ name: 'reader' });
    for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', `Bearer`, `Bearer ${secret}x`, `Bearer ${secret.slice(0, -1)}`, `Bearer ${'a'.repeat(5000)}`, `Token ${secret}`]) {
      expect(await codeOf(tokens.authenticateBearer(header)), String(header).slice(0, 40)).toBe('ERR_UNAUTHENTICATED');
    }
    expect(await tokens.authenticateBearer(`Bearer ${expiring.secret}`)).toMatchObject({ name: 'short', scope: 'admin', buckets: '*' });
    now += 1000;
    expect(await codeOf(tokens.authenticateBearer(`Bearer ${expiring.secret}`))).toBe('ERR_UNAUTHENTICATED');
    await tokens.revoke('reader');
    expect(await codeOf(tokens.authenticateBearer(`Bearer ${secret}`))).toBe('ERR_UNAUTHENTICATED');
    expect(await codeOf(tokens.revoke('reader'))).toBe('ERR_TOKEN_NOT_FOUND');
  });

  it('names are unique and validated; list never shows secrets or digests', async () => {
    const tokens = new TokenStore({ store: new MemoryObjectStore() });
    await tokens.create({ name: 'a', buckets: ['x1b'], scope: 'read', expiresAt: 5 });
    await tokens.create({ name: 'b', buckets: '*', scope: 'admin' });
    expect(await codeOf(tokens.create({ name: 'a', buckets: '*', scope: 'admin' }))).toBe('ERR_TOKEN_EXISTS');
    for (const name of ['', '../x', 'a/b', 'a\u0000', 'é', 'x'.repeat(65), '.hidden']) {
      expect(await codeOf(tokens.create({ name, buckets: '*', scope: 'read' })), name).toBe('ERR_INVALID_NAME');
    }
    expect(await codeOf(tokens.create({ name: 'none', buckets: [], scope: 'read' }))).toBe('ERR_BAD_REQUEST');
    const list = await tokens.list();
    expect(list.map((t) => t.name)).toEqual(['a', 'b']);
    expect(list[0]).toMatchObject({ name: 'a', buckets: ['x1b'], scope: 'read', expiresAt: 5 });
    expect(JSON.stringify(list)).not.toMatch(/sha256|scram|storedKey/);
  });

  it('a second TokenStore on the same store sees a revocation once its snapshot is older than refreshMs', async () => {
    const store = new MemoryObjectStore();
    let now = 0;
    const a = new TokenStore({ store, refreshMs: 2000, clock: () => now });
    const b = new TokenStore({ store, refreshMs: 2000, clock: () => now });
    const { secret } = await a.create({ name: 'w', buckets: ['b1'], scope: 'write' });
    expect((await b.authenticateBearer(`Bearer ${secret}`)).name).toBe('w');
    await a.revoke('w');
    now += 1999;
    expect((await b.authenticateBearer(`Bearer ${secret}`)).name).toBe('w');
    now += 1;
    expect(await codeOf(b.authenticateBearer(`Bearer ${secret}`))).toBe('ERR_UNAUTHENTICATED');
    expect(await b.byName('w')).toBeUndefined();
  });

  it('a remembered digest never outlives its record: re-issued secret, expiry, revocation (wip/write4)', async () => {
    const store = new MemoryObjectStore();
    let now = 0;
    const a = new TokenStore({ store, refreshMs: 2000, clock: () => now });
    const b = new TokenStore({ store, refreshMs: 2000, clock: () => now });
    const first = await a.create({ name: 'r', buckets: ['b1'], scope: 'read', idempotencyKey: 'mint-r' });
    const soon = await a.create({ name: 'e', buckets: ['b1'], scope: 'read', expiresAt: 500 });
    // Verified (and remembered) on b, twice each.
    for (let i = 0; i < 2; i++) {
      expect((await b.authenticateBearer(`Bearer ${first.secret}`)).name).toBe('r');
      expect((await b.authenticateBearer(`Bearer ${soon.secret}`)).name).toBe('e');
    }
    // The same create retried re-issues the secret: the record is rewritten under the same name.
    const again = await a.create({ name: 'r', buckets: ['b1'], scope: 'read', idempotencyKey: 'mint-r' });
    expect(again.secret).not.toBe(first.secret);
    now += 499;
    expect((await b.authenticateBearer(`Bearer ${first.secret}`)).name).toBe('r'); // within refreshMs, as before
    now += 1;
    expect(await codeOf(b.authenticateBearer(`Bearer ${soon.secret}`))).toBe('ERR_UNAUTHENTICATED'); // expired
    now += 1500;
    expect(await codeOf(b.authenticateBearer(`Bearer ${first.secret}`))).toBe('ERR_UNAUTHENTICATED');
    expect((await b.authenticateBearer(`Bearer ${again.secret}`)).name).toBe('r');
    // An unchanged record stays verified across reloads; its revocation still ends it.
    now += 2000;
    expect((await b.authenticateBearer(`Bearer ${again.secret}`)).name).toBe('r');
    await a.revoke('r');
    now += 2000;
    expect(await codeOf(b.authenticateBearer(`Bearer ${again.secret}`))).toBe('ERR_UNAUTHENTICATED');
  });

  it('byName returns the record with its SCRAM verifier (the Postgres wire)', async () => {
    const tokens = new TokenStore({ store: new MemoryObjectStore(), refreshMs: 0 });
    const { secret } = await tokens.create({ name: 'pg', buckets: ['b1'], scope: 'read' });
    const record = await tokens.byName('pg');
    const salted = pbkdf2Sync(secret, Buffer.from(record!.scram.salt, 'base64'), record!.scram.iterations, 32, 'sha256');
    expect(createHmac('sha256', salted).update('Server Key').digest('base64')).toBe(record!.scram.serverKey);
    expect(await tokens.byName('../pg')).toBeUndefined();
  });
});

describe('authorize', () => {
  const p = (scope: Principal['scope'], buckets: Principal['buckets'] = ['b1']): Principal => ({ name: 't', buckets, scope });
  it('checks the bucket, then the scope: read < write < admin', async () => {
    expect(await codeOf(() => authorize(p('admin'), 'b2', 'select'))).toBe('ERR_FORBIDDEN');
    expect(await codeOf(() => authorize(p('read', '*'), 'any', 'select'))).toBeUndefined();
    for (const action of ['select', 'query', 'describe', 'list', 'history'] as const) expect(await codeOf(() => authorize(p('read'), 'b1', action))).toBeUndefined();
    for (const action of ['dml', 'typed-write', 'compact'] as const) {
      expect(await codeOf(() => authorize(p('read'), 'b1', action))).toBe('ERR_FORBIDDEN');
      expect(await codeOf(() => authorize(p('write'), 'b1', action))).toBeUndefined();
    }
    for (const action of ['ddl', 'optimize', 'vacuum', 'restore', 'engine', 'tokens'] as const) {
      expect(await codeOf(() => authorize(p('write'), 'b1', action))).toBe('ERR_FORBIDDEN');
      expect(await codeOf(() => authorize(p('admin'), 'b1', action))).toBeUndefined();
    }
  });
});

describe('openTokenStore', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  it('keeps the records in the auth bucket of the data directory', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'k3-auth-'));
    dirs.push(dataDir);
    const config = loadConfig({ K3_DATA_DIR: dataDir });
    const tokens = await openTokenStore(config, createBucketStoreFactory(config));
    await tokens.create({ name: 'admin', buckets: '*', scope: 'admin' });
    expect(await readdir(path.join(dataDir, 'k3-system', 'auth', 'tokens'))).toEqual(['admin.json']);
    expect(JSON.parse(await readFile(path.join(dataDir, 'k3-system', 'auth', 'tokens', 'admin.json'), 'utf8'))).toMatchObject({ name: 'admin', scope: 'admin', buckets: '*' });
  });
});

/**
 * Auth end to end on the real server process (REST): the matrix {no token, malformed, wrong
 * secret, expired, revoked, other bucket's, read, write, admin} × every REST route, refused
 * writes leaving the table unchanged; revocation reaching a second coordinator process on the
 * same store within 5 s; History naming the principal of each write; K3_AUTH=off refused off
 * loopback. Tokens are minted in the server's own token store (the auth bucket in its data dir).
 */
import { randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@k3/core';
import { openTokenStore, type Scope, type TokenStore } from '@k3/core/auth';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { REPO_ROOT, execute, startServer, type StartedServer } from '../support/server.ts';
import { ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { TableService } from '@k3/client';
import { connectJsonCaller, freePort, grpcCaller, grpcWebCaller, type Caller } from '../contract/wire-clients.ts';

const B = 'authz';
let server: StartedServer;
let grpcPort: number;
let tokens: TokenStore;
const secrets: Record<string, string> = {};

async function mint(name: string, scope: Scope, buckets: string[] | '*', expiresAt?: number): Promise<string> {
  return (await tokens.create({ name, scope, buckets, ...(expiresAt !== undefined ? { expiresAt } : {}) })).secret;
}

beforeAll(async () => {
  grpcPort = await freePort();
  server = await startServer({ K3_AUTH_REFRESH: '500ms', K3_LOG_LEVEL: 'info', K3_GRPC_PORT: String(grpcPort) });
  const config = loadConfig({ K3_DATA_DIR: server.dataDir });
  tokens = await openTokenStore(config, createBucketStoreFactory(config));
  secrets['read'] = await mint('reader', 'read', [B]);
  secrets['write'] = await mint('writer', 'write', [B, 'spare']);
  secrets['admin'] = await mint('owner', 'admin', [B]);
  secrets['other'] = await mint('other-bucket', 'admin', ['elsewhere']);
  secrets['expired'] = await mint('expired', 'admin', '*', Date.now() - 1);
  secrets['revoked'] = await mint('revoked', 'admin', '*');
  await tokens.revoke('revoked');
  expect((await execute(server.url, B, 'CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR)')).status).toBe(200);
  expect((await execute(server.url, B, "INSERT INTO t VALUES (1, 'a')")).status).toBe(200);
  // wip/cdf: a feed-enabled table for the Changes rows of the matrix
  expect((await execute(server.url, B, "CREATE TABLE feed (id INTEGER, v VARCHAR) WITH ('delta.enableChangeDataFeed' = true)")).status).toBe(200);
  expect((await execute(server.url, B, "INSERT INTO feed VALUES (1, 'a')")).status).toBe(200);
}, 60_000);

afterAll(async () => server?.stop());

/** `admin` is an admin of bucket B only; `root` the server's first admin token (all buckets). */
type Cred = 'none' | 'malformed' | 'wrong' | 'expired' | 'revoked' | 'other' | 'read' | 'write' | 'admin' | 'root';
const CREDS: Cred[] = ['none', 'malformed', 'wrong', 'expired', 'revoked', 'other', 'read', 'write', 'admin', 'root'];

function header(cred: Cred): Record<string, string> {
  switch (cred) {
    case 'none':
      return {};
    case 'malformed':
      return { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` };
    case 'wrong':
      return { authorization: `Bearer k3_${randomBytes(32).toString('base64url')}` };
    case 'root':
      return { authorization: `Bearer ${server.token}` };
    default:
      return { authorization: `Bearer ${secrets[cred]}` };
  }
}

interface Route {
  name: string;
  scope: Scope;
  /** Changes the table (a refused call must leave its version unchanged). */
  writes: boolean;
  /** Token management: needs an admin token for all buckets; a refused call must leave the tokens unchanged. */
  tokens?: boolean;
  /** Runs before the call (a token for RevokeToken to revoke). */
  before?: (n: number) => Promise<unknown>;
  call: (h: Record<string, string>, n: number) => Promise<Response>;
}

const json = (method: string, url: string, h: Record<string, string>, body: unknown): Promise<Response> =>
  fetch(url, { method, headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const sql = (h: Record<string, string>, text: string): Promise<Response> => json('POST', `${server.url}/${B}/tables/_execute`, h, { sql: text });

const ROUTES: Route[] = [
  { name: 'List', scope: 'read', writes: false, call: (h) => fetch(`${server.url}/${B}/tables`, { headers: h }) },
  { name: 'Describe', scope: 'read', writes: false, call: (h) => fetch(`${server.url}/${B}/tables/t`, { headers: h }) },
  { name: 'History', scope: 'read', writes: false, call: (h) => fetch(`${server.url}/${B}/tables/t/history?limit=1`, { headers: h }) },
  { name: 'Changes', scope: 'read', writes: false, call: (h) => fetch(`${server.url}/${B}/tables/feed/changes?from=0`, { headers: h }) }, // wip/cdf
  { name: 'Diff', scope: 'read', writes: false, call: (h) => fetch(`${server.url}/${B}/tables/t/diff?version=0`, { headers: h }) }, // wip/cdf
  { name: 'Execute SELECT', scope: 'read', writes: false, call: (h) => sql(h, 'SELECT count(*) FROM t') },
  { name: 'Execute SHOW TABLES', scope: 'read', writes: false, call: (h) => sql(h, 'SHOW TABLES') },
  { name: 'Execute DESCRIBE HISTORY', scope: 'read', writes: false, call: (h) => sql(h, 'DESCRIBE HISTORY t LIMIT 1') },
  { name: 'Execute INSERT', scope: 'write', writes: true, call: (h, n) => sql(h, `INSERT INTO t VALUES (${100 + n}, 'x')`) },
  { name: 'Execute UPDATE', scope: 'write', writes: true, call: (h) => sql(h, "UPDATE t SET v = 'u' WHERE id = 1") },
  { name: 'Compact', scope: 'write', writes: false, call: (h) => json('POST', `${server.url}/${B}/tables/t/_compact`, h, {}) },
  { name: 'Execute CREATE TABLE', scope: 'admin', writes: false, call: (h, n) => sql(h, `CREATE TABLE c${n} (a INTEGER)`) },
  { name: 'Execute ALTER TABLE', scope: 'admin', writes: true, call: (h, n) => sql(h, `ALTER TABLE t ADD COLUMN IF NOT EXISTS extra${n} INTEGER`) },
  { name: 'CreateTable', scope: 'admin', writes: false, call: (h, n) => json('POST', `${server.url}/${B}/tables`, h, { name: `r${n}`, columns: [{ name: 'a', type: 'COLUMN_TYPE_INT' }] }) },
  { name: 'Optimize', scope: 'admin', writes: true, call: (h) => json('POST', `${server.url}/${B}/tables/t/optimize`, h, {}) },
  { name: 'Vacuum', scope: 'admin', writes: false, call: (h) => json('POST', `${server.url}/${B}/tables/t/vacuum`, h, { dryRun: true }) },
  { name: 'Restore', scope: 'admin', writes: true, call: (h) => json('POST', `${server.url}/${B}/tables/t/restore`, h, { version: '1' }) },
  { name: 'Execute OPTIMIZE', scope: 'admin', writes: true, call: (h) => sql(h, 'OPTIMIZE t') },
  { name: 'CreateToken', scope: 'admin', writes: false, tokens: true, call: (h, n) => json('POST', `${server.url}/_auth/tokens`, h, { name: `made-${n}`, buckets: [B], scope: 'read' }) },
  { name: 'ListTokens', scope: 'admin', writes: false, tokens: true, call: (h) => fetch(`${server.url}/_auth/tokens`, { headers: h }) },
  {
    name: 'RevokeToken', scope: 'admin', writes: false, tokens: true,
    before: (n) => mint(`victim-${n}`, 'read', [B]),
    call: (h, n) => fetch(`${server.url}/_auth/tokens/victim-${n}`, { method: 'DELETE', headers: h }),
  },
];

const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2 };

function expected(cred: Cred, route: Pick<Route, 'scope' | 'tokens'>): number {
  if (['none', 'malformed', 'wrong', 'expired', 'revoked'].includes(cred)) return 401;
  if (cred === 'root') return 200;
  if (cred === 'other' || route.tokens === true) return 403;
  return RANK[cred as Scope] >= RANK[route.scope] ? 200 : 403;
}

async function tokenNames(): Promise<string[]> {
  return (await tokens.list()).map((t) => t.name);
}

async function tableVersion(): Promise<string> {
  const res = await fetch(`${server.url}/${B}/tables/t`, { headers: header('admin') });
  return ((await res.json()) as { deltaVersion: string }).deltaVersion;
}

describe('auth matrix (REST)', () => {
  let n = 0;
  for (const route of ROUTES) {
    it(`${route.name}: every credential answers as specified`, async () => {
      for (const cred of CREDS) {
        n++;
        const before = await tableVersion();
        await route.before?.(n);
        const tokensBefore = route.tokens === true ? await tokenNames() : [];
        const res = await route.call(header(cred), n);
        const body = (await res.json()) as { code?: string; message?: string };
        const want = expected(cred, route);
        const got = want === 200 ? (res.status === 201 ? 200 : res.status) : res.status;
        expect(got, `${route.name} as ${cred}: ${JSON.stringify(body)}`).toBe(want);
        if (want === 401) {
          expect(body.code).toBe('ERR_UNAUTHENTICATED');
          expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        }
        if (want === 403) expect(body.code).toBe('ERR_FORBIDDEN');
        if (want !== 200) {
          // Nothing about the bucket's tables leaks into a refusal, and a refused write changed nothing.
          expect(body.message, `${route.name} as ${cred}`).not.toMatch(new RegExp(`"t"|\\bt\\b|\\bc${n}\\b|extra${n}|\\br${n}\\b`));
          if (route.writes) expect(await tableVersion(), `${route.name} as ${cred} changed the table`).toBe(before);
          if (route.tokens === true) expect(await tokenNames(), `${route.name} as ${cred} changed the tokens`).toEqual(tokensBefore);
        }
      }
    }, 120_000);
  }

  it('a refused caller learns nothing about which buckets exist: existing and missing buckets answer alike', async () => {
    for (const cred of ['none', 'other', 'read'] as const) {
      const existing = await fetch(`${server.url}/${B}/tables/nope`, { method: 'GET', headers: cred === 'read' ? header('other') : header(cred) });
      const missing = await fetch(`${server.url}/no-such-bucket-xyz/tables/nope`, { headers: cred === 'read' ? header('other') : header(cred) });
      expect(existing.status).toBe(missing.status);
      const [a, b] = [(await existing.json()) as { code: string; message: string }, (await missing.json()) as { code: string; message: string }];
      expect(a.code).toBe(b.code);
      expect(a.message.replace(B, 'X')).toBe(b.message.replace('no-such-bucket-xyz', 'X'));
    }
  });

  it('healthz and readyz are open; metrics is open by default; unknown routes need a token', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${server.url}/nothing/here/at/all`)).status).toBe(401);
    expect((await fetch(`${server.url}/nothing/here/at/all`, { headers: header('read') })).status).toBe(404);
  });

  it('the auth bucket is reserved, even for an all-buckets admin token', async () => {
    const res = await fetch(`${server.url}/k3-system/tables`, { headers: { authorization: `Bearer ${server.token}` } });
    expect(res.status).toBe(403);
  });
});

describe('identity in the data', () => {
  it('History of a table written by two principals shows both names', async () => {
    const a = await mint('alice', 'admin', [B]);
    const b = await mint('bob', 'write', [B]);
    // New tokens reach the server within K3_AUTH_REFRESH (500 ms here): wait until both are known.
    for (const t of [a, b]) await expect.poll(async () => (await fetch(`${server.url}/${B}/tables`, { headers: { authorization: `Bearer ${t}` } })).status, { timeout: 5_000 }).not.toBe(401);
    expect((await sql({ authorization: `Bearer ${a}` }, 'CREATE TABLE hist (id BIGINT, v VARCHAR)')).status).toBe(200);
    expect((await sql({ authorization: `Bearer ${a}` }, "INSERT INTO hist VALUES (1, 'a')")).status).toBe(200);
    expect((await sql({ authorization: `Bearer ${b}` }, "INSERT INTO hist VALUES (2, 'b')")).status).toBe(200);
    expect((await sql({ authorization: `Bearer ${b}` }, "DELETE FROM hist WHERE v = 'a'")).status).toBe(200);
    const res = await fetch(`${server.url}/${B}/tables/hist/history`, { headers: header('read') });
    const { entries } = (await res.json()) as { entries: Array<{ version: string; operation: string; userName?: string }> };
    expect(entries.map((e) => [e.version, e.operation, e.userName])).toEqual([
      ['3', 'DELETE', 'bob'],
      ['2', 'WRITE', 'bob'],
      ['1', 'WRITE', 'alice'],
      ['0', 'CREATE TABLE', 'alice'],
    ]);
    // Maintenance commits name themselves: OPTIMIZE of two small files.
    expect((await sql({ authorization: `Bearer ${b}` }, "INSERT INTO hist VALUES (3, 'c')")).status).toBe(200);
    const opt = await json('POST', `${server.url}/${B}/tables/hist/optimize`, { authorization: `Bearer ${a}` }, {});
    const optimized = (await opt.json()) as { version: string; filesRemoved: string };
    expect(opt.status, JSON.stringify(optimized)).toBe(200);
    expect(Number(optimized.filesRemoved)).toBeGreaterThan(1);
    const after = (await (await fetch(`${server.url}/${B}/tables/hist/history?limit=1`, { headers: header('read') })).json()) as { entries: Array<{ version: string; operation: string; userName?: string }> };
    expect(after.entries[0]).toMatchObject({ version: optimized.version, operation: 'OPTIMIZE', userName: 'system' });
  });
});

describe('auth matrix (Connect, gRPC-Web, native gRPC): the same interceptor answers every wire', () => {
  interface Rpc {
    rpc: string;
    scope: Scope;
    writes: boolean;
    tokens?: boolean;
    /** Runs before the call (a token for RevokeToken to revoke). */
    before?: (n: number) => Promise<unknown>;
    request: (n: number) => Record<string, unknown>;
  }
  const RPCS: Rpc[] = [
    { rpc: 'ListTables', scope: 'read', writes: false, request: () => ({ bucket: B }) },
    { rpc: 'DescribeTable', scope: 'read', writes: false, request: () => ({ bucket: B, tableName: 't' }) },
    { rpc: 'Execute', scope: 'read', writes: false, request: () => ({ bucket: B, sql: 'SELECT count(*) FROM t' }) },
    { rpc: 'Query', scope: 'read', writes: false, request: () => ({ bucket: B, tableName: 't', limit: 1 }) },
    { rpc: 'History', scope: 'read', writes: false, request: () => ({ bucket: B, tableName: 't', limit: 1 }) },
    { rpc: 'Changes', scope: 'read', writes: false, request: () => ({ bucket: B, tableName: 'feed', fromVersion: 0 }) }, // wip/cdf
    { rpc: 'Diff', scope: 'read', writes: false, request: () => ({ bucket: B, tableName: 't', version: 0 }) }, // wip/cdf
    { rpc: 'Insert', scope: 'write', writes: true, request: (n) => ({ bucket: B, tableName: 't', rows: [{ id: 5000 + n, v: 'typed' }] }) },
    { rpc: 'DeleteRows', scope: 'write', writes: true, request: () => ({ bucket: B, tableName: 't', where: { column: 'id', op: 'EQ', value: -1 } }) },
    { rpc: 'Compact', scope: 'write', writes: false, request: () => ({ bucket: B, tableName: 't' }) },
    { rpc: 'CreateTable', scope: 'admin', writes: false, request: (n) => ({ bucket: B, name: `g${n}`, columns: [{ name: 'a', type: 'COLUMN_TYPE_INT' }] }) },
    { rpc: 'Optimize', scope: 'admin', writes: true, request: () => ({ bucket: B, tableName: 't' }) },
    { rpc: 'Vacuum', scope: 'admin', writes: false, request: () => ({ bucket: B, tableName: 't', dryRun: true }) },
    { rpc: 'CreateToken', scope: 'admin', writes: false, tokens: true, request: (n) => ({ name: `made-${n}`, buckets: [B], scope: 'read' }) },
    { rpc: 'ListTokens', scope: 'admin', writes: false, tokens: true, request: () => ({}) },
    { rpc: 'RevokeToken', scope: 'admin', writes: false, tokens: true, before: (n) => mint(`victim-${n}`, 'read', [B]), request: (n) => ({ name: `victim-${n}` }) },
  ];
  const wireCallers = (): Record<string, Caller> => ({
    'connect-json': connectJsonCaller(server.url),
    'grpc-web': grpcWebCaller(server.url),
    grpc: grpcCaller(`http://127.0.0.1:${grpcPort}`),
  });
  let n = 1000;
  for (const wire of ['connect-json', 'grpc-web', 'grpc']) {
    it(`${wire}: every credential × every RPC answers as specified; refused writes change nothing`, async () => {
      const call = wireCallers()[wire]!;
      for (const r of RPCS) {
        for (const cred of CREDS) {
          n++;
          const before = await tableVersion();
          await r.before?.(n);
          const tokensBefore = r.tokens === true ? await tokenNames() : [];
          const out = await call(r.rpc, r.request(n), header(cred));
          const want = expected(cred, r);
          const label = `${wire} ${r.rpc} as ${cred}: ${JSON.stringify(out).slice(0, 300)}`;
          if (want === 200) expect(out.error, label).toBeUndefined();
          else expect(out.error?.code, label).toBe(want === 401 ? 'ERR_UNAUTHENTICATED' : 'ERR_FORBIDDEN');
          if (want !== 200 && r.writes) expect(await tableVersion(), label).toBe(before);
          if (want !== 200 && r.tokens === true) expect(await tokenNames(), label).toEqual(tokensBefore);
        }
      }
    }, 300_000);
  }

  it('native gRPC status codes: UNAUTHENTICATED (16) without a token, PERMISSION_DENIED (7) for another bucket', async () => {
    const client = createClient(TableService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}` }));
    const codeOf = async (headers: Record<string, string>): Promise<number | undefined> => {
      try {
        await client.listTables({ bucket: B }, { headers });
        return undefined;
      } catch (e) {
        return ConnectError.from(e).code;
      }
    };
    expect(await codeOf({})).toBe(16);
    expect(await codeOf(header('other'))).toBe(7);
    expect(await codeOf(header('read'))).toBeUndefined();
  });
});

describe('audit line', () => {
  it('one line per request with principal, bucket, table, statement hash, strategy, rows, code, ms — never SQL literals or the token', async () => {
    const res = await sql(header('write'), "INSERT INTO t VALUES (777, 'literal-never-logged')");
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id')!;
    await new Promise((r) => setTimeout(r, 200));
    const lines = server.output().stderr.split('\n').filter((l) => l.includes(requestId));
    const audit = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'rpc finished');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ principal: 'writer', bucket: B, table: 't', strategy: expect.stringMatching(/^WRITE_STRATEGY_/), rows: '1', code: 'OK' });
    expect(audit[0]!['sqlHash']).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof audit[0]!['ms']).toBe('number');
    const all = server.output().stderr;
    expect(all).not.toContain('literal-never-logged');
    for (const secret of Object.values(secrets)) expect(all).not.toContain(secret);
  });
});

/** Polls `url` with headers `h` until it answers 401 (at most 10 s); the ms that took. */
async function msUntilRefused(url: string, h: Record<string, string>): Promise<number> {
  const since = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - since < 10_000) {
    status = (await fetch(url, { headers: h })).status;
    if (status === 200) await new Promise((r) => setTimeout(r, 100));
  }
  expect(status).toBe(401);
  return Date.now() - since;
}

describe('revocation across coordinators', () => {
  it('a token revoked in the shared store stops working on a second coordinator process within 5 s', async () => {
    const second = await startServer({ K3_AUTH_REFRESH: '2s' }, { dataDir: server.dataDir });
    try {
      const secret = await mint('short-lived', 'read', [B]);
      const h = { authorization: `Bearer ${secret}` };
      expect((await fetch(`${second.url}/${B}/tables`, { headers: h })).status).toBe(200);
      await tokens.revoke('short-lived');
      expect(await msUntilRefused(`${second.url}/${B}/tables`, h)).toBeLessThan(5_000);
    } finally {
      await second.stop({ keepData: true });
    }
  }, 60_000);
});

describe('token RPCs across coordinators', () => {
  it('a token minted with CreateToken (native gRPC) on one coordinator works on a second at once; RevokeToken stops it there within 5 s', async () => {
    const second = await startServer({ K3_AUTH_REFRESH: '2s' }, { dataDir: server.dataDir });
    try {
      const rpc = createClient(TableService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}` }));
      const root = { headers: { authorization: `Bearer ${server.token}` } };
      const made = await rpc.createToken({ name: 'remote-reader', buckets: [B], scope: 'read' }, root);
      expect(made.token).toMatch(/^k3_[A-Za-z0-9_-]{43}$/);
      expect(made.info).toMatchObject({ name: 'remote-reader', buckets: [B], allBuckets: false, scope: 'read' });
      // Listed without its secret.
      const listed = await rpc.listTokens({}, root);
      expect(listed.tokens.map((x) => x.name)).toContain('remote-reader');
      expect(JSON.stringify(listed, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(made.token);
      const h = { authorization: `Bearer ${made.token}` };
      expect((await fetch(`${second.url}/${B}/tables`, { headers: h })).status).toBe(200);
      expect((await fetch(`${second.url}/${B}/tables/_execute`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ sql: "INSERT INTO t VALUES (9, 'no')" }) })).status).toBe(403);
      await rpc.revokeToken({ name: 'remote-reader' }, root);
      expect(await msUntilRefused(`${second.url}/${B}/tables`, h)).toBeLessThan(5_000);
      await expect(rpc.revokeToken({ name: 'remote-reader' }, root)).rejects.toMatchObject({ code: 5 });
    } finally {
      await second.stop({ keepData: true });
    }
  }, 60_000);
});

describe('K3_AUTH=off', () => {
  it('refuses to start on a non-loopback address, with a message saying what to do', async () => {
    const child = spawn(process.execPath, [path.join('services', 'coordinator', 'src', 'main.ts')], {
      cwd: REPO_ROOT, env: { ...process.env, K3_AUTH: 'off', K3_HOST: '0.0.0.0', K3_PORT: '0', K3_DATA_DIR: server.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toMatch(/ERR_CONFIG_INVALID: K3_AUTH=off is only allowed on a loopback address/);
  }, 30_000);

  it('on loopback it serves without a token (and says so in the banner)', async () => {
    const open = await startServer({ K3_AUTH: 'off' });
    try {
      expect(open.token).toBeUndefined();
      expect(open.output().stdout).toMatch(/^auth: OFF/m);
      const res = await fetch(`${open.url}/anybucket/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'CREATE TABLE x (a INTEGER)' }) });
      expect(res.status).toBe(200);
      const history = (await (await fetch(`${open.url}/anybucket/tables/x/history`)).json()) as { entries: Array<{ userName?: string }> };
      expect(history.entries[0]?.userName).toBe('anonymous');
    } finally {
      await open.stop();
    }
  }, 60_000);
});

describe('TLS', () => {
  it('with K3_TLS_CERT / K3_TLS_KEY the HTTP listener serves HTTPS and native gRPC serves TLS; auth applies as over cleartext (here with /metrics closed)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'k3-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const tlsGrpcPort = await freePort();
    const tls = await startServer({ K3_TLS_CERT: cert, K3_TLS_KEY: key, K3_AUTH_METRICS_OPEN: 'false', K3_GRPC_PORT: String(tlsGrpcPort) });
    const get = (url: string, headers: Record<string, string> = {}): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpsRequest(url, { ca: readFileSync(cert), headers }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await get(`${tls.url}/healthz`)).toBe(200);
      expect(await get(`${tls.url}/demo/tables`)).toBe(401);
      expect(await get(`${tls.url}/demo/tables`, { authorization: `Bearer ${tls.token}` })).toBe(404);
      // K3_AUTH_METRICS_OPEN=false: /metrics needs an admin token.
      expect(await get(`${tls.url}/metrics`)).toBe(401);
      expect(await get(`${tls.url}/metrics`, { authorization: `Bearer ${tls.token}` })).toBe(200);
      // Native gRPC serves TLS with the same certificate and key; auth applies there too.
      expect(tls.output().stdout).toContain(`gRPC (TLS, reflection) on 127.0.0.1:${tlsGrpcPort}`);
      const grpcTls = createClient(TableService, createGrpcTransport({ baseUrl: `https://127.0.0.1:${tlsGrpcPort}`, nodeOptions: { ca: readFileSync(cert) } }));
      // Authenticated: the call reaches the handler (no such bucket yet: NOT_FOUND, as /demo/tables answers 404 above).
      await expect(grpcTls.listTables({ bucket: 'demo' }, { headers: { authorization: `Bearer ${tls.token}` } })).rejects.toMatchObject({ code: 5 });
      await expect(grpcTls.listTables({ bucket: 'demo' })).rejects.toMatchObject({ code: 16 });
    } finally {
      await tls.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

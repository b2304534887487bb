/**
 * `k3 token create | list | revoke` on a data directory, spawned as the real bin (exit codes,
 * stdout), and the records they leave in the auth bucket: hashes and verifiers, never the secret.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@k3/core';
import { openTokenStore } from '@k3/core/auth';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { startServer, type StartedServer } from '../../../test/support/server.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(REPO, 'packages/cli/bin/k3.js');
const run = promisify(execFile);
let dataDir: string;

async function k3(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'token', ...args], { env: { ...process.env, K3_DATA_DIR: dataDir, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'k3-token-cli-'));
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

describe('k3 token', () => {
  it('create prints the secret once (-o json → {"token"}), stores only its hash, and the store authenticates it', async () => {
    const r = await k3(['create', '--name', 'etl', '--bucket', 'sales', '--bucket', 'ops', '--scope', 'write', '--expires', '30d', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const { token } = JSON.parse(r.stdout) as { token: string };
    expect(token).toMatch(/^k3_[A-Za-z0-9_-]{43}$/);
    const dir = path.join(dataDir, 'k3-system', 'auth', 'tokens');
    expect(await readdir(dir)).toEqual(['etl.json']);
    expect(await readFile(path.join(dir, 'etl.json'), 'utf8')).not.toContain(token.slice(3));
    const config = loadConfig({ K3_DATA_DIR: dataDir });
    const store = await openTokenStore(config, createBucketStoreFactory(config));
    const principal = await store.authenticateBearer(`Bearer ${token}`);
    expect(principal).toMatchObject({ name: 'etl', buckets: ['ops', 'sales'], scope: 'write' });
    expect(principal.expiresAt! - Date.now()).toBeGreaterThan(29 * 86_400_000);
  });

  it('text output: the secret on the first line, then what it allows', async () => {
    const r = await k3(['create', '--name', 'root', '--all-buckets', '--scope', 'admin']);
    expect(r.code, r.stderr).toBe(0);
    const [secret, note] = r.stdout.split('\n');
    expect(secret).toMatch(/^k3_/);
    expect(note).toContain('scope admin on all buckets');
  });

  it('list shows names, scopes and buckets but never a secret or digest', async () => {
    const r = await k3(['list', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const { tokens } = JSON.parse(r.stdout) as { tokens: Array<Record<string, unknown>> };
    expect(tokens.map((t) => [t['name'], t['scope'], t['buckets']])).toEqual([['etl', 'write', ['ops', 'sales']], ['root', 'admin', '*']]);
    expect(r.stdout).not.toMatch(/k3_|sha256|storedKey/);
    const text = await k3(['list']);
    expect(text.stdout).toMatch(/^etl +\| write +\| ops,sales/m);
  });

  it('revoke removes the token; a second revoke and a duplicate name are refused with exit 2', async () => {
    expect((await k3(['revoke', 'etl'])).code).toBe(0);
    const again = await k3(['revoke', 'etl']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^ERR_TOKEN_NOT_FOUND/);
    const dup = await k3(['create', '--name', 'root', '--all-buckets', '--scope', 'read']);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/^ERR_TOKEN_EXISTS/);
  });

  it('usage errors exit 64', async () => {
    for (const args of [['create', '--name', 'x', '--scope', 'owner', '--all-buckets'], ['create', '--name', 'x', '--scope', 'read'], ['create', '--name', 'x', '--scope', 'read', '--all-buckets', '--bucket', 'b'], ['create', '--name', 'x', '--scope', 'read', '--all-buckets', '--expires', 'soon'], ['frobnicate']]) {
      expect((await k3(args)).code, args.join(' ')).toBe(64);
    }
  });
});

describe('k3 token --server URL / --remote (the server\'s token RPCs)', () => {
  let server: StartedServer;
  beforeAll(async () => {
    server = await startServer();
  }, 60_000);
  afterAll(async () => server?.stop());

  it('create, list and revoke through a running server; an all-buckets admin token is needed', async () => {
    const remote = ['--server', server.url, '--token', server.token!];
    const made = await k3(['create', '--name', 'remote-etl', '--bucket', 'sales', '--scope', 'write', '-o', 'json', ...remote]);
    expect(made.code, made.stderr).toBe(0);
    const { token } = JSON.parse(made.stdout) as { token: string };
    expect(token).toMatch(/^k3_[A-Za-z0-9_-]{43}$/);
    // The server's store holds it (not the CLI's K3_DATA_DIR), and the secret works against the server.
    expect((await fetch(`${server.url}/sales/tables/_execute`, { method: 'POST', headers: { authorization: `Bearer ${server.token!}`, 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'CREATE TABLE s (a INTEGER)' }) })).status).toBe(200);
    expect((await fetch(`${server.url}/sales/tables/_execute`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT 1' }) })).status).toBe(200);
    const listed = await k3(['list', '-o', 'json', ...remote]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain(token);
    expect((JSON.parse(listed.stdout) as { tokens: Array<{ name: string; buckets: unknown; scope: string }> }).tokens.map((t) => [t.name, t.buckets, t.scope])).toEqual([['admin', '*', 'admin'], ['remote-etl', ['sales'], 'write']]);
    // --remote takes the URL and token from K3_URL / K3_TOKEN (or the login profile).
    const text = await k3(['list', '--remote'], { K3_URL: server.url, K3_TOKEN: server.token! });
    expect(text.stdout).toMatch(/remote-etl\s*\|\s*write\s*\|\s*sales/);
    // The new write token cannot manage tokens; without a token the server refuses.
    const refused = await k3(['revoke', 'remote-etl', '--server', server.url, '--token', token]);
    expect([refused.code, refused.stderr], `refused: ${refused.stdout}`).toEqual([2, expect.stringMatching(/^ERR_FORBIDDEN: /)]);
    const anonymous = await k3(['list', '--server', server.url], { K3_TOKEN: '', XDG_CONFIG_HOME: dataDir });
    expect([anonymous.code, anonymous.stderr], `anonymous: ${anonymous.stdout}`).toEqual([2, expect.stringMatching(/^ERR_UNAUTHENTICATED: /)]);
    const revoked = await k3(['revoke', 'remote-etl', ...remote]);
    expect([revoked.code, revoked.stdout]).toEqual([0, 'token "remote-etl" revoked\n']);
    expect((await fetch(`${server.url}/sales/tables`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    const again = await k3(['revoke', 'remote-etl', ...remote]);
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/^ERR_TOKEN_NOT_FOUND: /)]);
    expect((await k3(['list', '--token', 'x'])).code).toBe(64);
  }, 120_000);
});

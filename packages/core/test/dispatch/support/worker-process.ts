/**
 * Real worker processes (`node services/worker/src/main.ts`) for integration tests. Each gets its
 * own Parquet cache directory (a cache directory belongs to one process) and reports ready when it
 * printed "k3-worker ready". Only processes started here are signalled, by pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
export const WORKER_MAIN = path.join(REPO, 'services/worker/src/main.ts');

export interface WorkerProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** stderr so far (JSON log lines). */
  log(): string;
  /** Resolves with the exit code/signal once the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM (then SIGKILL after 10 s) and wait; removes the cache directory. */
  stop(): Promise<void>;
}

export async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'k3-worker-cache-'));
  const child = spawn(process.execPath, [WORKER_MAIN], {
    cwd: REPO,
    env: { PATH: process.env['PATH'] ?? '', K3_LOG_LEVEL: 'info', K3_CACHE_DIR: cacheDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not get ready in 60 s: ${stderr}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('k3-worker ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`worker exited with ${String(code)} before ready: ${stderr}`)); });
  });
  return {
    pid: child.pid!,
    child,
    log: () => stderr,
    exited,
    kill: (signal) => { if (child.exitCode === null && child.signalCode === null) child.kill(signal); },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

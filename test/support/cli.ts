/**
 * The real `k3` CLI (`node packages/cli/bin/k3.js`) as a child process for end-to-end tests: on
 * pipes (stdout / stderr captured, optional stdin), or on a pseudo-terminal through `script` (its
 * output, progress included, arrives on stdout); and golden files in test/clients/golden/
 * (`K3_UPDATE_GOLDEN=1` rewrites them).
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from './server.ts';

export const K3_BIN = path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'k3.js');
export const GOLDEN_DIR = path.join(REPO_ROOT, 'test', 'clients', 'golden');

export interface CliRun { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** `k3 …args` with `env` (the whole environment) on pipes. */
export function runK3(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<CliRun> {
  return run(process.execPath, [K3_BIN, ...args], env, stdin);
}

/** `k3 …args` on a pseudo-terminal (`script`): stdout carries what the terminal showed. */
export function runK3OnTty(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const cmd = [process.execPath, K3_BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return run('script', ['-qec', cmd, '/dev/null'], env, '');
}

/** Compares `actual` (normalized) with test/clients/golden/`name`. */
export async function expectGolden(name: string, actual: string, normalize: (s: string) => string): Promise<void> {
  const file = path.join(GOLDEN_DIR, name);
  if (process.env.K3_UPDATE_GOLDEN === '1') await writeFile(file, normalize(actual));
  expect(normalize(actual)).toBe(await readFile(file, 'utf8'));
}

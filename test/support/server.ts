/**
 * Starts the real server (`node services/coordinator/src/main.ts`, what `npm start` runs) as a
 * child process on a free port with fresh temp data and cache directories, for end-to-end tests.
 * The URL comes from the banner line `k3-tables listening on <url>`. `stop()` sends SIGTERM and
 * fails unless the process exits 0 (graceful shutdown is part of what is tested).
 *
 * Auth is on, as in production: the admin token the server mints at first start (banner line
 * `admin token: <secret>`) is remembered per server URL (and per data directory, for restarts on
 * the same data); `k3fetch`, `execute` and `drainTable` send it. Tests about auth itself use plain
 * `fetch` with the headers they want.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecuteDdlResult, ExecuteQueryResult, ExecuteWriteResult } from '@k3/core/api';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join('services', 'coordinator', 'src', 'main.ts');
const LISTENING = /k3-tables listening on (https?:\/\/\S+)/;
const ADMIN_TOKEN = /^admin token: (\S+)$/m;
/** The banner is complete once its example section starts. */
const BANNER_END = /^try:$/m;

const tokenByOrigin = new Map<string, string>();
const tokenByDataDir = new Map<string, string>();

/** Remembers the token `k3fetch` sends to the server at `url` (e.g. a cluster's coordinator). */
export function registerToken(url: string, token: string): void {
  tokenByOrigin.set(new URL(url).origin, token);
}

/** The token remembered for the server at `url`, if any. */
export function tokenFor(url: string): string | undefined {
  return tokenByOrigin.get(new URL(url).origin);
}

/** `{ authorization: 'Bearer …' }` for the server at `url` (empty when it has no token: auth off). */
export function authHeaders(url: string): Record<string, string> {
  const token = tokenFor(url);
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/** `fetch` with the server's admin token added (unless the caller set an Authorization header). */
export function k3fetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = tokenFor(url);
  if (token !== undefined && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  return fetch(url, { ...init, headers });
}

export interface StartedServer {
  url: string;
  dataDir: string;
  cacheDir: string;
  child: ChildProcess;
  /** The admin token (minted at first start on this data directory); undefined with K3_AUTH=off. */
  token: string | undefined;
  /** Everything printed so far (stdout: banner; stderr: JSON logs). */
  output(): { stdout: string; stderr: string };
  /** SIGTERM (unless a signal was already sent), wait for exit, assert exit code 0, remove the temp directories. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** Reuse an existing data directory (e.g. restart on the same data). */
  dataDir?: string;
  timeoutMs?: number;
}

function waitForExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export async function startServer(env: Record<string, string> = {}, opts: StartOptions = {}): Promise<StartedServer> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'k3-e2e-data-')));
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'k3-e2e-cache-'));
  const child = spawn(process.execPath, [MAIN], {
    cwd: REPO_ROOT,
    env: { ...process.env, K3_HOST: '127.0.0.1', K3_PORT: '0', K3_DATA_DIR: dataDir, K3_CACHE_DIR: cacheDir, K3_LOG_LEVEL: 'warn', K3_PG_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = waitForExit(child);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not print its URL within ${opts.timeoutMs ?? 30_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    const onData = (): void => {
      const m = LISTENING.exec(stdout);
      if (m?.[1] && BANNER_END.test(stdout)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (code ${code}, signal ${signal})\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    });
  });

  const minted = ADMIN_TOKEN.exec(stdout)?.[1];
  if (minted !== undefined) tokenByDataDir.set(dataDir, minted);
  const token = minted ?? (/^auth: OFF/m.test(stdout) ? undefined : tokenByDataDir.get(dataDir));
  if (token !== undefined) registerToken(url, token);
  return {
    url,
    dataDir,
    cacheDir,
    child,
    token,
    output: () => ({ stdout, stderr }),
    async stop(stopOpts = {}) {
      if (!child.killed && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const { code, signal } = await exited;
      await rm(cacheDir, { recursive: true, force: true });
      if (!stopOpts.keepData && opts.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`server exited with code ${code} (signal ${signal}) on SIGTERM\nstderr:\n${stderr.slice(-4000)}`);
    },
  };
}

/**
 * A core result type as its pbjson answer: the int64 fields (domain numbers in core) arrive as
 * decimal strings; rows, timings (double) and memoryGbSeconds (double) as they are.
 */
export type Pbjson<T> = T extends readonly unknown[] ? T
  : T extends object ? { [K in keyof T]: K extends 'rows' | 'timings' | 'memoryGbSeconds' ? T[K] : Pbjson<T[K]> }
    : T extends number ? string : T;

/** An Execute response body: one of query / write / ddl, or an error body. */
export interface ExecuteBody {
  query?: Pbjson<ExecuteQueryResult>;
  write?: Pbjson<ExecuteWriteResult>;
  ddl?: Pbjson<ExecuteDdlResult>;
  code?: string;
  message?: string;
  retryable?: boolean;
  requestId?: string;
  details?: Record<string, unknown>;
}

let drainAfterLogWrites = true;

/**
 * Tests of the HTAP read path call this so `execute` leaves keyed writes in the write log. By
 * default `execute` drains a table (Compact RPC) right after a keyed write (KEYED_* / MERGE_*
 * strategies; a drain of a table without a log is a no-op): tests comparing with DuckDB at the default EVENTUAL freshness then see every
 * acknowledged write, as DuckDB does, and the keyed write + drain path is exercised on the way.
 */
export function keepWriteLogUndrained(): void {
  drainAfterLogWrites = false;
}

/** POST /:bucket/tables/_execute; returns status and parsed body. */
export async function execute(url: string, bucket: string, sql: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: ExecuteBody }> {
  const res = await k3fetch(`${url}/${bucket}/tables/_execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql, ...extra }),
  });
  const out = { status: res.status, body: (await res.json()) as ExecuteBody };
  const write = out.body.write;
  if (drainAfterLogWrites && out.status === 200 && write !== undefined && wentToLog(write.strategy)) await drainTable(url, bucket, write.tableName);
  return out;
}

function wentToLog(strategy: string): boolean {
  return /^WRITE_STRATEGY_(KEYED|MERGE)_/.test(strategy);
}

/** Compact RPC until the table's write log is empty. */
export async function drainTable(url: string, bucket: string, table: string): Promise<void> {
  for (;;) {
    const res = await k3fetch(`${url}/${bucket}/tables/${encodeURIComponent(table)}/_compact`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const body = (await res.json()) as { truncated?: boolean };
    if (res.status !== 200) throw new Error(`Compact of ${table} failed: ${res.status} ${JSON.stringify(body)}`);
    if (body.truncated !== true) return;
  }
}

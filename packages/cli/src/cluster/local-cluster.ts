/**
 * startLocalCluster: distributed mode on one machine, every role a separate process sharing only
 * Redis and the object store — what `k3 cluster up` runs and what end-to-end tests drive.
 *
 *   redis-server (spawned on a free port unless K3_REDIS_URL is set)
 *   coordinator  services/coordinator/src/main.ts   K3_PORT = port; prints the URL; K3_FEDERATE_MAX_JOBS =
 *                                                  the worker slots unless given (packedJobs)
 *   worker × N   services/worker/src/main.ts        each with its own Parquet cache directory; K3_DUCKDB_THREADS
 *                                                  = this machine's cores ÷ N unless given (workerThreads)
 *   compactor    services/compactor/src/main.ts     running = ready line or alive after 3 s; skipped
 *                                                  (and reported) if it exits at start (still a placeholder)
 *
 * One object store for all: a shared local directory (K3_DATA_DIR) by default, S3 when
 * K3_STORE=s3 or K3_S3_ENDPOINT is set. A reaper process (reaper.ts) stops every child if this
 * process dies without cleaning up. `stop()` ends the children in reverse dependency order:
 * coordinator, compactor, workers, then Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '@k3/core';
import { mintFirstAdminToken, openTokenStore } from '@k3/core/auth';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { startChildService, type ChildService } from './child-service.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SERVICE = (name: string): string => path.join(REPO, 'services', name, 'src/main.ts');

export interface LocalClusterOptions {
  readonly workers: number;
  /** Coordinator port (0 = any free port). */
  readonly port: number;
  /** Base environment of every child and the cluster's K3_* settings; undefined = this process's. */
  readonly env?: Record<string, string | undefined> | undefined;
  /** Shared data directory in local-store mode (default: K3_DATA_DIR of `env`). */
  readonly dataDir?: string;
  /** Prefixed child output lines (default: dropped). */
  readonly forward?: (line: string) => void;
  /** Status lines (`redis …`, `worker 1 ready`, …). */
  readonly status?: (line: string) => void;
  readonly readyTimeoutMs?: number;
  /** How long a stopping child may take before SIGKILL (default 10 s). */
  readonly graceMs?: number;
}

export interface LocalCluster {
  readonly url: string;
  readonly redisUrl: string;
  readonly store: string;
  readonly services: readonly ChildService[];
  /** Why the compactor is not running, when it is not. */
  readonly compactorSkipped: string | undefined;
  /** Settles when a coordinator or spawned Redis exits on its own (the cluster is then unusable). */
  readonly failed: Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The coordinator packs a fan-out into at most as many scan jobs as the cluster has worker slots
 * (workers × K3_WORKER_CONCURRENCY): more jobs than slots only queue, and each job pays a BullMQ
 * round trip (docs/design/distributed-execution.md, "Packing"). A positive K3_FEDERATE_MAX_JOBS
 * in the cluster's settings wins (the coordinator inherits it); with no workers the coordinator
 * runs the plan itself and nothing is set.
 */
export function packedJobs(workers: number, config: Pick<Config, 'K3_FEDERATE_MAX_JOBS' | 'K3_WORKER_CONCURRENCY'>): Record<string, string> {
  if (config.K3_FEDERATE_MAX_JOBS > 0 || workers === 0) return {};
  return { K3_FEDERATE_MAX_JOBS: String(workers * config.K3_WORKER_CONCURRENCY) };
}

/**
 * Every worker of a local cluster runs on this machine, so they share its cores: each worker's
 * DuckDB gets cores ÷ workers threads (at least 1) unless K3_DUCKDB_THREADS is set. DuckDB's
 * `threads` is one pool per database, shared by the worker's concurrent jobs, so workers × threads
 * = cores: N workers each defaulting to every core would put N × cores threads on the cores
 * (wip/cluster13, docs/design/hot-path.md: 2 workers on 2 cores, the GROUP BY 2–11 ms faster at
 * 1 thread each). With no workers nothing is set.
 */
export function workerThreads(workers: number, config: Pick<Config, 'K3_DUCKDB_THREADS'>, cores = availableParallelism()): Record<string, string> {
  if (config.K3_DUCKDB_THREADS > 0 || workers === 0) return {};
  return { K3_DUCKDB_THREADS: String(Math.max(1, Math.floor(cores / workers))) };
}

function startReaper(stateDir: string): ChildProcess {
  const reaper = spawn(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), 'reaper.ts'), stateDir], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  reaper.unref();
  reaper.stdin!.on('error', () => undefined);
  return reaper;
}

export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  const config = loadConfig(opts.env);
  const timeout = opts.readyTimeoutMs ?? 60_000;
  const grace = opts.graceMs ?? 10_000;
  const status = opts.status ?? (() => undefined);
  const stateDir = await mkdtemp(path.join(tmpdir(), 'k3-cluster-'));
  const s3 = config.K3_STORE === 's3' || config.K3_S3_ENDPOINT !== '';
  const dataDir = path.resolve(opts.dataDir ?? config.K3_DATA_DIR);
  if (!s3) await mkdir(dataDir, { recursive: true });
  const base: Record<string, string> = { K3_STORE: s3 ? 's3' : 'local', ...(s3 ? {} : { K3_DATA_DIR: dataDir }) };
  const reaper = startReaper(stateDir);
  const started: ChildService[] = [];
  const track = (service: ChildService): ChildService => {
    started.push(service);
    reaper.stdin!.write(`${service.pid}\n`);
    return service;
  };
  const launch = async (name: string, command: string, args: string[], env: Record<string, string>, ready: RegExp, aliveMs?: number): Promise<{ service: ChildService; match: RegExpMatchArray }> => {
    const result = await startChildService({
      name, command, args, env, baseEnv: opts.env, cwd: REPO, ready, readyTimeoutMs: aliveMs ?? timeout, readyIfAlive: aliveMs !== undefined,
      ...(opts.forward !== undefined ? { forward: opts.forward } : {}),
    });
    track(result.service);
    return result;
  };
  let stopping = false;
  const stop = async (): Promise<void> => {
    stopping = true;
    // Coordinator first (no new queries), workers next (running jobs finish), Redis last.
    const order = [...started].reverse().sort((a, b) => rank(a.name) - rank(b.name));
    for (const s of order) await s.stop(grace);
    reaper.stdin!.end('done\n');
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    let redisUrl = config.K3_REDIS_URL;
    let redis: ChildService | undefined;
    if (redisUrl === '') {
      const port = await freePort();
      redis = (await launch('redis', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', stateDir], {}, /Ready to accept connections/)).service;
      redisUrl = `redis://127.0.0.1:${port}`;
      status(`redis ${redisUrl} (spawned, pid ${redis.pid})`);
    } else {
      status(`redis ${redisUrl} (given by K3_REDIS_URL)`);
    }
    const env = (name: string): Record<string, string> => ({ ...base, K3_REDIS_URL: redisUrl, K3_CACHE_DIR: path.join(stateDir, 'cache', name) });
    for (let i = 1; i <= opts.workers; i++) {
      const { service } = await launch(`worker-${i}`, process.execPath, [SERVICE('worker')], { ...env(`worker-${i}`), ...workerThreads(opts.workers, config) }, /^k3-worker ready/);
      status(`worker ${i} ready (pid ${service.pid})`);
    }
    let compactorSkipped: string | undefined;
    try {
      const { service } = await launch('compactor', process.execPath, [SERVICE('compactor')], env('compactor'), /ready|listening|started/i, 3_000);
      status(`compactor ready (pid ${service.pid})`);
    } catch (err) {
      compactorSkipped = (err as Error).message.split('\n').slice(0, 2).join(' ');
      status(`compactor not started: ${compactorSkipped}`);
    }
    const token = await mintAdminToken(opts.env, base);
    status(token === undefined ? 'auth: tokens exist in this store; use yours (k3 token create makes more)' : `admin token: ${token} (shown once; send "Authorization: Bearer <token>")`);
    const { service: coordinator, match } = await launch('coordinator', process.execPath, [SERVICE('coordinator')], { ...env('coordinator'), ...packedJobs(opts.workers, config), K3_PORT: String(opts.port) }, /listening on (\S+)/);
    const url = match[1]!;
    status(`coordinator ${url} (pid ${coordinator.pid})`);
    const essential = [coordinator, ...(redis !== undefined ? [redis] : [])];
    const failed = Promise.race(essential.map((s) => s.exited.then(({ code, signal }) => `${s.name} exited (${signal ?? `code ${String(code)}`})`)))
      .then((why) => (stopping ? new Promise<string>(() => undefined) : why));
    return { url, redisUrl, store: s3 ? 's3' : `local:${dataDir}`, services: started, compactorSkipped, failed, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The cluster's coordinator would mint the first admin token itself, but its banner goes to the
 * child's stdout; minting it here (the same create-if-absent `admin` record) lets `cluster up`
 * print it once on its own output. Undefined when tokens already exist or auth is off.
 */
async function mintAdminToken(env: Record<string, string | undefined> | undefined, base: Record<string, string>): Promise<string | undefined> {
  // The children's settings: this process's environment (or the given one) with the cluster's own on top.
  const config = { ...loadConfig(env), ...(base as Partial<Config>) } as Config;
  if (config.K3_AUTH === 'off') return undefined;
  return mintFirstAdminToken(await openTokenStore(config, createBucketStoreFactory(config)));
}

function rank(name: string): number {
  if (name === 'coordinator') return 0;
  if (name === 'compactor') return 1;
  if (name.startsWith('worker')) return 2;
  return 3;
}

/**
 * `k3 cluster up --workers N [--port P] [--data-dir D]`: starts a local cluster (local-cluster.ts),
 * prints `k3 cluster up: <coordinator URL>` on stdout, and runs until SIGINT/SIGTERM, then stops
 * every child and returns 0. Returns 1 when the cluster fails to start or its coordinator or Redis
 * dies. Child output goes to stderr with a `[name]` prefix.
 */
import { loadConfig } from '@k3/core';
import { UsageError } from '../delta-commands.ts';
import { startLocalCluster } from './local-cluster.ts';

export interface ClusterIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The children's environment (undefined = this process's). */
  readonly env: Record<string, string | undefined> | undefined;
}

export interface ClusterArgs {
  readonly workers?: string | undefined;
  readonly port?: string | undefined;
  readonly 'data-dir'?: string | undefined;
}

function count(text: string | undefined, what: string, dflt: number, min: number): number {
  if (text === undefined) return dflt;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > 65535) throw new UsageError(`${what} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
  return Number(text);
}

export async function clusterUp(args: ClusterArgs, io: ClusterIO): Promise<number> {
  const workers = count(args.workers, '--workers', 2, 0);
  const port = args.port === undefined ? loadConfig(io.env).K3_PORT : count(args.port, '--port', 8080, 0);
  const cluster = await startLocalCluster({
    workers, port, env: io.env,
    ...(args['data-dir'] !== undefined ? { dataDir: args['data-dir'] } : {}),
    forward: (line) => io.err(`${line}\n`),
    status: (line) => io.out(`k3 cluster: ${line}\n`),
  });
  io.out(`k3 cluster up: ${cluster.url} (${workers} worker${workers === 1 ? '' : 's'}, redis ${cluster.redisUrl}, store ${cluster.store}); Ctrl-C stops it\n`);
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const outcome = await Promise.race([signalled.then((s) => ({ signal: s })), cluster.failed.then((why) => ({ failure: why }))]);
  if ('signal' in outcome) io.out(`k3 cluster: ${outcome.signal}, stopping\n`);
  else io.err(`k3 cluster: ${outcome.failure}; stopping the cluster\n`);
  await cluster.stop();
  io.out('k3 cluster: stopped\n');
  return 'signal' in outcome ? 0 : 1;
}

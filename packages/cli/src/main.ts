/**
 * The `k3` command line. `main(argv)` returns the exit code: 0 ok, 2 on an AppError (printed as
 * `<CODE>: <message>` on stderr), 64 on a usage error (EX_USAGE), 1 on anything unexpected.
 */
import { parseArgs } from 'node:util';
import { isAppError } from '@k3/core';
import { deltaDescribe, deltaHistory, deltaScan, UsageError, type CommandIO } from './delta-commands.ts';
import { clusterUp } from './cluster/index.ts';
import { runTableCli } from './table/table-cli.ts';
import { tokenCommand } from './token-commands.ts';
import { K3Error } from '@k3/client/sdk';
import { tableChanges } from './changes-command.ts';

const USAGE = `usage:
  k3 table <query|insert|merge|update|delete-rows|list|describe|create|create-pipeline|ingest|ingest-runs|drop|history|optimize|vacuum|compact|restore|changes|diff> --bucket B …
                                        (the TableService over HTTP; \`k3 table --help\`, \`k3 table query --help\`)
  k3 login --url U --token T            (saves a profile in ~/.config/k3/config.yaml)
  k3 delta scan <dir | s3://bucket/prefix> [--version N | --timestamp T] [--format jsonl|table]
  k3 delta describe <dir | s3://bucket/prefix> [--version N | --timestamp T] [--format text|json]
  k3 delta history <dir | s3://bucket/prefix> [--limit N] [--format text|jsonl]
  k3 delta changes <dir | s3://bucket/prefix> --from N [--to M] [--format jsonl|table]   (the Change Data Feed of a Delta table)
  k3 cluster up [--workers N] [--port P] [--data-dir D]   (Redis, coordinator, N ≥ 0 workers, compactor; Ctrl-C stops)
  k3 token create --name NAME --scope read|write|admin (--bucket B [--bucket C …] | --all-buckets) [--expires 30d] [-o json]
  k3 token list [-o json]          (never shows secrets)
  k3 token revoke NAME
  k3 token … --server URL [--token T] | --remote   (through a server's token RPCs; --remote: K3_URL or the login profile)

  token commands use the server's store settings (K3_DATA_DIR, K3_STORE, K3_S3_*, K3_AUTH_BUCKET),
  with or without the server running, or a server with --server / --remote (an admin token for all
  buckets: --token, K3_TOKEN or the login profile); the secret is printed once, by create.

  T is epoch milliseconds or ISO-8601 (no zone = UTC). s3:// locations use K3_S3_ENDPOINT,
  K3_S3_REGION, K3_S3_FORCE_PATH_STYLE and the standard AWS credential chain.
`;

const COMMANDS = { scan: deltaScan, describe: deltaDescribe, history: deltaHistory } as const;

/** Thrown by the stdout writer once the reader went away (`k3 delta scan … | head`). */
class OutputClosed extends Error {}

/** Writes with backpressure (resolves when flushed); stops the command quietly on EPIPE. */
function stdoutWriter(): (text: string) => Promise<void> {
  let closed = false;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  });
  return (text) => new Promise<void>((resolve, reject) => {
    if (closed) { reject(new OutputClosed()); return; }
    process.stdout.write(text, (err) => (err || closed ? reject(new OutputClosed()) : resolve()));
  });
}

/**
 * `clientEnv`: the environment the client commands (`k3 table`, `k3 login`) read K3_URL, K3_TOKEN,
 * K3_BUCKET, HOME and XDG_CONFIG_HOME from (the bin passes process.env; it is client settings, not
 * server configuration, so it does not go through loadConfig).
 */
export async function main(argv: readonly string[], io: Partial<CommandIO> & { err?: (text: string) => void; clientEnv?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const out = io.out ?? stdoutWriter();
  const err = io.err ?? ((t: string) => { process.stderr.write(t); });
  if (argv[0] === 'table' || argv[0] === 'login') {
    try {
      return await runTableCli(argv, { out, err, env: io.clientEnv ?? {}, stdin: process.stdin, progressStream: process.stderr });
    } catch (e) {
      if (e instanceof OutputClosed) return 0;
      throw e;
    }
  }
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        version: { type: 'string' },
        timestamp: { type: 'string' },
        format: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        workers: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        bucket: { type: 'string', multiple: true },
        'all-buckets': { type: 'boolean' },
        scope: { type: 'string' },
        name: { type: 'string' },
        expires: { type: 'string' },
        output: { type: 'string', short: 'o' },
        from: { type: 'string' },
        to: { type: 'string' },
        server: { type: 'string' },
        remote: { type: 'boolean' },
        token: { type: 'string' },
      },
    });
    if (values.help === true) { out(USAGE); return 0; }
    const [group, command, location, ...extra] = positionals;
    if (group === 'cluster') {
      if (command !== 'up' || location !== undefined) throw new UsageError(`unknown command: ${positionals.join(' ')}`);
      return await clusterUp(values, { out: (t) => void Promise.resolve(out(t)).catch(() => undefined), err, env: io.env });
    }
    if (group === 'token') {
      await tokenCommand(command, positionals.slice(2), values, { out, env: io.env, clientEnv: io.clientEnv });
      return 0;
    }
    if (group === 'delta' && command === 'changes') {
      if (location === undefined) throw new UsageError('k3 delta changes needs a table location');
      if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
      await tableChanges(location, values, { out, env: io.env });
      return 0;
    }
    if (group !== 'delta' || command === undefined || !(command in COMMANDS)) throw new UsageError(group === undefined ? 'missing command' : `unknown command: ${positionals.slice(0, 2).join(' ')}`);
    if (location === undefined) throw new UsageError(`k3 delta ${command} needs a table location`);
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    await COMMANDS[command as keyof typeof COMMANDS](location, values, { out, env: io.env });
    return 0;
  } catch (e) {
    if (e instanceof OutputClosed) return 0;
    if (isAppError(e)) { err(`${e.code}: ${e.message}\n`); return 2; }
    if (e instanceof K3Error) { err(`${e.message}\n`); return 2; }
    if (e instanceof UsageError || (e as { code?: unknown }).code?.toString().startsWith('ERR_PARSE_ARGS')) {
      err(`k3: ${(e as Error).message}\n${USAGE}`);
      return 64;
    }
    err(`k3: unexpected error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

/**
 * `k3 token create | list | revoke`: manage bearer tokens directly in the token store the server
 * reads (K3_AUTH_BUCKET in the K3_DATA_DIR / K3_STORE / K3_S3_* store), so they work with or
 * without a server running; running coordinators see changes within K3_AUTH_REFRESH.
 * The secret is printed once, by `create`; nothing else ever shows it.
 */
import { loadConfig, parseDurationMs } from '@k3/core';
import { isScope, openTokenStore, type TokenStore } from '@k3/core/auth';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { UsageError, type CommandIO } from './delta-commands.ts';
import { formatTable } from './format-table.ts';

export interface TokenArgs {
  readonly bucket?: string[] | undefined;
  readonly 'all-buckets'?: boolean | undefined;
  readonly scope?: string | undefined;
  readonly name?: string | undefined;
  readonly expires?: string | undefined;
  readonly output?: string | undefined;
}

async function open(env: CommandIO['env']): Promise<TokenStore> {
  const config = loadConfig(env);
  return openTokenStore(config, createBucketStoreFactory(config));
}

function outputFormat(args: TokenArgs): 'text' | 'json' {
  const o = args.output ?? 'text';
  if (o !== 'text' && o !== 'json') throw new UsageError(`-o must be text or json, got ${JSON.stringify(o)}`);
  return o;
}

async function create(args: TokenArgs, io: CommandIO): Promise<void> {
  const format = outputFormat(args);
  if (args.name === undefined) throw new UsageError('k3 token create needs --name NAME');
  if (args.scope === undefined || !isScope(args.scope)) throw new UsageError('k3 token create needs --scope read|write|admin');
  const buckets = args.bucket ?? [];
  if (args['all-buckets'] === true && buckets.length > 0) throw new UsageError('give --bucket B (repeatable) or --all-buckets, not both');
  if (args['all-buckets'] !== true && buckets.length === 0) throw new UsageError('k3 token create needs --bucket B (repeatable) or --all-buckets');
  let expiresAt: number | undefined;
  if (args.expires !== undefined) {
    let ms: number;
    try {
      ms = parseDurationMs(args.expires);
    } catch (e) {
      throw new UsageError(`--expires: ${(e as Error).message} (e.g. 30d, 12h)`);
    }
    if (ms <= 0) throw new UsageError('--expires must be a positive duration (e.g. 30d)');
    expiresAt = Date.now() + ms;
  }
  const tokens = await open(io.env);
  const { secret, record } = await tokens.create({ name: args.name, buckets: args['all-buckets'] === true ? '*' : buckets, scope: args.scope, ...(expiresAt !== undefined ? { expiresAt } : {}) });
  if (format === 'json') {
    await io.out(`${JSON.stringify({ token: secret })}\n`);
    return;
  }
  const where = record.buckets === '*' ? 'all buckets' : `bucket(s) ${record.buckets.join(', ')}`;
  const until = record.expiresAt === undefined ? 'no expiry' : `expires ${new Date(record.expiresAt).toISOString()}`;
  await io.out(`${secret}\n`);
  await io.out(`# token "${record.name}": scope ${record.scope} on ${where}, ${until}. Shown once; send it as "Authorization: Bearer <token>".\n`);
}

async function list(args: TokenArgs, io: CommandIO): Promise<void> {
  const format = outputFormat(args);
  const tokens = await (await open(io.env)).list();
  if (format === 'json') {
    await io.out(`${JSON.stringify({ tokens })}\n`);
    return;
  }
  const rows = tokens.map((t) => ({
    name: t.name, scope: t.scope, buckets: t.buckets === '*' ? '*' : t.buckets.join(','), created: new Date(t.createdAt).toISOString(), expires: t.expiresAt === undefined ? '-' : new Date(t.expiresAt).toISOString(),
  }));
  await io.out(formatTable(['name', 'scope', 'buckets', 'created', 'expires'], rows));
}

async function revoke(name: string | undefined, io: CommandIO): Promise<void> {
  if (name === undefined) throw new UsageError('k3 token revoke needs the token NAME');
  await (await open(io.env)).revoke(name);
  await io.out(`token "${name}" revoked\n`);
}

export async function tokenCommand(command: string | undefined, rest: readonly string[], args: TokenArgs, io: CommandIO): Promise<void> {
  const [first, ...extra] = rest;
  if (command === 'revoke') {
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    return revoke(first, io);
  }
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (command === 'create') return create(args, io);
  if (command === 'list') return list(args, io);
  throw new UsageError(`unknown command: k3 token ${command ?? ''}`.trim());
}

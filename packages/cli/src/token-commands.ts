/**
 * `k3 token create | list | revoke`: manage bearer tokens
 * - locally (default): directly in the token store the server reads (K3_AUTH_BUCKET in the
 *   K3_DATA_DIR / K3_STORE / K3_S3_* store), with or without a server running; running
 *   coordinators see changes within K3_AUTH_REFRESH;
 * - remotely with `--server URL` (or `--remote`: K3_URL / the `k3 login` profile): through the
 *   server's CreateToken / ListTokens / RevokeToken RPCs, authenticated with `--token`, K3_TOKEN or
 *   the profile's token (an admin token for all buckets). A create sends one Idempotency-Key, a
 *   revoke sends it on its retries, so the retries of a lost answer create or revoke once.
 * The secret is printed once, by `create`; nothing else ever shows it.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, parseDurationMs } from '@k3/core';
import { isScope, openTokenStore, type Scope, type TokenInfo } from '@k3/core/auth';
import { createBucketStoreFactory } from '@k3/core/object-store';
import { K3Client, K3Error } from '@k3/client/sdk';
import type { TokenInfo as TokenInfoMessage } from '@k3/client';
import { UsageError, type CommandIO } from './delta-commands.ts';
import { formatTable } from './format-table.ts';
import { resolveConnection } from './table/profile.ts';

export interface TokenArgs {
  readonly bucket?: string[] | undefined;
  readonly 'all-buckets'?: boolean | undefined;
  readonly scope?: string | undefined;
  readonly name?: string | undefined;
  readonly expires?: string | undefined;
  readonly output?: string | undefined;
  /** Manage the tokens of this server (its token RPCs) instead of the local store. */
  readonly server?: string | undefined;
  /** Like --server, with the URL from K3_URL or the `k3 login` profile. */
  readonly remote?: boolean | undefined;
  /** The bearer token for --server / --remote (default: K3_TOKEN, then the profile's). */
  readonly token?: string | undefined;
}

/** Where the CLI reads K3_URL / K3_TOKEN / the profile from (the client environment). */
export type TokenIO = CommandIO & { readonly clientEnv?: NodeJS.ProcessEnv | undefined };

interface CreateRequest {
  name: string;
  buckets: readonly string[] | '*';
  scope: Scope;
  expiresAt?: number;
}

/** The same three operations on the local store or on a server. */
interface TokenBackend {
  create(req: CreateRequest): Promise<{ secret: string; info: TokenInfo }>;
  list(): Promise<TokenInfo[]>;
  revoke(name: string): Promise<void>;
}

async function localBackend(env: CommandIO['env']): Promise<TokenBackend> {
  const config = loadConfig(env);
  const tokens = await openTokenStore(config, createBucketStoreFactory(config));
  return {
    create: async (req) => {
      const { secret, record } = await tokens.create(req);
      return { secret, info: record };
    },
    list: () => tokens.list(),
    revoke: (name) => tokens.revoke(name),
  };
}

function infoOf(m: TokenInfoMessage): TokenInfo {
  return { name: m.name, buckets: m.allBuckets ? '*' : [...m.buckets], scope: m.scope as Scope, createdAt: Number(m.createdAt), ...(m.expiresAt !== undefined ? { expiresAt: Number(m.expiresAt) } : {}) };
}

function remoteBackend(url: string, token: string | undefined): TokenBackend {
  const client = new K3Client({ url, ...(token !== undefined ? { token } : {}) });
  // One key per invocation: the SDK's retries of this call apply it once.
  const headers = { 'idempotency-key': randomUUID() };
  return {
    async create(req) {
      const res = await client.call(() => client.rpc.createToken({
        name: req.name, buckets: req.buckets === '*' ? [] : [...req.buckets], allBuckets: req.buckets === '*', scope: req.scope,
        ...(req.expiresAt !== undefined ? { expiresAt: BigInt(req.expiresAt) } : {}),
      }, { headers }));
      if (res.info === undefined) throw new Error('CreateToken answered without the token info');
      return { secret: res.token, info: infoOf(res.info) };
    },
    list: async () => (await client.call(() => client.rpc.listTokens({}))).tokens.map(infoOf),
    async revoke(name) {
      // The first attempt without a key, so a name that is not there is ERR_TOKEN_NOT_FOUND; retries
      // of a lost answer carry the key: the token being gone is then this revoke's own outcome.
      try {
        await client.rpc.revokeToken({ name });
      } catch (e) {
        const err = K3Error.from(e);
        if (err === undefined || !err.retryable) throw err ?? e;
        await client.call(() => client.rpc.revokeToken({ name }, { headers }));
      }
    },
  };
}

async function backendOf(args: TokenArgs, io: TokenIO): Promise<TokenBackend> {
  if (args.server === undefined && args.remote !== true) {
    if (args.token !== undefined) throw new UsageError('--token is for --server URL / --remote (the local store needs no token)');
    return localBackend(io.env);
  }
  if (args.server !== undefined && args.remote === true) throw new UsageError('give --server URL or --remote, not both');
  const conn = await resolveConnection({ ...(args.server !== undefined ? { url: args.server } : {}), ...(args.token !== undefined ? { token: args.token } : {}) }, io.clientEnv ?? {});
  return remoteBackend(conn.url, conn.token);
}

function outputFormat(args: TokenArgs): 'text' | 'json' {
  const o = args.output ?? 'text';
  if (o !== 'text' && o !== 'json') throw new UsageError(`-o must be text or json, got ${JSON.stringify(o)}`);
  return o;
}

async function create(args: TokenArgs, io: TokenIO): Promise<void> {
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
  const tokens = await backendOf(args, io);
  const { secret, info: record } = await tokens.create({ name: args.name, buckets: args['all-buckets'] === true ? '*' : buckets, scope: args.scope, ...(expiresAt !== undefined ? { expiresAt } : {}) });
  if (format === 'json') {
    await io.out(`${JSON.stringify({ token: secret })}\n`);
    return;
  }
  const where = record.buckets === '*' ? 'all buckets' : `bucket(s) ${record.buckets.join(', ')}`;
  const until = record.expiresAt === undefined ? 'no expiry' : `expires ${new Date(record.expiresAt).toISOString()}`;
  await io.out(`${secret}\n`);
  await io.out(`# token "${record.name}": scope ${record.scope} on ${where}, ${until}. Shown once; send it as "Authorization: Bearer <token>".\n`);
}

async function list(args: TokenArgs, io: TokenIO): Promise<void> {
  const format = outputFormat(args);
  const tokens = await (await backendOf(args, io)).list();
  if (format === 'json') {
    await io.out(`${JSON.stringify({ tokens })}\n`);
    return;
  }
  const rows = tokens.map((t) => ({
    name: t.name, scope: t.scope, buckets: t.buckets === '*' ? '*' : t.buckets.join(','), created: new Date(t.createdAt).toISOString(), expires: t.expiresAt === undefined ? '-' : new Date(t.expiresAt).toISOString(),
  }));
  await io.out(formatTable(['name', 'scope', 'buckets', 'created', 'expires'], rows));
}

async function revoke(name: string | undefined, args: TokenArgs, io: TokenIO): Promise<void> {
  if (name === undefined) throw new UsageError('k3 token revoke needs the token NAME');
  await (await backendOf(args, io)).revoke(name);
  await io.out(`token "${name}" revoked\n`);
}

export async function tokenCommand(command: string | undefined, rest: readonly string[], args: TokenArgs, io: TokenIO): Promise<void> {
  const [first, ...extra] = rest;
  if (command === 'revoke') {
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    return revoke(first, args, io);
  }
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (command === 'create') return create(args, io);
  if (command === 'list') return list(args, io);
  throw new UsageError(`unknown command: k3 token ${command ?? ''}`.trim());
}

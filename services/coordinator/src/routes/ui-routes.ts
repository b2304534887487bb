/**
 * The data browser (packages/web) at /ui: the built app (static files, public: it holds no data),
 * the session that carries the token, and the sheet sidecar (comments, named ranges).
 *
 * - `POST /ui/session {token}` checks the token and sets it as an HttpOnly, SameSite=Strict cookie
 *   (`k3_session`, Secure over TLS); the page never holds the token in script, a URL or storage.
 *   Every other route accepts that cookie where it accepts `Authorization: Bearer` (the auth layer
 *   reads `bearerOf` in session-cookie.ts), so the app's Connect calls are authorized like any client's.
 * - `GET|PUT /ui/api/:bucket/sheets/:table` keep one JSON object per table under the bucket's
 *   reserved prefix `_k3_ui/sheets/` — never in the Delta data: comments, named ranges and
 *   conditional formats (value rules, colour scales; a scale's ends are asked from the table when
 *   the sheet opens, so they are not stored).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '@k3/core';
import type { Principal, TokenStore } from '@k3/core/auth';
import { assertValidTableName } from '@k3/core/catalog';
import { assertValidBucketName, type ObjectStore } from '@k3/core/object-store';
import { ANONYMOUS, authorizeBucket } from '../rpc-auth.ts';
import { SESSION_COOKIE, sessionTokenOf } from '../session-cookie.ts';

const SHEET_PREFIX = '_k3_ui/sheets/';
const MAX_META_BYTES = 1 << 20;
const SESSION_SECONDS = 12 * 3600;

export interface UiDeps {
  /** The token store every wire authenticates against; undefined = auth off (loopback only). */
  tokens: TokenStore | undefined;
  /** K3_AUTH_BUCKET: reserved, never served. */
  authBucket: string;
  /** The object store of one bucket (the sidecar lives there). */
  bucketStore(bucket: string): ObjectStore;
  /** packages/web/dist; /ui answers 503 with how to build it when it is missing. */
  distDir: string;
  /** Mark the cookie Secure (the server speaks TLS). */
  secureCookies: boolean;
}

function cookie(value: string, maxAge: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

type ConditionalFormat =
  | { kind: 'value'; column: string; op: string; value: string; color: string }
  | { kind: 'scale'; column: string; minColor: string; maxColor: string };

interface SheetMeta {
  comments: { cell: string; text: string; author?: string; at?: string }[];
  names: { name: string; ref: string }[];
  formats: ConditionalFormat[];
}

const CF_OPS = new Set(['=', '<>', '>', '>=', '<', '<=', 'contains']);
const COLOR = /^#[0-9a-fA-F]{6}$/;
const MAX_FORMATS = 100;

/** A conditional format as stored (kept fields only), or undefined when it is not one. */
function validFormat(f: unknown): ConditionalFormat | undefined {
  const x = f as Record<string, unknown> | null;
  if (x === null || typeof x !== 'object' || typeof x.column !== 'string' || x.column.length === 0 || x.column.length > 255) return undefined;
  if (x.kind === 'value' && typeof x.op === 'string' && CF_OPS.has(x.op) && typeof x.value === 'string' && x.value.length <= 1000 && typeof x.color === 'string' && COLOR.test(x.color)) {
    return { kind: 'value', column: x.column, op: x.op, value: x.value, color: x.color };
  }
  if (x.kind === 'scale' && typeof x.minColor === 'string' && COLOR.test(x.minColor) && typeof x.maxColor === 'string' && COLOR.test(x.maxColor)) {
    return { kind: 'scale', column: x.column, minColor: x.minColor, maxColor: x.maxColor };
  }
  return undefined;
}

function validMeta(body: unknown): SheetMeta {
  const b = body as Partial<SheetMeta> | null;
  const ok = b !== null && typeof b === 'object' && Array.isArray(b.comments) && Array.isArray(b.names)
    && b.comments.every((c) => typeof c?.cell === 'string' && /^[A-Z]{1,3}\d{1,7}$/.test(c.cell) && typeof c.text === 'string' && c.text.length <= 10_000)
    && b.names.every((n) => typeof n?.name === 'string' && /^[A-Za-z_][A-Za-z0-9_.]{0,254}$/.test(n.name) && typeof n.ref === 'string' && n.ref.length <= 1000)
    // Sidecars written before conditional formats were kept have no `formats`.
    && (b.formats === undefined || (Array.isArray(b.formats) && b.formats.length <= MAX_FORMATS && b.formats.every((f) => validFormat(f) !== undefined)));
  if (!ok) throw new AppError('ERR_BAD_REQUEST', `A sheet sidecar is {comments: [{cell: "D8", text}], names: [{name, ref}], formats: [{kind: "value", column, op, value, color: "#rrggbb"} | {kind: "scale", column, minColor, maxColor}]}; names start with a letter or _, cells are like D8, op is one of ${[...CF_OPS].join(' ')}, at most ${MAX_FORMATS} formats.`);
  return {
    comments: b.comments!.map((c) => ({ cell: c.cell, text: c.text, ...(c.author ? { author: String(c.author) } : {}), ...(c.at ? { at: String(c.at) } : {}) })),
    names: b.names!.map((n) => ({ name: n.name, ref: n.ref })),
    formats: (b.formats ?? []).map((f) => validFormat(f)!),
  };
}

export async function registerUiRoutes(app: FastifyInstance, deps: UiDeps): Promise<void> {
  const principalOfToken = async (token: string): Promise<Principal> => (deps.tokens === undefined ? ANONYMOUS : deps.tokens.authenticateBearer(`Bearer ${token}`));
  const principalOf = async (request: FastifyRequest): Promise<Principal> => {
    const token = sessionTokenOf(request.headers.cookie);
    if (token === undefined) {
      if (deps.tokens === undefined) return ANONYMOUS;
      throw new AppError('ERR_UNAUTHENTICATED', 'Sign in at /ui with a token.');
    }
    return principalOfToken(token);
  };
  const check = (principal: Principal, bucket: string, action: 'select' | 'dml'): void => {
    assertValidBucketName(bucket);
    authorizeBucket(principal, bucket, action, deps.authBucket);
  };

  app.post('/ui/session', async (request, reply) => {
    const token = (request.body as { token?: unknown } | null)?.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) throw new AppError('ERR_UNAUTHENTICATED', 'Send {"token": "…"}: a token from the server banner or `k3 token create`.');
    const principal = await principalOfToken(token);
    reply.header('set-cookie', cookie(token, SESSION_SECONDS, deps.secureCookies));
    return { principal: principal.name, buckets: principal.buckets };
  });
  app.get('/ui/session', async (request) => {
    const principal = await principalOf(request);
    return { principal: principal.name, buckets: principal.buckets };
  });
  app.delete('/ui/session', async (_request, reply) => {
    reply.header('set-cookie', cookie('', 0, deps.secureCookies));
    return { signedOut: true };
  });

  const sidecarKey = (table: string): string => {
    assertValidTableName(table);
    return `${SHEET_PREFIX}${table}.json`;
  };
  app.get<{ Params: { bucket: string; table: string } }>('/ui/api/:bucket/sheets/:table', async (request) => {
    const principal = await principalOf(request);
    check(principal, request.params.bucket, 'select');
    const bytes = await deps.bucketStore(request.params.bucket).get(sidecarKey(request.params.table));
    return bytes === undefined ? { comments: [], names: [], formats: [] } : validMeta(JSON.parse(Buffer.from(bytes).toString('utf8')));
  });
  app.put<{ Params: { bucket: string; table: string } }>('/ui/api/:bucket/sheets/:table', { bodyLimit: MAX_META_BYTES }, async (request) => {
    const principal = await principalOf(request);
    check(principal, request.params.bucket, 'dml');
    const meta = validMeta(request.body);
    await deps.bucketStore(request.params.bucket).put(sidecarKey(request.params.table), Buffer.from(JSON.stringify(meta)));
    return meta;
  });

  if (!existsSync(path.join(deps.distDir, 'index.html'))) {
    app.get('/ui', async () => {
      throw new AppError('ERR_NOT_READY', 'The data browser is not built: run `npm run build:web` (npm start builds it when needed).');
    });
    return;
  }
  await app.register(fastifyStatic, { root: deps.distDir, prefix: '/ui/', decorateReply: false, index: 'index.html', cacheControl: true, maxAge: '1h' });
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/', 302));
}

/**
 * TokenStore: bearer tokens kept in the object store, shared by every coordinator (design note:
 * docs/design/auth.md).
 *
 * Layout: one JSON object per token at `auth/tokens/<name>.json` in the auth bucket
 * (K3_AUTH_BUCKET; in embedded mode the directory `<K3_DATA_DIR>/<K3_AUTH_BUCKET>/`). A record
 * holds the principal (name, buckets, scope, expiry), the SHA-256 of the secret and a
 * SCRAM-SHA-256 verifier — never the secret.
 *
 * Invariants:
 * - Names are unique: `create` is a create-if-absent PUT, so two coordinators (or the CLI and a
 *   server) can never mint the same name twice.
 * - Faults (docs/design/faults.md): a create or revoke answers success only once the record is
 *   durably there / gone (a lost answer is resolved by reading back); an unknown outcome is the
 *   retryable ERR_WRITE_OUTCOME_UNKNOWN, and a retry with the same idempotency key ends in one
 *   token (its secret re-issued) or one revocation.
 * - Revocation deletes the record. Each process keeps a snapshot of the records and refreshes it
 *   at most `refreshMs` after it was loaded (a LIST, plus a GET per changed record), so a revoked
 *   token stops working on every coordinator within `refreshMs` (+ one request's latency).
 * - A secret that matches nothing triggers one reload of the snapshot if it is older than
 *   `missReloadMs` (a token created a moment ago works at once; garbage tokens cannot make a
 *   process LIST the store more than once per `missReloadMs`).
 * - `authenticateBearer` compares the presented secret's digest with every record's digest in
 *   constant time (no early exit, no lookup keyed by the secret). A digest that matched is
 *   remembered with the snapshot (keyed by the digest, kept across reloads only while its record
 *   is unchanged), so a token's repeat requests skip the scan; unknown secrets always scan.
 */
import { AppError } from '../errors/index.ts';
import { putIfAbsentResolved, type ObjectStore } from '../object-store/index.ts';
import { assertValidIdempotencyKey } from '../delta/request-txns.ts';
import { authorize as authorizePrincipal, isScope, type Action, type Principal, type Scope } from './principal.ts';
import { digestsEqual, generateSecret, hashSecret, scramVerifier, type ScramVerifier } from './token-secret.ts';

export const TOKENS_PREFIX = 'auth/tokens/';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Longer Authorization headers are refused before any hashing. */
const MAX_HEADER_LENGTH = 1024;

export interface TokenRecord {
  readonly name: string;
  readonly buckets: readonly string[] | '*';
  readonly scope: Scope;
  readonly expiresAt?: number;
  readonly createdAt: number;
  readonly sha256: string;
  readonly scram: ScramVerifier;
  /** The idempotency key of the create that made it (a retry with the same key re-issues the secret). */
  readonly requestKey?: string;
}

/** What `list` shows: never the digest or verifier. */
export type TokenInfo = Pick<TokenRecord, 'name' | 'buckets' | 'scope' | 'expiresAt' | 'createdAt'>;

export interface CreateTokenRequest {
  name: string;
  buckets: readonly string[] | '*';
  scope: Scope;
  /** Epoch ms. */
  expiresAt?: number;
  /**
   * Makes the create safe to retry: when a token of this name made by a create with the same key
   * (and the same buckets, scope and expiry) exists — an earlier attempt landed but its answer, and
   * so its secret, was lost — the retry issues a new secret for it instead of ERR_TOKEN_EXISTS.
   */
  idempotencyKey?: string;
}

export interface TokenStoreOptions {
  store: ObjectStore;
  /** How old the cached snapshot may get before a request reloads it (the revocation delay). */
  refreshMs?: number;
  /** An unknown secret reloads a snapshot at least this old (default 250 ms). */
  missReloadMs?: number;
  clock?: () => number;
}

interface Snapshot {
  loadedAt: number;
  /** key → [etag/mtime/size stamp, record] */
  entries: Map<string, { stamp: string; record: TokenRecord | undefined }>;
  /**
   * Digests already matched against this snapshot's records (wip/write4): digest → the record it
   * matched. Only a digest that the constant-time scan matched gets here, so an unknown secret
   * always takes the full scan; a reload keeps an entry only while its record is unchanged
   * (same stamp, same object), so a revoked or rewritten record drops out with the snapshot.
   */
  verified: Map<string, TokenRecord>;
}

export function assertValidTokenName(name: string): void {
  if (!NAME.test(name)) {
    throw new AppError('ERR_INVALID_NAME', `Token name ${JSON.stringify(name.slice(0, 80))} is not valid: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.`);
  }
}

function tokenKey(name: string): string {
  assertValidTokenName(name);
  return `${TOKENS_PREFIX}${name}.json`;
}

export function toPrincipal(r: TokenRecord): Principal {
  return { name: r.name, buckets: r.buckets === '*' ? '*' : [...r.buckets], scope: r.scope, ...(r.expiresAt !== undefined ? { expiresAt: r.expiresAt } : {}) };
}

function parseRecord(bytes: Uint8Array): TokenRecord | undefined {
  try {
    const r = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<TokenRecord>;
    const bucketsOk = r.buckets === '*' || (Array.isArray(r.buckets) && r.buckets.every((b) => typeof b === 'string'));
    if (typeof r.name !== 'string' || !bucketsOk || typeof r.scope !== 'string' || !isScope(r.scope) || typeof r.sha256 !== 'string' || typeof r.scram !== 'object') return undefined;
    return r as TokenRecord;
  } catch {
    return undefined;
  }
}

/** The record whose digest equals `digest`, comparing every record in constant time (no early exit). */
function matchDigest(snap: Snapshot, digest: string): TokenRecord | undefined {
  let found: TokenRecord | undefined;
  for (const { record } of snap.entries.values()) {
    if (record !== undefined && digestsEqual(record.sha256, digest)) found = record;
  }
  return found;
}

/** A digest this snapshot already verified, else the constant-time scan (a match is remembered). */
function verifiedOrScan(snap: Snapshot, digest: string): TokenRecord | undefined {
  const known = snap.verified.get(digest);
  if (known !== undefined) return known;
  const found = matchDigest(snap, digest);
  if (found !== undefined) snap.verified.set(digest, found);
  return found;
}

const unauthenticated = (why: string): AppError =>
  new AppError('ERR_UNAUTHENTICATED', `${why}; send "Authorization: Bearer <token>" with a valid token (k3 token create, or the admin token printed at first start).`);

export class TokenStore {
  readonly #store: ObjectStore;
  readonly #refreshMs: number;
  readonly #missReloadMs: number;
  readonly #clock: () => number;
  #snapshot: Snapshot | undefined;
  #loading: Promise<Snapshot> | undefined;

  constructor(opts: TokenStoreOptions) {
    this.#store = opts.store;
    this.#refreshMs = opts.refreshMs ?? 2000;
    this.#missReloadMs = opts.missReloadMs ?? 250;
    this.#clock = opts.clock ?? Date.now;
  }

  /**
   * Mints a token: returns the secret (shown once) and the stored record. ERR_TOKEN_EXISTS if the
   * name is taken. The record is created create-if-absent; a lost answer is resolved by reading it
   * back (its digest is unique), so success means durable; an unreadable outcome is
   * ERR_WRITE_OUTCOME_UNKNOWN, whose retry with the same `idempotencyKey` ends with one token.
   */
  async create(req: CreateTokenRequest): Promise<{ secret: string; record: TokenRecord }> {
    const key = tokenKey(req.name);
    if (req.buckets !== '*' && req.buckets.length === 0) throw new AppError('ERR_BAD_REQUEST', 'A token needs at least one bucket (--bucket B) or all buckets (--all-buckets).');
    if (req.idempotencyKey !== undefined) assertValidIdempotencyKey(req.idempotencyKey);
    const secret = generateSecret();
    const record: TokenRecord = {
      name: req.name,
      buckets: req.buckets === '*' ? '*' : [...new Set(req.buckets)].sort(),
      scope: req.scope,
      ...(req.expiresAt !== undefined ? { expiresAt: req.expiresAt } : {}),
      createdAt: this.#clock(),
      sha256: hashSecret(secret),
      scram: scramVerifier(secret),
      ...(req.idempotencyKey !== undefined ? { requestKey: req.idempotencyKey } : {}),
    };
    const body = Buffer.from(`${JSON.stringify(record)}\n`);
    this.#snapshot = undefined;
    const retryHint = 'Retry with the same idempotency key (one token results; the retry answers its secret).';
    if (!(await putIfAbsentResolved(this.#store, key, body, 'The token record', retryHint))) {
      if (!(await this.#sameRequest(key, record))) throw new AppError('ERR_TOKEN_EXISTS', `A token named "${req.name}" already exists; pick another name or revoke it first (k3 token revoke ${req.name}).`, { name: req.name });
      // An earlier attempt of this request landed but its secret never reached anyone: re-issue it.
      await this.#store.put(key, body);
    }
    return { secret, record };
  }

  /** True when the record at `key` was made by a create with the same idempotency key and principal. */
  async #sameRequest(key: string, mine: TokenRecord): Promise<boolean> {
    if (mine.requestKey === undefined) return false;
    const bytes = await this.#store.get(key);
    const theirs = bytes === undefined ? undefined : parseRecord(bytes);
    return theirs !== undefined && theirs.requestKey === mine.requestKey && theirs.scope === mine.scope
      && JSON.stringify(theirs.buckets) === JSON.stringify(mine.buckets) && theirs.expiresAt === mine.expiresAt;
  }

  /** Every token (read from the store now), sorted by name; never secrets or digests. */
  async list(): Promise<TokenInfo[]> {
    const snap = await this.#load();
    this.#snapshot = snap;
    return [...snap.entries.values()]
      .flatMap((e) => (e.record === undefined ? [] : [e.record]))
      .map(({ name, buckets, scope, expiresAt, createdAt }) => ({ name, buckets, scope, createdAt, ...(expiresAt !== undefined ? { expiresAt } : {}) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Deletes the token. ERR_TOKEN_NOT_FOUND if there is none of that name — unless the revoke carries
   * an idempotency key (a retry of a revoke whose answer was lost): then an absent token is the
   * revoke's outcome, and it answers success. A delete whose answer was lost is resolved by looking
   * again: gone → revoked; still there → the error stands (nothing happened, retry); unreadable →
   * ERR_WRITE_OUTCOME_UNKNOWN (retry with the key).
   */
  async revoke(name: string, opts: { idempotencyKey?: string } = {}): Promise<void> {
    const key = tokenKey(name);
    if (opts.idempotencyKey !== undefined) assertValidIdempotencyKey(opts.idempotencyKey);
    this.#snapshot = undefined;
    if ((await this.#store.head(key)) === undefined) {
      if (opts.idempotencyKey !== undefined) return;
      throw new AppError('ERR_TOKEN_NOT_FOUND', `There is no token named "${name}"; k3 token list shows the names.`, { name });
    }
    try {
      await this.#store.deleteMany([key]);
    } catch (err) {
      let still: boolean;
      try {
        still = (await this.#store.head(key)) !== undefined;
      } catch {
        throw new AppError('ERR_WRITE_OUTCOME_UNKNOWN', `The token "${name}" may or may not have been revoked: the store's answer was lost and looking again failed. Retry with the same idempotency key.`, { name }, { cause: err });
      }
      if (still) throw err;
    }
  }

  /** True when no token exists yet (first start). */
  async isEmpty(): Promise<boolean> {
    const { objects } = await this.#store.list(TOKENS_PREFIX, { limit: 1 });
    return objects.length === 0;
  }

  /** The record of one token by name, from the cached snapshot (the Postgres wire's SCRAM lookup). */
  async byName(name: string): Promise<TokenRecord | undefined> {
    if (!NAME.test(name)) return undefined;
    const snap = await this.#current();
    const record = snap.entries.get(`${TOKENS_PREFIX}${name}.json`)?.record;
    return record !== undefined && !this.#expired(record) ? record : undefined;
  }

  /** `Authorization` header value → the principal, or ERR_UNAUTHENTICATED. */
  async authenticateBearer(header: string | undefined): Promise<Principal> {
    if (header === undefined || header === '') throw unauthenticated('The request has no Authorization header');
    if (header.length > MAX_HEADER_LENGTH) throw unauthenticated('The Authorization header is too long');
    const m = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
    if (m === null) throw unauthenticated('The Authorization header is not a bearer token');
    return this.authenticateSecret(m[1] ?? '');
  }

  /** A presented secret → the principal, or ERR_UNAUTHENTICATED. */
  async authenticateSecret(secret: string): Promise<Principal> {
    const digest = hashSecret(secret);
    let snap = await this.#current();
    let found = verifiedOrScan(snap, digest);
    if (found === undefined && this.#clock() - snap.loadedAt >= this.#missReloadMs) {
      snap = await this.#current(true);
      found = verifiedOrScan(snap, digest);
    }
    if (found === undefined) throw unauthenticated('The token is not valid (unknown or revoked)');
    if (this.#expired(found)) throw unauthenticated(`The token "${found.name}" has expired`);
    return toPrincipal(found);
  }

  /** `authorize` of principal.ts (re-exported here for callers holding a store). */
  authorize(principal: Principal, bucket: string, action: Action): void {
    authorizePrincipal(principal, bucket, action);
  }

  #expired(r: TokenRecord): boolean {
    return r.expiresAt !== undefined && r.expiresAt <= this.#clock();
  }

  async #current(force = false): Promise<Snapshot> {
    const snap = this.#snapshot;
    if (!force && snap !== undefined && this.#clock() - snap.loadedAt < this.#refreshMs) return snap;
    this.#loading ??= this.#load(snap).then(
      (s) => {
        this.#snapshot = s;
        this.#loading = undefined;
        return s;
      },
      (err: unknown) => {
        this.#loading = undefined;
        throw err;
      },
    );
    return this.#loading;
  }

  /** LIST the records; GET only those whose stamp changed since `previous`. */
  async #load(previous?: Snapshot): Promise<Snapshot> {
    const loadedAt = this.#clock();
    const entries = new Map<string, { stamp: string; record: TokenRecord | undefined }>();
    // Without `limit` every adapter pages internally and returns all keys.
    const { objects } = await this.#store.list(TOKENS_PREFIX);
    await Promise.all(objects.map(async (o) => {
      if (!o.key.endsWith('.json')) return;
      const stamp = `${o.etag ?? ''}/${o.lastModified}/${o.size}`;
      const old = previous?.entries.get(o.key);
      if (old !== undefined && old.stamp === stamp) {
        entries.set(o.key, old);
        return;
      }
      const bytes = await this.#store.get(o.key);
      if (bytes !== undefined) entries.set(o.key, { stamp, record: parseRecord(bytes) });
    }));
    // Verified digests carry over while their record is the same unchanged object.
    const kept = new Set([...entries.values()].map((e) => e.record));
    const verified = new Map([...(previous?.verified ?? [])].filter(([, record]) => kept.has(record)));
    return { loadedAt, entries, verified };
  }
}

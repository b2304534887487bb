/**
 * Principals, scopes and actions (design note: docs/design/auth.md; shared decision 3).
 *
 * A principal is what a bearer token proves: its name (the token's unique name), the buckets it
 * may touch (a list, or '*') and one scope. Scopes are ordered read < write < admin; every action
 * needs one scope. `authorize` is pure: it throws ERR_FORBIDDEN without saying whether the bucket
 * or any table exists, so a refused caller learns nothing about the store.
 */
import { AppError } from '../errors/index.ts';

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  readonly name: string;
  readonly buckets: readonly string[] | '*';
  readonly scope: Scope;
  /** Epoch ms; absent = never expires. */
  readonly expiresAt?: number;
}

/**
 * What a request does, named after the RPCs (seeds 002/003) and the statement kinds of Execute.
 * `select` covers every read statement (SELECT, EXPLAIN, PRAGMA table functions…).
 */
export const ACTION_SCOPES = {
  select: 'read',
  query: 'read',
  describe: 'read',
  list: 'read',
  history: 'read',
  dml: 'write',
  'typed-write': 'write',
  compact: 'write',
  ddl: 'admin',
  optimize: 'admin',
  vacuum: 'admin',
  restore: 'admin',
  engine: 'admin',
  tokens: 'admin',
} as const satisfies Record<string, Scope>;
export type Action = keyof typeof ACTION_SCOPES;

const RANK: Record<Scope, number> = { read: 0, write: 1, admin: 2 };

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}

export function requiredScope(action: Action): Scope {
  return ACTION_SCOPES[action];
}

export function scopeAllows(scope: Scope, action: Action): boolean {
  return RANK[scope] >= RANK[ACTION_SCOPES[action]];
}

export function bucketAllowed(principal: Principal, bucket: string): boolean {
  return principal.buckets === '*' || principal.buckets.includes(bucket);
}

/** Throws ERR_FORBIDDEN unless `principal` may do `action` on `bucket`. */
export function authorize(principal: Principal, bucket: string, action: Action): void {
  if (!bucketAllowed(principal, bucket)) {
    throw new AppError('ERR_FORBIDDEN', `Token "${principal.name}" is not allowed to use this bucket; ask an admin for a token that lists it (k3 token create --bucket …).`, { principal: principal.name });
  }
  if (!scopeAllows(principal.scope, action)) {
    throw new AppError(
      'ERR_FORBIDDEN',
      `Token "${principal.name}" has scope ${principal.scope}, but ${action} needs scope ${requiredScope(action)}; use a token with that scope.`,
      { principal: principal.name, scope: principal.scope, action, requiredScope: requiredScope(action) },
    );
  }
}

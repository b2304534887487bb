/**
 * Auth: bearer tokens scoped to buckets, principals and authorization (design note:
 * docs/design/auth.md). Wire adapters call `authenticateBearer` then `authorize`; the Postgres
 * wire reads a token's SCRAM verifier with `byName`.
 */
export { ACTION_SCOPES, SCOPES, authorize, bucketAllowed, isScope, requiredScope, scopeAllows, type Action, type Principal, type Scope } from './principal.ts';
export { SCRAM_ITERATIONS, SECRET_PREFIX, generateSecret, hashSecret, scramVerifier, type ScramVerifier } from './token-secret.ts';
export { TOKENS_PREFIX, TokenStore, assertValidTokenName, toPrincipal, type CreateTokenRequest, type TokenInfo, type TokenRecord, type TokenStoreOptions } from './token-store.ts';
export { openTokenStore } from './open-token-store.ts';
export { FIRST_ADMIN_TOKEN_NAME, mintFirstAdminToken } from './first-admin-token.ts';

/**
 * Token secrets and what is stored instead of them.
 *
 * A secret is `k3_` + 32 random bytes (256 bits) in base64url. The store keeps only
 * - `sha256`: SHA-256 of the secret, compared in constant time for bearer authentication (a
 *   256-bit random secret needs no slow hash: there is nothing to brute-force);
 * - a SCRAM-SHA-256 verifier (RFC 5802 / RFC 7677): salt, iterations, StoredKey, ServerKey, so a
 *   Postgres-wire client (user = token name, password = secret) authenticates without the secret
 *   ever being stored. Secrets are ASCII, so SASLprep leaves them unchanged.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'k3_';
const SECRET_BYTES = 32;
/** RFC 7677 recommends at least 4096. */
export const SCRAM_ITERATIONS = 4096;

export interface ScramVerifier {
  /** base64 */
  readonly salt: string;
  readonly iterations: number;
  /** base64 of SHA-256(ClientKey) */
  readonly storedKey: string;
  /** base64 of HMAC(SaltedPassword, "Server Key") */
  readonly serverKey: string;
}

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time equality of two hex SHA-256 digests (equal lengths by construction). */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function scramVerifier(secret: string, opts: { salt?: Buffer; iterations?: number } = {}): ScramVerifier {
  const salt = opts.salt ?? randomBytes(16);
  const iterations = opts.iterations ?? SCRAM_ITERATIONS;
  const salted = pbkdf2Sync(Buffer.from(secret, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return { salt: salt.toString('base64'), iterations, storedKey: storedKey.toString('base64'), serverKey: serverKey.toString('base64') };
}

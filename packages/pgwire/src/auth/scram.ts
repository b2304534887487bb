/**
 * SCRAM-SHA-256 (RFC 5802 / RFC 7677) on the server side, as PostgreSQL speaks it: the token
 * store keeps only a verifier (salt, iterations, StoredKey, ServerKey), never the secret, and the
 * exchange proves the client knows the secret without sending it.
 *
 * The verifier (and its derivation from a secret) is the token store's (core auth/token-secret.ts).
 *
 * Invariants: proofs are compared in constant time; an unknown user runs the same exchange against
 * a decoy verifier and fails at the same step as a wrong password (no user enumeration); channel
 * binding (SCRAM-SHA-256-PLUS) is not offered, so a client asking for it ('p=') is refused.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SCRAM_ITERATIONS, type ScramVerifier } from '@k3/core/auth';

export const SCRAM_MECHANISM = 'SCRAM-SHA-256';

const hmac = (key: Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

/** A verifier no secret matches, stable per user name so repeated probes look alike. */
export function decoyVerifier(user: string, serverSecret: Buffer): ScramVerifier {
  const salt = hmac(serverSecret, `salt:${user}`).subarray(0, 16);
  return {
    salt: salt.toString('base64'),
    iterations: SCRAM_ITERATIONS,
    storedKey: hmac(serverSecret, `stored:${user}`).toString('base64'),
    serverKey: hmac(serverSecret, `server:${user}`).toString('base64'),
  };
}

export class ScramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScramError';
  }
}

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0] ?? '', part.slice(2));
  }
  return out;
}

/** One server-side exchange: `first(clientFirst)` → server-first; `final(clientFinal)` → server-final or ScramError. */
export class ScramServerExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private gs2Header = '';

  private readonly verifier: ScramVerifier;

  constructor(verifier: ScramVerifier) {
    this.verifier = verifier;
  }

  first(clientFirst: string): string {
    // gs2-header: "n,," (no channel binding) or "y,," (client supports it, server did not offer it).
    const m = /^([ny]),(a=[^,]*)?,(.*)$/.exec(clientFirst);
    if (m === null) throw new ScramError('unsupported SCRAM channel binding or malformed client-first-message');
    this.gs2Header = `${m[1]},${m[2] ?? ''},`;
    this.clientFirstBare = m[3] ?? '';
    const clientNonce = attributes(this.clientFirstBare).get('r');
    if (clientNonce === undefined || clientNonce === '') throw new ScramError('client-first-message without nonce');
    this.nonce = clientNonce + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.verifier.salt},i=${this.verifier.iterations}`;
    return this.serverFirst;
  }

  final(clientFinal: string): string {
    const attrs = attributes(clientFinal);
    const proofText = attrs.get('p');
    if (attrs.get('r') !== this.nonce || proofText === undefined) throw new ScramError('nonce mismatch');
    if (attrs.get('c') !== Buffer.from(this.gs2Header, 'utf8').toString('base64')) throw new ScramError('channel binding mismatch');
    const withoutProof = clientFinal.slice(0, clientFinal.lastIndexOf(',p='));
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const storedKey = Buffer.from(this.verifier.storedKey, 'base64');
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(proofText, 'base64');
    if (proof.length !== signature.length) throw new ScramError('bad proof');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = (proof[i] ?? 0) ^ (signature[i] ?? 0);
    const candidate = sha256(clientKey);
    if (candidate.length !== storedKey.length || !timingSafeEqual(candidate, storedKey)) throw new ScramError('bad proof');
    return `v=${hmac(Buffer.from(this.verifier.serverKey, 'base64'), authMessage).toString('base64')}`;
  }
}

/**
 * Auth at start-up (design note: docs/design/auth.md, "Out of the box").
 *
 * - K3_AUTH=off is accepted only while the server binds a loopback address; anything else refuses
 *   to start with a message saying how to fix it.
 * - With auth on and no token in the store yet, the server mints an admin token for all buckets
 *   (name `admin`), stores its hash, and hands the secret to the banner — the only time it is
 *   shown. Two coordinators starting together cannot both mint it (create-if-absent by name).
 */
import { isIP } from 'node:net';
import { AppError, type Config } from '@k3/core';
import { mintFirstAdminToken, openTokenStore, type TokenStore } from '@k3/core/auth';
import { createBucketStoreFactory } from '@k3/core/object-store';

export interface AuthStartup {
  /** undefined = auth off. */
  tokens: TokenStore | undefined;
  /** The secret minted at this start (first start only). */
  mintedToken: string | undefined;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

export function assertAuthBinding(config: Pick<Config, 'K3_AUTH' | 'K3_HOST'>): void {
  if (config.K3_AUTH === 'off' && !isLoopbackHost(config.K3_HOST)) {
    throw new AppError(
      'ERR_CONFIG_INVALID',
      `K3_AUTH=off is only allowed on a loopback address, but K3_HOST=${config.K3_HOST}. Remove K3_AUTH=off (clients then send "Authorization: Bearer <token>"; k3 token create makes tokens) or bind 127.0.0.1.`,
    );
  }
}

export async function startAuth(config: Config): Promise<AuthStartup> {
  assertAuthBinding(config);
  if (config.K3_AUTH === 'off') return { tokens: undefined, mintedToken: undefined };
  const tokens = await openTokenStore(config, createBucketStoreFactory(config));
  return { tokens, mintedToken: await mintFirstAdminToken(tokens) };
}

/**
 * The TokenStore of a process, from its configuration: the records live in the auth bucket
 * (K3_AUTH_BUCKET) of the same object store as the tables, so the server, every other
 * coordinator and the CLI (`k3 token …`) see the same tokens. The bucket is created if absent.
 */
import type { Config } from '../config/index.ts';
import type { BucketStores } from '../object-store/index.ts';
import { TokenStore } from './token-store.ts';

export async function openTokenStore(config: Pick<Config, 'K3_AUTH_BUCKET' | 'K3_AUTH_REFRESH'>, stores: BucketStores): Promise<TokenStore> {
  if (!(await stores.exists(config.K3_AUTH_BUCKET))) await stores.create(config.K3_AUTH_BUCKET);
  return new TokenStore({ store: stores.open(config.K3_AUTH_BUCKET), refreshMs: config.K3_AUTH_REFRESH });
}

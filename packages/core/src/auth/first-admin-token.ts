/**
 * First start: when the store holds no token, mint `admin` (scope admin, all buckets) and return
 * its secret so the caller can show it once. Undefined when tokens exist already, or another
 * process won the create-if-absent race for the name.
 */
import { isAppError } from '../errors/index.ts';
import type { TokenStore } from './token-store.ts';

export const FIRST_ADMIN_TOKEN_NAME = 'admin';

export async function mintFirstAdminToken(tokens: TokenStore): Promise<string | undefined> {
  if (!(await tokens.isEmpty())) return undefined;
  try {
    return (await tokens.create({ name: FIRST_ADMIN_TOKEN_NAME, buckets: '*', scope: 'admin' })).secret;
  } catch (err) {
    if (isAppError(err, 'ERR_TOKEN_EXISTS')) return undefined;
    throw err;
  }
}

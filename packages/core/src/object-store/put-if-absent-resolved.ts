/**
 * `putIfAbsentResolved`: a create-if-absent whose lost answer is resolved by reading the object
 * back (docs/design/faults.md, "Where ambiguity is resolved"). The body must be unique to this
 * writer (a writer id, a random secret's digest, a timestamp), so equal bytes mean "ours":
 *
 *   putIfAbsent answers ........ its answer (true = created, false = someone else's is there)
 *   putIfAbsent fails, read back:
 *     our bytes ................ true  (it landed; only the answer was lost)
 *     other bytes .............. false (another writer won)
 *     absent .................. the original (retryable) error: nothing landed
 *     the read fails .......... ERR_WRITE_OUTCOME_UNKNOWN (retryable): `what` + `retryHint` say what to do
 */
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from './object-store.ts';

export async function putIfAbsentResolved(store: ObjectStore, key: string, body: Uint8Array, what: string, retryHint: string): Promise<boolean> {
  try {
    return await store.putIfAbsent(key, body);
  } catch (err) {
    let existing: Uint8Array | undefined;
    try {
      existing = await store.get(key);
    } catch {
      throw new AppError('ERR_WRITE_OUTCOME_UNKNOWN', `${what} ${key} may or may not have been written: the store's answer was lost and reading it back failed. ${retryHint}`, { key }, { cause: err });
    }
    if (existing === undefined) throw err;
    return Buffer.from(existing).equals(body);
  }
}

/**
 * The exactly-once ledger of a pipeline table, kept in its own Delta log: the commit that adds an
 * object version's rows carries `txn { appId: "k3-ingest:<key>", version: <53-bit hash of the
 * version's ETag> }`. Delta replay keeps the latest txn per appId, so the snapshot answers "is
 * this version of this object in the table?" with no other state; the rows and the ledger entry
 * become visible in the same atomic put-if-absent of the commit, so a crash at any point either
 * left neither (the object is ingested again) or both (it is skipped). Two ingesters racing on one
 * object conflict on the appId (ERR_DELTA_CONCURRENT_TRANSACTION) and the loser re-checks.
 * These txns never expire (unlike the `k3-request:` idempotency txns).
 */
import { createHash } from 'node:crypto';
import type { Txn } from '../delta/actions.ts';
import type { ObjectMeta } from '../object-store/index.ts';

export const INGEST_TXN_PREFIX = 'k3-ingest:';

export function ingestAppId(key: string): string {
  return `${INGEST_TXN_PREFIX}${key}`;
}

/** A positive safe integer identifying an ETag. */
export function etagVersion(etag: string): number {
  const h = createHash('sha256').update(etag).digest();
  return Number(h.readBigUInt64BE(0) & 0x1f_ffff_ffff_ffffn) || 1;
}

/**
 * The version identity of an object: its ETag, or (stores without ETags: the local directory)
 * size and modification time.
 */
export function objectVersionTag(meta: Pick<ObjectMeta, 'etag' | 'size' | 'lastModified'>): string {
  return meta.etag !== undefined && meta.etag !== '' ? meta.etag : `${meta.size}-${meta.lastModified}`;
}

export type LedgerState = 'ingested' | 'changed' | 'new';

export function ledgerState(txns: ReadonlyMap<string, Txn>, key: string, etag: string): LedgerState {
  const txn = txns.get(ingestAppId(key));
  if (txn === undefined) return 'new';
  return txn.version === etagVersion(etag) ? 'ingested' : 'changed';
}

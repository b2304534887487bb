/**
 * Idempotency keys as Delta `txn` actions (docs/design/faults.md, "Idempotency").
 *
 * A write sent with an idempotency key commits `txn { appId: "k3-request:<key>", version:
 * <rows affected> }` in the same commit as its effect (a keyed write: in its write-log record,
 * carried into the drain commit). A retry of the same key finds the txn (or the pending record)
 * and answers the recorded outcome instead of applying the write again; two concurrent attempts
 * with one key conflict (ConcurrentTransaction) and the loser re-runs into the replay. Spark and
 * delta-rs use txn actions exactly so (idempotent streaming writes).
 *
 * Retention: request txns are kept at least REQUEST_TXN_RETENTION_MS after their commit, then
 * dropped from the next checkpoint (other txns — the write-log watermark, the compactor epoch —
 * are never expired). A retry after the retention window may apply again.
 */
import { AppError } from '../errors/index.ts';
import type { Txn } from './actions.ts';

export const REQUEST_TXN_PREFIX = 'k3-request:';
/** How long an idempotency key is remembered: 7 days. */
export const REQUEST_TXN_RETENTION_MS = 7 * 24 * 3600 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export function requestTxnAppId(idempotencyKey: string): string {
  return `${REQUEST_TXN_PREFIX}${idempotencyKey}`;
}

/** 1–200 printable ASCII characters without spaces (a UUID is the usual choice); else ERR_BAD_REQUEST. */
export function assertValidIdempotencyKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new AppError('ERR_BAD_REQUEST', 'An idempotency key must be 1–200 printable ASCII characters without spaces (a UUID per logical write is the usual choice).', { length: key.length });
  }
}

/** The rows the earlier attempt with this key affected, or undefined when the key is unknown. */
export function recordedRequest(txns: ReadonlyMap<string, Txn>, idempotencyKey: string | undefined): number | undefined {
  if (idempotencyKey === undefined) return undefined;
  return txns.get(requestTxnAppId(idempotencyKey))?.version;
}

/** Whether a checkpoint written at `now` may drop this txn. */
export function isExpiredRequestTxn(txn: Txn, now: number): boolean {
  return txn.appId.startsWith(REQUEST_TXN_PREFIX) && typeof txn.lastUpdated === 'number' && txn.lastUpdated < now - REQUEST_TXN_RETENTION_MS;
}

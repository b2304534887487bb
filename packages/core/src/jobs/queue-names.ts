/**
 * Queue names and Redis key prefixes. BullMQ keys are `<prefix>:<queue>:…`; the prefix is
 * K3_QUEUE_PREFIX, so several k3 deployments (or test runs) can share one Redis without seeing each
 * other's jobs. Queue names are fixed: coordinator and workers of one release agree on them.
 */
import { AppError } from '../errors/index.ts';

export const QUEUE_NAMES = {
  /** Per-partition scan jobs (ScanJobV1 → ScanResultV1). */
  scan: 'scan-v1',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** The BullMQ `prefix` option for K3_QUEUE_PREFIX (BullMQ forbids ':' inside it and queue names). */
export function queuePrefix(prefix: string): string {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) {
    throw new AppError('ERR_CONFIG_INVALID', `K3_QUEUE_PREFIX=${JSON.stringify(prefix)} is not valid: use 1-64 characters of [A-Za-z0-9_.-].`, { prefix });
  }
  return prefix;
}

/** BullMQ job id of one scan job. Unique per (query, job index), so a retried job is the same job. */
export function scanJobId(queryId: string, jobIndex: number): string {
  // BullMQ refuses ':' in custom ids and ids that parse as integers.
  return `${queryId}-j${jobIndex}`;
}

/**
 * Redis pub/sub channel on which a coordinator announces a query it gave up on (deadline, client
 * gone, a failed partition); workers stop that query's running jobs at once instead of at the
 * job's deadline. The message is the queryId.
 */
export function scanCancelChannel(prefix: string): string {
  return `${queuePrefix(prefix)}:${QUEUE_NAMES.scan}:cancel`;
}

/** Prefix of every coordinator's scan-result inbox (a worker pushes onto no other key). */
export function scanInboxPrefix(prefix: string): string {
  return `${queuePrefix(prefix)}:${QUEUE_NAMES.scan}:inbox:`;
}

/**
 * Redis list onto which workers push the results of one coordinator's scan jobs (ScanJobV1.replyTo),
 * as JSON `{ jobId, result }`; the coordinator BLPOPs it on a dedicated connection. One per
 * coordinator process (`coordinatorId` is random), so results of different coordinators never meet,
 * and within one the jobId (queryId-jN, queryId a UUID per query) routes each to its query.
 */
export function scanInboxKey(prefix: string, coordinatorId: string): string {
  return `${scanInboxPrefix(prefix)}${coordinatorId}`;
}

/** How long an inbox outlives its last push (a coordinator that died leaves nothing for long). */
export const SCAN_INBOX_TTL_MS = 10 * 60_000;

/** The queryId part of a scan job id (inverse of scanJobId). */
export function queryIdOfJob(jobId: string): string | undefined {
  const m = /^(.+)-j\d+$/.exec(jobId);
  return m?.[1];
}

/**
 * The ScanExecutor port: runs a query's scan jobs somewhere and hands back exactly one result per
 * job, in jobIndex order. Adapters: InProcessScanExecutor (embedded mode, same process) and
 * BullMQScanExecutor (distributed mode, stateless workers over Redis). The engine depends only on
 * this port, so switching modes is a composition-root decision (docs/design/distributed-execution.md).
 *
 * Contract every adapter keeps:
 * - resolves with one ScanResultV1 per job, sorted by jobIndex — a retried job is never counted twice;
 * - rejects ERR_QUERY_TIMEOUT once `deadline` (epoch ms) passes, ERR_QUERY_CANCELLED when `signal`
 *   aborts, and stops or removes the jobs still outstanding;
 * - a failing job fails the whole run with its cause.
 */
import type { ScanJobV1, ScanResultV1 } from '../jobs/index.ts';
import type { ScanBacklog } from './scan-backlog.ts';

export interface ScanRunOptions {
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal;
  /** Epoch milliseconds. */
  readonly deadline: number;
}

export interface ScanExecutor {
  readonly kind: 'in-process' | 'bullmq';
  run(jobs: readonly ScanJobV1[], opts: ScanRunOptions): Promise<ScanResultV1[]>;
  /** The scan backlog autoscaling follows (scan-backlog.ts); in-process: the jobs running now. */
  backlog(): Promise<ScanBacklog>;
  close(): Promise<void>;
}

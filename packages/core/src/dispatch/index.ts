/** Running scan jobs: the ScanExecutor port and its adapters, the job handler, the worker role (docs/design/distributed-execution.md). */
export type { ScanExecutor, ScanRunOptions } from './scan-executor.ts';
export { createScanJobHandler, type ScanJobHandler, type ScanJobHandlerDeps, type ScanJobRunOptions } from './scan-job-handler.ts';
export { runPartialQuery, type PartialQueryResult } from './run-partial-query.ts';
export { ScanViewPool, type ScanViewStats } from './scan-view-pool.ts';
export { InProcessScanExecutor, type InProcessScanExecutorOptions } from './in-process-scan-executor.ts';
export { BullMQScanExecutor, type BullMQScanExecutorOptions, type ScanDeliveries } from './bullmq-scan-executor.ts';
export { createScanWorker, type ScanWorkerOptions } from './scan-worker.ts';
export { toScanJobs, type ScanJobContext } from './to-scan-jobs.ts';
export { collectPartials, deleteSpilledResults, readScanResult, type CollectedPartials, type ScanStats } from './collect-partials.ts';
export { sweepJobResults } from './sweep-job-results.ts';
export { createScanExecutor } from './create-scan-executor.ts';
export { runFederatedPlan, type FederatedRunContext, type FederatedRunResult } from './run-federated-plan.ts';
export { blockingConnection, producerConnection, queueUnavailable, redactRedisUrl } from './redis-connection.ts';
export { COORDINATOR_WINDOW_MS, delayedDueMaxScore, readQueueBacklog, RecentJobs, withTotal, type ScanBacklog } from './scan-backlog.ts';
export { ScaleToZeroScanExecutor, type ScaleToZeroOptions } from './scale-to-zero-executor.ts';

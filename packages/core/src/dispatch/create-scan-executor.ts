/**
 * createScanExecutor: the one switch between embedded and distributed execution. With
 * K3_REDIS_URL set, scan jobs go through BullMQ to worker processes; without it, they run in this
 * process on the given DuckDB and cache (bounded by K3_WORKER_CONCURRENCY). With K3_SCALE_TO_ZERO
 * (default) a distributed coordinator runs the jobs itself while no worker is alive. Callers hold
 * only the ScanExecutor port.
 */
import type { Config } from '../config/index.ts';
import { BullMQScanExecutor } from './bullmq-scan-executor.ts';
import { InProcessScanExecutor } from './in-process-scan-executor.ts';
import { createScanJobHandler, type ScanJobHandlerDeps } from './scan-job-handler.ts';
import type { ScanExecutor } from './scan-executor.ts';
import { ScaleToZeroScanExecutor } from './scale-to-zero-executor.ts';

type ExecutorConfig = Pick<Config,
  | 'K3_REDIS_URL' | 'K3_QUEUE_PREFIX' | 'K3_REDIS_CONNECT_TIMEOUT' | 'K3_JOB_ATTEMPTS' | 'K3_JOB_BACKOFF' | 'K3_JOB_RETENTION'
  | 'K3_JOB_RETENTION_COUNT' | 'K3_WORKER_CONCURRENCY' | 'K3_JOB_RESULT_INLINE_MAX_BYTES' | 'K3_TEST_SCAN_DELAY'> & Partial<Pick<Config, 'K3_SCALE_TO_ZERO' | 'K3_SCALE_WAKE_WINDOW'>>;

export function createScanExecutor(config: ExecutorConfig, local: Pick<ScanJobHandlerDeps, 'stores' | 'db' | 'cache'>): ScanExecutor {
  const inProcess = (): InProcessScanExecutor => new InProcessScanExecutor({
    handler: createScanJobHandler({ ...local, inlineMaxBytes: config.K3_JOB_RESULT_INLINE_MAX_BYTES, testDelayMs: config.K3_TEST_SCAN_DELAY }),
    concurrency: config.K3_WORKER_CONCURRENCY,
  });
  if (config.K3_REDIS_URL !== '') {
    const remote = new BullMQScanExecutor({
      redisUrl: config.K3_REDIS_URL,
      prefix: config.K3_QUEUE_PREFIX,
      connectTimeoutMs: config.K3_REDIS_CONNECT_TIMEOUT,
      attempts: config.K3_JOB_ATTEMPTS,
      backoffMs: config.K3_JOB_BACKOFF,
      retentionMs: config.K3_JOB_RETENTION,
      retentionCount: config.K3_JOB_RETENTION_COUNT,
    });
    // Scale to zero: with no live worker the coordinator runs the jobs itself (scale-to-zero-executor.ts).
    if (config.K3_SCALE_TO_ZERO !== true) return remote;
    return new ScaleToZeroScanExecutor(remote, inProcess(), { redisUrl: config.K3_REDIS_URL, connectTimeoutMs: config.K3_REDIS_CONNECT_TIMEOUT, ...(config.K3_SCALE_WAKE_WINDOW !== undefined ? { wakeWindowMs: config.K3_SCALE_WAKE_WINDOW } : {}) });
  }
  return inProcess();
}

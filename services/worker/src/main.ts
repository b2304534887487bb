/**
 * The worker service's composition root (distributed mode): loadConfig → pino → worker runtime
 * (stores, sandboxed DuckDB, Parquet cache, BullMQ Worker) → "k3-worker ready" on stdout.
 * Stateless: it shares nothing with the coordinator but Redis and the object store, so any number
 * of replicas can run. Needs K3_REDIS_URL. Logs are JSON lines on stderr.
 *
 * Graceful shutdown on SIGINT/SIGTERM: stop taking jobs and let the running ones finish for at
 * most K3_SHUTDOWN_TIMEOUT; after that the worker closes forcibly and exits, and its unfinished
 * jobs (their locks lapse) run again on another worker. A second SIGINT exits at once.
 * Design note: docs/design/distributed-execution.md.
 */
import pino from 'pino';
import { isAppError, loadConfig } from '@k3/core';
import { createWorkerRuntime } from './create-worker-runtime.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.K3_LOG_LEVEL, base: { service: 'worker', pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
  const runtime = await createWorkerRuntime(config, logger);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      if (signal === 'SIGINT') process.exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal, running: runtime.running() }, 'worker stopping');
    const forced = setTimeout(() => {
      logger.warn({ running: runtime.running() }, 'shutdown timeout; abandoning running jobs to other workers');
      // A forced close may itself wait on an unreachable Redis: give it a second, then leave.
      void Promise.race([runtime.close(true), new Promise((r) => setTimeout(r, 1_000))]).finally(() => process.exit(0));
    }, config.K3_SHUTDOWN_TIMEOUT);
    forced.unref();
    runtime.close(false).then(
      () => { logger.info('worker stopped'); process.exit(0); },
      (err: unknown) => { logger.error({ err: (err as Error).message }, 'worker close failed'); process.exit(1); },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await runtime.ready();
  logger.info({ concurrency: config.K3_WORKER_CONCURRENCY, prefix: config.K3_QUEUE_PREFIX, store: config.K3_STORE, ops: runtime.opsUrl }, 'worker ready');
  const ops = runtime.opsUrl === undefined ? '' : `, health ${runtime.opsUrl}/healthz, metrics ${runtime.opsUrl}/metrics`;
  process.stdout.write(`k3-worker ready (pid ${process.pid}, concurrency ${config.K3_WORKER_CONCURRENCY}${ops})\n`);
}

main().catch((err: unknown) => {
  const message = isAppError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`k3-worker failed to start: ${message}\n`);
  process.exit(1);
});

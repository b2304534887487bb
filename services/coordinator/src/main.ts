/**
 * The coordinator's composition root (`npm start`): embedded mode by default (one process, tables
 * in a local directory K3_DATA_DIR, no Redis), distributed mode with K3_REDIS_URL. loadConfig →
 * root logger → engine (stores, DuckDB, cache) → HTTP server → listen (listeners.ts: a busy port
 * is one line naming its setting) → banner on stdout. Logs are JSON lines on stderr so stdout stays
 * the human/script-readable banner. SIGINT/SIGTERM shut down gracefully (graceful-shutdown.ts);
 * with K3_EXIT_WITH_PARENT (`npm start`) so does the disappearance of the parent process.
 * Design note: docs/design/server.md.
 */
import pino from 'pino';
import { isAppError, loadConfig } from '@k3/core';
import { buildServer } from './server.ts';
import { createEngine } from './create-engine.ts';
import { formatBanner } from './banner.ts';
import { installGracefulShutdown } from './graceful-shutdown.ts';
import type { CompactorService } from '@k3/core/compaction';
import { startEmbeddedCompactor } from './compactor-loop.ts';
import { listenRequired } from './listeners.ts';
import { watchParent } from './parent-watch.ts';
import { createRoleRegistry, registerCompactorMetrics } from '@k3/core/metrics';
import { UsageLedger } from '@k3/core/usage';
import { withUsage } from './usage-engine.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.K3_LOG_LEVEL, base: { service: 'coordinator' } }, pino.destination({ fd: 2, sync: true }));
  let ready = false;
  // One Registry for the role: HTTP, store, cache, DuckDB, queue and (embedded) compactor metrics.
  const registry = createRoleRegistry('coordinator');
  const created = await createEngine(config, { registry });
  // Started after listen; the shutdown hook (installed before) stops it if it exists by then.
  let compactor: CompactorService | undefined = undefined;
  const prices = { ...(config.K3_PRICE_VCPU_HOUR !== undefined ? { vcpuHour: config.K3_PRICE_VCPU_HOUR } : {}), ...(config.K3_PRICE_GB_RAM_HOUR !== undefined ? { gbRamHour: config.K3_PRICE_GB_RAM_HOUR } : {}) };
  const usage = new UsageLedger({ registry, prices });
  const engine = withUsage(created.engine, usage, (bucket, metered, breakdown) => logger.info({ bucket, usage: metered, coordinatorCpuMs: breakdown.coordinatorCpuMs, jobs: breakdown.jobs }, 'execute metered'));
  const app = buildServer({ engine, config, logger, ready: () => ready, registry, backlog: created.backlog, usage });
  const stop = installGracefulShutdown({
    app,
    logger,
    timeoutMs: config.K3_SHUTDOWN_TIMEOUT,
    markNotReady: () => void (ready = false),
    release: async () => {
      await compactor?.stop();
      await created.close();
    },
  });
  if (config.K3_EXIT_WITH_PARENT) {
    watchParent((parent) => {
      logger.warn({ parent }, 'parent process gone');
      stop('parent-exited');
    });
  }
  const address = await listenRequired({ name: 'HTTP', setting: 'K3_PORT', host: config.K3_HOST, port: config.K3_PORT, listen: () => app.listen({ host: config.K3_HOST, port: config.K3_PORT }) });
  ready = true;
  compactor = startEmbeddedCompactor(created.engine, config, logger, registerCompactorMetrics(registry));
  logger.info({ address, dataDir: config.K3_DATA_DIR, store: config.K3_STORE }, 'server listening');
  process.stdout.write(formatBanner(address, config));
}

main().catch((err: unknown) => {
  // Start-up failures (bad config, port in use) are reported once, readably, and exit non-zero.
  const message = isAppError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`k3-tables failed to start: ${message}\n`);
  process.exit(1);
});

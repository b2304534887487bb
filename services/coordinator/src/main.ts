/**
 * The coordinator's composition root (`npm start`), embedded mode: one process, tables in a local
 * directory (K3_DATA_DIR), no Redis. loadConfig → root logger → engine (stores, DuckDB, cache) →
 * HTTP server → listen → banner on stdout. Logs are JSON lines on stderr so stdout stays the
 * human/script-readable banner. SIGINT/SIGTERM shut down gracefully (graceful-shutdown.ts).
 * Design note: docs/design/server.md.
 */
import './threadpool.ts';
import pino from 'pino';
import { isAppError, loadConfig } from '@k3/core';
import { buildServer } from './server.ts';
import { createEngine } from './create-engine.ts';
import { formatBanner, type BannerAuth } from './banner.ts';
import { startAuth } from './auth-startup.ts';
import { loadTls } from './tls.ts';
import { installGracefulShutdown } from './graceful-shutdown.ts';
import type { CompactorService } from '@k3/core/compaction';
import { startEmbeddedCompactor } from './compactor-loop.ts';
import { startPgListener } from './pg-listener.ts';
import { startGrpcListener, type GrpcListener } from './rpc/grpc-listener.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.K3_LOG_LEVEL, base: { service: 'coordinator' } }, pino.destination({ fd: 2, sync: true }));
  let ready = false;
  const auth = await startAuth(config);
  const tls = await loadTls(config);
  const created = await createEngine(config);
  // Started after listen; the shutdown hook (installed before) stops it if it exists by then.
  let compactor: CompactorService | undefined = undefined;
  let pg: Awaited<ReturnType<typeof startPgListener>> = undefined;
  let grpc: GrpcListener | undefined = undefined;
  const app = buildServer({ engine: created.engine, config, logger, ready: () => ready, ...(tls !== undefined ? { tls } : {}), ...(auth.tokens !== undefined ? { tokens: auth.tokens } : {}) });
  installGracefulShutdown({
    app,
    logger,
    timeoutMs: config.K3_SHUTDOWN_TIMEOUT,
    markNotReady: () => void (ready = false),
    release: async () => {
      await pg?.server.close();
      await grpc?.close();
      await compactor?.stop();
      await created.close();
    },
  });
  const address = await app.listen({ host: config.K3_HOST, port: config.K3_PORT });
  // Native gRPC (h2c) with reflection on its own port; off when K3_GRPC_PORT is 0.
  if (config.K3_GRPC_PORT !== 0) {
    grpc = await startGrpcListener({ host: config.K3_HOST, port: config.K3_GRPC_PORT, bodyLimit: config.K3_BODY_LIMIT, routes: app.tableServiceRoutes });
  }
  pg = await startPgListener({ config, engine: created.engine, tokens: auth.tokens, logger: logger.child({ wire: 'postgres' }), ...(tls !== undefined ? { tls } : {}) });
  ready = true;
  compactor = startEmbeddedCompactor(created.engine, config, logger);
  logger.info({ address, grpc: grpc?.address ?? null, dataDir: config.K3_DATA_DIR, store: config.K3_STORE }, 'server listening');
  if (auth.tokens === undefined) logger.warn({ host: config.K3_HOST }, 'auth is off (K3_AUTH=off): every request runs as anonymous admin');
  const bannerAuth: BannerAuth = auth.tokens === undefined ? { kind: 'off' } : auth.mintedToken !== undefined ? { kind: 'minted', token: auth.mintedToken } : { kind: 'existing' };
  process.stdout.write(formatBanner(address, config.K3_DATA_DIR, bannerAuth, grpc?.address, pg === undefined ? undefined : { host: config.K3_HOST, port: pg.port }));
}

main().catch((err: unknown) => {
  // Start-up failures (bad config, port in use) are reported once, readably, and exit non-zero.
  const message = isAppError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`k3-tables failed to start: ${message}\n`);
  process.exit(1);
});

/**
 * The coordinator's composition root (`npm start`): embedded mode by default (one process, tables
 * in a local directory K3_DATA_DIR, no Redis), distributed mode with K3_REDIS_URL. loadConfig →
 * root logger → auth (token store; an admin token minted at first start) → engine (stores, DuckDB,
 * cache; metered for usage) → HTTP server (REST, Connect, gRPC-Web, the data browser at /ui) →
 * listen (listeners.ts: a busy port is one line naming its setting; optional listeners — native
 * gRPC — are reported and skipped in embedded mode) → banner on stdout. Logs are JSON lines on
 * stderr so stdout stays the human/script-readable banner. SIGINT/SIGTERM shut down gracefully
 * (graceful-shutdown.ts); with K3_EXIT_WITH_PARENT (`npm start`) so does the disappearance of the
 * parent process. Design note: docs/design/server.md.
 */
import './threadpool.ts';
import path from 'node:path';
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
import { startEmbeddedPipelineScanner } from './pipeline-loop.ts';
import { startPgListener } from './pg-listener.ts';
import { principalLimiterOf } from './principal-limiter.ts';
import { startGrpcListener, type GrpcListener } from './rpc/grpc-listener.ts';
import { listenListener, listenRequired } from './listeners.ts';
import { watchParent } from './parent-watch.ts';
import { createRoleRegistry, registerCompactorMetrics } from '@k3/core/metrics';
import { UsageLedger } from '@k3/core/usage';
import { withUsage } from './usage-engine.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.K3_LOG_LEVEL, base: { service: 'coordinator' } }, pino.destination({ fd: 2, sync: true }));
  let ready = false;
  const auth = await startAuth(config);
  const tls = await loadTls(config);
  // One Registry for the role: HTTP, store, cache, DuckDB, queue and (embedded) compactor metrics.
  const registry = createRoleRegistry('coordinator');
  const created = await createEngine(config, { registry });
  // Started after listen; the shutdown hook (installed before) stops them if they exist by then.
  let compactor: CompactorService | undefined = undefined;
  let pipelineScanner: ReturnType<typeof startEmbeddedPipelineScanner> = undefined;
  let pg: Awaited<ReturnType<typeof startPgListener>> = undefined;
  let grpc: GrpcListener | undefined = undefined;
  const prices = { ...(config.K3_PRICE_VCPU_HOUR !== undefined ? { vcpuHour: config.K3_PRICE_VCPU_HOUR } : {}), ...(config.K3_PRICE_GB_RAM_HOUR !== undefined ? { gbRamHour: config.K3_PRICE_GB_RAM_HOUR } : {}) };
  const usage = new UsageLedger({ registry, prices });
  const engine = withUsage(created.engine, usage, (bucket, metered, breakdown) => logger.info({ bucket, usage: metered, coordinatorCpuMs: breakdown.coordinatorCpuMs, jobs: breakdown.jobs }, 'execute metered'));
  // The data browser (/ui): built by `npm start` (scripts/build-web.ts); its session cookie is checked
  // against the same token store as every wire.
  const ui = {
    tokens: auth.tokens,
    authBucket: config.K3_AUTH_BUCKET,
    bucketStore: (bucket: string) => created.stores.open(bucket),
    distDir: path.resolve(import.meta.dirname, '../../../packages/web/dist'),
    secureCookies: tls !== undefined,
  };
  // One per-principal limiter for every wire of this process (RPC wires and the Postgres wire).
  const limiter = principalLimiterOf(config);
  const app = buildServer({
    engine, config, logger, ready: () => ready, registry, backlog: created.backlog, usage, ui, limiter,
    ...(tls !== undefined ? { tls } : {}), ...(auth.tokens !== undefined ? { tokens: auth.tokens } : {}),
  });
  const stop = installGracefulShutdown({
    app,
    logger,
    timeoutMs: config.K3_SHUTDOWN_TIMEOUT,
    markNotReady: () => void (ready = false),
    release: async () => {
      await pg?.server.close();
      await grpc?.close();
      await compactor?.stop();
      await pipelineScanner?.stop();
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
  const notes: string[] = [];
  // Native gRPC (h2c) with reflection on its own port; off when K3_GRPC_PORT is 0. Optional in
  // embedded mode: a busy port is reported and skipped.
  if (config.K3_GRPC_PORT !== 0) {
    const outcome = await listenListener({
      name: 'gRPC', setting: 'K3_GRPC_PORT', host: config.K3_HOST, port: config.K3_GRPC_PORT,
      listen: async () => {
        grpc = await startGrpcListener({ host: config.K3_HOST, port: config.K3_GRPC_PORT, bodyLimit: config.K3_BODY_LIMIT, routes: app.tableServiceRoutes, ...(tls !== undefined ? { tls } : {}) });
        return grpc.address;
      },
    }, { optional: config.K3_REDIS_URL === '' });
    if (outcome.status === 'listening') {
      notes.push(tls === undefined
        ? `gRPC (h2c, reflection) on ${outcome.address}: npx buf curl --protocol grpc --http2-prior-knowledge --list-methods http://${outcome.address}`
        : `gRPC (TLS, reflection) on ${outcome.address}: npx buf curl --protocol grpc --list-methods https://${outcome.address}`);
    }
    else {
      notes.push(outcome.line);
      logger.warn({ listener: outcome.name, setting: outcome.setting }, outcome.line);
    }
  }
  notes.push(`data browser: ${address}/ui/`);
  pg = await startPgListener({ config, engine, tokens: auth.tokens, logger: logger.child({ wire: 'postgres' }), limiter, ...(tls !== undefined ? { tls } : {}) });
  if (pg === undefined && config.K3_PG_PORT !== 0) notes.push(`Postgres wire not started: port ${config.K3_PG_PORT} on ${config.K3_HOST} is already in use (K3_PG_PORT); set K3_PG_PORT to a free port (0 turns the wire off).`);
  ready = true;
  compactor = startEmbeddedCompactor(created.engine, config, logger, registerCompactorMetrics(registry));
  pipelineScanner = startEmbeddedPipelineScanner(created.engine, config, logger);
  logger.info({ address, dataDir: config.K3_DATA_DIR, store: config.K3_STORE }, 'server listening');
  if (auth.tokens === undefined) logger.warn({ host: config.K3_HOST }, 'auth is off (K3_AUTH=off): every request runs as anonymous admin');
  const bannerAuth: BannerAuth = auth.tokens === undefined ? { kind: 'off' } : auth.mintedToken !== undefined ? { kind: 'minted', token: auth.mintedToken } : { kind: 'existing' };
  process.stdout.write(formatBanner(address, config, { auth: bannerAuth, notes, ...(pg === undefined ? {} : { pg: { host: config.K3_HOST, port: pg.port } }) }));
}

main().catch((err: unknown) => {
  // Start-up failures (bad config, port in use) are reported once, readably, and exit non-zero.
  const message = isAppError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`k3-tables failed to start: ${message}\n`);
  process.exit(1);
});

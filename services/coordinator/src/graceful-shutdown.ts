/**
 * Graceful shutdown on SIGINT/SIGTERM: mark not-ready (new requests get 503 ERR_NOT_READY and
 * /readyz flips), stop accepting, let in-flight requests finish for at most `timeoutMs`, then
 * close remaining connections, release the engine and exit 0. A second SIGINT exits 1 at once —
 * unless it comes within DUPLICATE_SIGNAL_MS of the first: Ctrl-C on `npm start` reaches the
 * server twice (the terminal signals the whole process group, and npm forwards its own copy), and
 * that is one request to stop, not two.
 * The returned function starts the same shutdown for a non-signal reason (the parent is gone).
 *
 * Order matters: the engine is closed only after the HTTP server stopped, so no request ever
 * sees a closed engine.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface ShutdownDeps {
  app: FastifyInstance;
  logger: Logger;
  timeoutMs: number;
  /** Called first: readiness goes false. */
  markNotReady: () => void;
  /** Releases what the app holds (engine, DuckDB), after the server closed. */
  release: () => Promise<void>;
  exit?: (code: number) => void;
}

/** A repeated signal this soon after the first is the same request (terminal + npm forwarding). */
export const DUPLICATE_SIGNAL_MS = 1_000;

export function installGracefulShutdown(deps: ShutdownDeps): (reason: string) => void {
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  let startedAt = 0;
  const onSignal = (signal: string): void => {
    if (shuttingDown) {
      // Ctrl-C twice means "now"; a repeated SIGTERM (orchestrators resend it) keeps draining.
      if (signal === 'SIGINT' && Date.now() - startedAt >= DUPLICATE_SIGNAL_MS) {
        deps.logger.warn({ signal }, 'shutdown forced by second signal');
        exit(1);
      } else deps.logger.info({ signal }, 'shutdown already in progress');
      return;
    }
    shuttingDown = true;
    startedAt = Date.now();
    void shutdown(deps, signal).then(exit);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return onSignal;
}

async function shutdown(deps: ShutdownDeps, signal: string): Promise<number> {
  const started = Date.now();
  deps.logger.info({ signal, timeoutMs: deps.timeoutMs }, 'shutdown started');
  deps.markNotReady();
  const timer = setTimeout(() => {
    deps.logger.warn({ timeoutMs: deps.timeoutMs }, 'shutdown drain timed out; closing connections');
    deps.app.server.closeAllConnections();
  }, deps.timeoutMs);
  timer.unref();
  let code = 0;
  try {
    await deps.app.close();
  } catch (err) {
    deps.logger.error({ err }, 'http server close failed');
    code = 1;
  } finally {
    clearTimeout(timer);
  }
  try {
    await deps.release();
  } catch (err) {
    deps.logger.error({ err }, 'engine close failed');
    code = 1;
  }
  deps.logger.info({ ms: Date.now() - started, code }, 'shutdown complete');
  return code;
}

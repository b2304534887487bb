/**
 * Two coordinator processes on one data directory for the HTAP "writer in another coordinator"
 * tests: a reader started with the given environment and a writer without background drains (the
 * tests drain explicitly). Started before the enclosing suite's tests, stopped after; call inside
 * a `describe`.
 */
import { afterAll, beforeAll } from 'vitest';
import { startServer, type StartedServer } from './server.ts';

export interface CoordinatorPair {
  readonly reader: StartedServer;
  readonly writer: StartedServer;
}

export function coordinatorPair(readerEnv: Record<string, string>): CoordinatorPair {
  const pair = {} as { reader: StartedServer; writer: StartedServer };
  beforeAll(async () => {
    pair.reader = await startServer(readerEnv);
    pair.writer = await startServer({ K3_COMPACTOR_INTERVAL: '1h' }, { dataDir: pair.reader.dataDir });
  }, 60_000);
  afterAll(async () => {
    await pair.writer?.stop();
    await pair.reader?.stop();
  });
  return pair;
}

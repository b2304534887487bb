/**
 * createFederatedReader: the engine's FederatedReader from its deps. A given executor (the
 * coordinator's: BullMQ with K3_REDIS_URL) is used as is; without one the engine runs the same job
 * handler in-process over its own DuckDB and cache (embedded mode) and closes it with itself.
 */
import { createScanExecutor } from '../dispatch/index.ts';
import type { EngineDeps } from './engine-deps.ts';
import { BoundReadPool } from './bound-read-pool.ts';
import { FederatedReader } from './federated-read.ts';

export { FederatedReader } from './federated-read.ts';

export function createFederatedReader(deps: EngineDeps, clock: () => number): FederatedReader {
  const given = deps.executor;
  const executor = given ?? createScanExecutor({ ...deps.config, K3_REDIS_URL: '' }, { stores: deps.stores, db: deps.db, cache: deps.cache });
  return new FederatedReader({ executor, stores: deps.stores, config: deps.config, clock, ownsExecutor: given === undefined, pool: new BoundReadPool(deps.db) });
}

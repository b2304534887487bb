export { Engine, type ExecuteOptions } from './engine.ts';
export type { BucketStores, EngineDeps, FileCache, K3DuckDB } from './engine-deps.ts';

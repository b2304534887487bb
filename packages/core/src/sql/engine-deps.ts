/**
 * What the SQL engine is built from: the bucket stores, the process's DuckDB, the Parquet file
 * cache and the configuration (settings separate from injected components, slatedb-style).
 */
import type { BucketStores } from '../catalog/index.ts';
import type { Config } from '../config/index.ts';
import type { ScanExecutor } from '../dispatch/index.ts';
import type { FileCache, K3DuckDB } from '../exec/index.ts';

export type { BucketStores } from '../catalog/index.ts';
export type { FileCache, K3DuckDB } from '../exec/index.ts';

export interface EngineDeps {
  stores: BucketStores;
  db: K3DuckDB;
  cache: FileCache;
  config: Config;
  clock?: () => number;
  /**
   * Local directory where new Parquet files are staged before upload; must be writable by DuckDB
   * (inside `allowedDirectories` when the database is sandboxed). Default `<K3_CACHE_DIR>/writes`.
   */
  tmpDir?: string;
  /**
   * Runs the scan jobs of federated reads (BullMQ workers in distributed mode). Default: an
   * in-process executor over `db` and `cache`, owned and closed by the engine; a given one is
   * closed by whoever created it.
   */
  executor?: ScanExecutor;
}

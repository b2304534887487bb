/**
 * The ports the SQL engine needs from its neighbours (object store, DuckDB, file cache, config).
 * Structural on purpose: the concrete adapters in object-store/ and exec/ satisfy them without the
 * engine importing their construction details, and tests can hand in real adapters directly.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Config } from '../config/index.ts';
import type { ObjectStore } from '../object-store/index.ts';

/** The stores of all buckets (embedded: one directory per bucket; S3: one S3 bucket each). */
export interface BucketStores {
  open(bucket: string): ObjectStore;
  exists(bucket: string): Promise<boolean>;
  list(): Promise<string[]>;
}

/** A DuckDB instance that hands out fresh connections with k3's macros installed. */
export interface K3DuckDB {
  connect(): Promise<DuckDBConnection>;
}

/** Local copies of data files, so DuckDB reads Parquet from local disk. */
export interface FileCache {
  localPath(store: ObjectStore, key: string): Promise<string>;
}

export interface EngineDeps {
  stores: BucketStores;
  db: K3DuckDB;
  cache: FileCache;
  config: Config;
  clock?: () => number;
}

/**
 * createExecRuntime: the DuckDB side every process needs (coordinator, worker, compactor), built
 * from the configuration in one place: working directories under K3_CACHE_DIR, a DuckDB database
 * sandboxed to them (plus, in local-store mode, the data directory whose Parquet files are read in
 * place), and the Parquet file cache.
 *
 * The sandbox matters because user SQL runs in this database: `read_csv('/etc/passwd')` or
 * `COPY … TO '/somewhere'` fail instead of touching the host.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/index.ts';
import { createDuckDB, type K3DuckDB } from './duckdb-instance.ts';
import { FileCache } from './file-cache.ts';

export interface ExecRuntime {
  readonly db: K3DuckDB;
  readonly cache: FileCache;
  /** Where new Parquet files are staged before upload (inside the sandbox). */
  readonly writesDir: string;
  /** DuckDB's spill directory. */
  readonly spillDir: string;
}

type RuntimeConfig = Pick<Config, 'K3_CACHE_DIR' | 'K3_CACHE_MAX_BYTES' | 'K3_STORE' | 'K3_DATA_DIR'> & Partial<Pick<Config, 'K3_DUCKDB_MEMORY_LIMIT' | 'K3_DUCKDB_THREADS'>>;

/** `writesDirName` keeps processes sharing one K3_CACHE_DIR from staging into the same folder. */
export async function createExecRuntime(config: RuntimeConfig, opts: { writesDirName?: string } = {}): Promise<ExecRuntime> {
  const cacheDir = path.resolve(config.K3_CACHE_DIR);
  const writesDir = path.join(cacheDir, opts.writesDirName ?? 'writes');
  const spillDir = path.join(cacheDir, 'spill');
  await mkdir(writesDir, { recursive: true });
  await mkdir(spillDir, { recursive: true });
  const allowed = [cacheDir];
  if (config.K3_STORE === 'local') {
    const dataDir = path.resolve(config.K3_DATA_DIR);
    await mkdir(dataDir, { recursive: true });
    allowed.push(dataDir);
  }
  const db = await createDuckDB({
    allowedDirectories: allowed,
    tempDir: spillDir,
    ...(config.K3_DUCKDB_MEMORY_LIMIT ? { memoryLimit: config.K3_DUCKDB_MEMORY_LIMIT } : {}),
    ...(config.K3_DUCKDB_THREADS ? { threads: config.K3_DUCKDB_THREADS } : {}),
  });
  const cache = new FileCache({ dir: path.join(cacheDir, 'files'), maxBytes: config.K3_CACHE_MAX_BYTES });
  return { db, cache, writesDir, spillDir };
}

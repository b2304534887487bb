/**
 * The process's DuckDB database and its connections. A thin layer, in the duckdb-node-neo style:
 * lifetimes are in the names (`connect` hands out a connection the caller must close;
 * `withConnection` closes it in `finally`), and nothing here logs.
 *
 * Invariants of every connection handed out: TimeZone is UTC (TIMESTAMPTZ ↔ TIMESTAMP casts give
 * UTC wall-clock time) and the k3 macros (k3-macros.ts, created once per database) resolve. With `allowedDirectories` the
 * database is sandboxed: file access only below those directories (the Parquet cache, local
 * table roots, the spill directory), no extension installs, and the configuration is locked so
 * that user SQL cannot undo it.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { K3_MACROS_SQL } from './k3-macros.ts';
import { mapDuckDBError } from './map-duckdb-error.ts';
import { quoteLiteral } from './sql-quote.ts';

export interface CreateDuckDBOptions {
  /** Worker threads for one query (DuckDB `threads`). Default: DuckDB's (all cores). */
  readonly threads?: number;
  /** DuckDB `memory_limit`, e.g. `1GiB`. */
  readonly memoryLimit?: string;
  /** Spill directory for larger-than-memory operators (`temp_directory`). */
  readonly tempDir?: string;
  /** If set, DuckDB may touch files only below these directories (and the configuration is locked). */
  readonly allowedDirectories?: readonly string[];
  /** DuckDB `parquet_metadata_cache` (default true: k3's Parquet files are immutable; benches compare both). */
  readonly parquetMetadataCache?: boolean;
}

export interface K3DuckDB {
  readonly instance: DuckDBInstance;
  readonly sandboxed: boolean;
  /**
   * A second database set up like this one from `derive(its options)` (same sandbox unless derive
   * changes it), e.g. the keyed-write database of sql/keyed-write-duckdb.ts. The caller closes it.
   */
  sibling?(derive: (options: CreateDuckDBOptions) => CreateDuckDBOptions): Promise<K3DuckDB>;
  /** A new connection with the k3 session setup applied. The caller owns it and must close it. */
  connect(): Promise<DuckDBConnection>;
  /** Closes the database; open connections become unusable. */
  closeSync(): void;
}

export async function createDuckDB(opts: CreateDuckDBOptions = {}): Promise<K3DuckDB> {
  const config: Record<string, string> = {};
  if (opts.threads !== undefined) config['threads'] = String(opts.threads);
  if (opts.memoryLimit !== undefined) config['memory_limit'] = opts.memoryLimit;
  if (opts.tempDir !== undefined) config['temp_directory'] = opts.tempDir;
  const instance = await DuckDBInstance.create(':memory:', config);
  const sandboxed = opts.allowedDirectories !== undefined;
  const bootstrap = await instance.connect();
  try {
    // TimeZone needs icu, which autoloads on first SET (not through the instance config map).
    // Parquet footers are cached (validated by DuckDB against the file's modification time): every
    // Parquet file k3 reads is immutable under a name never reused (data files, cache copies, warm
    // bases), and re-reading the footer was most of a warm point lookup (docs/design/hot-path.md,
    // "Point lookups").
    const setup = ["SET GLOBAL TimeZone = 'UTC'", 'LOAD parquet', `SET GLOBAL parquet_metadata_cache = ${opts.parquetMetadataCache ?? true}`, K3_MACROS_SQL];
    if (opts.allowedDirectories !== undefined) {
      const dirs = [...opts.allowedDirectories, ...(opts.tempDir !== undefined ? [opts.tempDir] : [])];
      setup.push(
        `SET allowed_directories = [${dirs.map((d) => quoteLiteral(d.endsWith('/') ? d : `${d}/`)).join(', ')}]`,
        'SET enable_external_access = false',
        'SET autoinstall_known_extensions = false',
        'SET lock_configuration = true',
      );
    }
    for (const statement of setup) await bootstrap.run(statement);
  } catch (err) {
    instance.closeSync();
    throw mapDuckDBError(err);
  } finally {
    bootstrap.closeSync();
  }
  return {
    instance,
    sandboxed,
    sibling: (derive) => createDuckDB(derive(opts)),
    async connect() {
      const conn = await instance.connect();
      try {
        // Session-level too (cheap, ~0.2 ms); a locked configuration already pins the global value.
        if (!sandboxed) await conn.run("SET TimeZone = 'UTC'");
      } catch (err) {
        conn.closeSync();
        throw mapDuckDBError(err);
      }
      return conn;
    },
    closeSync() {
      instance.closeSync();
    },
  };
}

/** Runs `fn` on a fresh connection and closes the connection afterwards, whatever happens. */
export async function withConnection<T>(db: K3DuckDB, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const conn = await db.connect();
  try {
    return await fn(conn);
  } finally {
    conn.closeSync();
  }
}

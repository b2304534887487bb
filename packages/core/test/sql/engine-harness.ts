/**
 * Test harness: a real Engine over a LocalObjectStore temp directory, a real (sandboxed) DuckDB
 * and a real FileCache — the same parts the server composes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { createDuckDB, FileCache, type K3DuckDB } from '../../src/exec/index.ts';
import { createBucketStoreFactory } from '../../src/object-store/index.ts';
import { Engine } from '../../src/sql/index.ts';
import type { ExecuteQueryResult, ExecuteResponse, ExecuteWriteResult, ExecuteDdlResult } from '../../src/api/index.ts';
import { inWireForm } from '../support/wire-rows.ts';

export interface Harness {
  readonly engine: Engine;
  readonly dir: string;
  readonly bucket: string;
  exec(sql: string): Promise<ExecuteResponse>;
  query(sql: string): Promise<ExecuteQueryResult>;
  write(sql: string): Promise<ExecuteWriteResult>;
  ddl(sql: string): Promise<ExecuteDdlResult>;
  close(): Promise<void>;
}

/**
 * `drainLogWrites` (default true): after a keyed write (KEYED_* / MERGE_* strategies), the
 * harness drains the table (Engine.compact), so tests comparing with DuckDB at the default
 * EVENTUAL freshness see every acknowledged write; HTAP tests pass false to keep the log.
 */
export async function createHarness(env: Record<string, string> = {}, opts: { drainLogWrites?: boolean; wrapDb?: (db: K3DuckDB) => K3DuckDB } = {}): Promise<Harness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'k3-sql-'));
  const dataDir = path.join(dir, 'data');
  const cacheDir = path.join(dir, 'cache');
  const config = loadConfig({ K3_STORE: 'local', K3_DATA_DIR: dataDir, K3_CACHE_DIR: cacheDir, ...keyedWriteDuckDBFromEnv(), ...env });
  const db: K3DuckDB = await createDuckDB({ threads: 2, allowedDirectories: [dataDir, cacheDir] });
  const engine = new Engine({ stores: createBucketStoreFactory(config), db: opts.wrapDb?.(db) ?? db, cache: new FileCache({ dir: cacheDir, maxBytes: 1 << 30 }), config });
  const bucket = 'test-bucket';
  const exec = async (sql: string): Promise<ExecuteResponse> => {
    const r = await engine.execute({ bucket, sql });
    if ((opts.drainLogWrites ?? true) && 'write' in r && /^WRITE_STRATEGY_(KEYED|MERGE)_/.test(r.write.strategy)) {
      while ((await engine.compact(bucket, r.write.tableName)).truncated);
    }
    return r;
  };
  return {
    engine,
    dir,
    bucket,
    exec,
    async query(sql) {
      const r = await exec(sql);
      if (!('query' in r)) throw new Error(`expected a query result for ${sql}, got ${JSON.stringify(r)}`);
      return inWireForm(r.query);
    },
    async write(sql) {
      const r = await exec(sql);
      if (!('write' in r)) throw new Error(`expected a write result for ${sql}, got ${JSON.stringify(r)}`);
      return r.write.returning === undefined ? r.write : { ...r.write, returning: inWireForm(r.write.returning) };
    },
    async ddl(sql) {
      const r = await exec(sql);
      if (!('ddl' in r)) throw new Error(`expected a ddl result for ${sql}, got ${JSON.stringify(r)}`);
      return r.ddl;
    },
    async close() {
      await engine.close();
      db.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** K3_KEYED_WRITE_DUCKDB from the test run's environment (run a suite with the separate keyed-write database on or off). */
export function keyedWriteDuckDBFromEnv(): Record<string, string> {
  const mode = process.env.K3_KEYED_WRITE_DUCKDB;
  return mode === undefined ? {} : { K3_KEYED_WRITE_DUCKDB: mode };
}

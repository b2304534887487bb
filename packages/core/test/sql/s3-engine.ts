/**
 * Test support: an Engine over a real S3 API (s3rver behind the proxy that honours If-None-Match),
 * with one bucket created, a sandboxed DuckDB and a FileCache in a temp directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.ts';
import { createDuckDB, FileCache } from '../../src/exec/index.ts';
import { createBucketStoreFactory } from '../../src/object-store/index.ts';
import { Engine } from '../../src/sql/index.ts';
import { startS3Server } from '../support/s3-server.ts';

export interface S3Engine {
  readonly engine: Engine;
  stop(): Promise<void>;
}

export async function startS3Engine(bucket: string): Promise<S3Engine> {
  const s3 = await startS3Server({ conditionalWrites: 'honest' });
  await s3.createBucket(bucket);
  const dir = await mkdtemp(path.join(tmpdir(), 'k3-sql-s3-'));
  const cacheDir = path.join(dir, 'cache');
  const config = loadConfig({ K3_STORE: 's3', K3_S3_ENDPOINT: s3.endpoint, K3_S3_FORCE_PATH_STYLE: 'true', K3_CACHE_DIR: cacheDir });
  const db = await createDuckDB({ threads: 2, allowedDirectories: [cacheDir] });
  const cache = new FileCache({ dir: path.join(cacheDir, 'files'), maxBytes: 1 << 28 });
  const engine = new Engine({ stores: createBucketStoreFactory(config, { s3Client: s3.client }), db, cache, config });
  return {
    engine,
    async stop() {
      await engine.close();
      db.closeSync();
      await s3.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

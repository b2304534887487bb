/**
 * Test support for pipeline tables: a real Engine over a local directory or over S3 (s3rver
 * behind the conditional-create proxy), its bucket store (to upload objects) and helpers that
 * make CSV / NDJSON / Parquet object bodies (Parquet written by a separate, unsandboxed DuckDB).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig } from '../../../src/config/index.ts';
import { createDuckDB, FileCache, type K3DuckDB } from '../../../src/exec/index.ts';
import { createBucketStoreFactory, type BucketStores, type ObjectStore } from '../../../src/object-store/index.ts';
import { Engine } from '../../../src/sql/index.ts';
import { S3_TEST_CREDENTIALS, startS3Server } from '../../support/s3-server.ts';
import { wireRows } from '../../support/wire-rows.ts';

export interface PipelineEnv {
  readonly engine: Engine;
  readonly stores: BucketStores;
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly dir: string;
  /** The environment a child process needs to open the same bucket store (K3_STORE, paths or S3 endpoint, credentials). */
  readonly storeEnv: Record<string, string>;
  put(key: string, body: string | Uint8Array): Promise<void>;
  count(table: string, where?: string): Promise<number>;
  rows(sql: string): Promise<unknown[][]>;
  close(): Promise<void>;
}

export async function createPipelineEnv(kind: 'local' | 's3', env: Record<string, string> = {}): Promise<PipelineEnv> {
  const bucket = 'pipe-bucket';
  const dir = await mkdtemp(path.join(tmpdir(), 'k3-pipeline-'));
  const dataDir = path.join(dir, 'data');
  const cacheDir = path.join(dir, 'cache');
  const s3 = kind === 's3' ? await startS3Server({ conditionalWrites: 'honest' }) : undefined;
  if (s3 !== undefined) await s3.createBucket(bucket);
  const storeEnv: Record<string, string> = s3 !== undefined
    ? { K3_STORE: 's3', K3_S3_ENDPOINT: s3.endpoint, K3_S3_REGION: 'us-east-1', K3_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey }
    : { K3_STORE: 'local', K3_DATA_DIR: dataDir };
  const config = loadConfig({ ...storeEnv, K3_CACHE_DIR: cacheDir, ...env });
  const db: K3DuckDB = await createDuckDB({ threads: 2, allowedDirectories: [dataDir, cacheDir] });
  const stores = createBucketStoreFactory(config, s3 !== undefined ? { s3Client: s3.client } : {});
  if (s3 === undefined) await stores.create?.(bucket);
  const engine = new Engine({ stores, db, cache: new FileCache({ dir: path.join(cacheDir, 'files'), maxBytes: 1 << 30 }), config });
  const store = stores.open(bucket);
  const rows = async (sql: string): Promise<unknown[][]> => {
    const r = await engine.execute({ bucket, sql });
    if (!('query' in r)) throw new Error(`not a query: ${sql}`);
    return wireRows(r.query);
  };
  return {
    engine, stores, store, bucket, dir, storeEnv,
    put: (key, body) => store.put(key, typeof body === 'string' ? new TextEncoder().encode(body) : body),
    count: async (table, where = 'true') => Number((await rows(`SELECT count(*) FROM ${table} WHERE ${where}`))[0]?.[0]),
    rows,
    async close() {
      await engine.close();
      db.closeSync();
      await s3?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function csvBody(objectIndex: number, rows: number, delimiter = ','): string {
  const lines = [['id', 'name', 'amount'].join(delimiter)];
  for (let r = 0; r < rows; r++) lines.push([objectIndex * 1000 + r, `n${objectIndex}_${r}`, (r * 1.5).toFixed(1)].join(delimiter));
  return `${lines.join('\n')}\n`;
}

export function ndjsonBody(objectIndex: number, rows: number): string {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) lines.push(JSON.stringify({ id: objectIndex * 1000 + r, name: `n${objectIndex}_${r}`, amount: r * 1.5 }));
  return `${lines.join('\n')}\n`;
}

/** Parquet bodies for objects `from..to-1`, `rows` rows each, written by a private DuckDB. */
export async function parquetBodies(from: number, to: number, rows: number): Promise<Uint8Array[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'k3-parquet-gen-'));
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const out: Uint8Array[] = [];
    for (let i = from; i < to; i++) {
      const file = path.join(dir, `${i}.parquet`);
      await conn.run(`COPY (SELECT ${i} * 1000 + r AS id, 'n${i}_' || r AS name, r * 1.5 AS amount FROM range(${rows}) t(r)) TO '${file}' (FORMAT parquet)`);
      out.push(new Uint8Array(await readFile(file)));
    }
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

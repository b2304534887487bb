/**
 * A partitioned table of real Parquet files in a local bucket directory, plus everything a
 * coordinator needs around it: the snapshot, a reference (single-node DuckDB over the same files),
 * and `federate()`, which plans a query, runs it with `runFederatedPlan` through a ScanExecutor and
 * runs FINAL SQL — the coordinator's side of the protocol, as the engine will do it.
 */
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructType } from '../../../src/delta/schema.ts';
import type { ActiveFile } from '../../../src/delta/snapshot.ts';
import { bindSnapshot, createDuckDB, FileCache, type K3DuckDB } from '../../../src/exec/index.ts';
import { runFederatedPlan, type ScanExecutor, type ScanStats } from '../../../src/dispatch/index.ts';
import { createBucketStoreFactory, type BucketStores } from '../../../src/object-store/store-factory.ts';
import { planFederated, toReduceValue, type FederatedPlan } from '../../../src/plan/index.ts';
import type { ColumnSpec, ReduceValue } from '../../../src/reduce/index.ts';

export const BUCKET = 'lake';
export const TABLE_ROOT = 'tables/contracts/';
export const REGIONS = ['EU', 'US', 'APAC', 'LATAM'] as const;

export const SCHEMA: StructType = {
  type: 'struct',
  fields: [
    { name: 'region', type: 'string', nullable: true, metadata: {} },
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'amount', type: 'decimal(18,2)', nullable: true, metadata: {} },
    { name: 'qty', type: 'integer', nullable: true, metadata: {} },
    { name: 'score', type: 'double', nullable: true, metadata: {} },
    { name: 'name', type: 'string', nullable: true, metadata: {} },
    { name: 'day', type: 'date', nullable: true, metadata: {} },
  ],
};

export interface QueryResult {
  readonly columns: ColumnSpec[];
  readonly rows: ReduceValue[][];
}

export interface ScanTable {
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly stores: BucketStores;
  readonly db: K3DuckDB;
  readonly cache: FileCache;
  readonly snapshot: { schema: StructType; partitionColumns: string[]; files: ActiveFile[] };
  /** The same query on one node over all files. */
  reference(sql: string): Promise<QueryResult>;
  /** Plans, runs the jobs through `executor`, reduces and runs FINAL SQL; `stores` reads spilled results (default: the local bucket). */
  federate(executor: ScanExecutor, sql: string, opts?: { deadline?: number; signal?: AbortSignal; queryId?: string; stores?: Pick<BucketStores, 'open'> }): Promise<{ result: QueryResult; plan: FederatedPlan; stats: ScanStats }>;
  close(): Promise<void>;
}

async function read(conn: DuckDBConnection, sql: string): Promise<QueryResult> {
  const reader = await conn.runAndReadAll(sql);
  const types = reader.columnTypes().map(String);
  return { columns: reader.columnNames().map((name, i) => ({ name, type: types[i]! })), rows: reader.getRows().map((r) => r.map(toReduceValue)) };
}

/** `rowsPerFile` rows in each of `filesPerRegion` files per region; NULLs sprinkled in. */
export async function createScanTable(opts: { rowsPerFile?: number; filesPerRegion?: number } = {}): Promise<ScanTable> {
  const rowsPerFile = opts.rowsPerFile ?? 500;
  const filesPerRegion = opts.filesPerRegion ?? 2;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'k3-scan-data-'));
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'k3-scan-cache-'));
  const stores = createBucketStoreFactory({ K3_STORE: 'local', K3_DATA_DIR: dataDir, K3_S3_ENDPOINT: '', K3_S3_REGION: 'us-east-1', K3_S3_FORCE_PATH_STYLE: false });
  const db = await createDuckDB({ allowedDirectories: [dataDir, cacheDir], threads: 1 });
  const cache = new FileCache({ dir: path.join(cacheDir, 'files'), maxBytes: 64 * 1024 * 1024 });
  const files: ActiveFile[] = [];
  const conn = await db.connect();
  try {
    let seq = 0;
    for (const [r, region] of REGIONS.entries()) {
      const dir = path.join(dataDir, BUCKET, TABLE_ROOT, `region=${region}`);
      await mkdir(dir, { recursive: true });
      for (let f = 0; f < filesPerRegion; f++) {
        const rel = `region=${region}/part-${f}.parquet`;
        const base = seq;
        seq += rowsPerFile;
        await conn.run(`COPY (
          SELECT (${base} + i)::BIGINT AS id,
                 CASE WHEN i % 17 = 0 THEN NULL ELSE ((i * 37 + ${r}) % 10000)::DECIMAL(18,2) / 100 END AS amount,
                 ((i * 13 + ${f}) % 50)::INTEGER AS qty,
                 CASE WHEN i % 23 = 0 THEN NULL ELSE (i * 1.25 + ${r}) / 7 END AS score,
                 'n' || ((i + ${r}) % 11)::VARCHAR AS name,
                 DATE '2024-01-01' + ((i + ${f}) % 30)::INTEGER AS day
          FROM range(${rowsPerFile}) t(i)) TO '${path.join(dir, `part-${f}.parquet`)}' (FORMAT parquet)`);
        const key = `${TABLE_ROOT}${rel}`;
        const size = (await stores.open(BUCKET).head(key))!.size;
        files.push({ key, add: { path: rel, partitionValues: { region }, size, modificationTime: 0, dataChange: true }, stats: undefined, partitionValues: { region } });
      }
    }
  } finally {
    conn.closeSync();
  }
  const snapshot = { schema: SCHEMA, partitionColumns: ['region'], files };
  const local = new Map(files.map((f) => [f.key, path.join(dataDir, BUCKET, f.key)]));
  let queries = 0;

  return {
    dataDir, cacheDir, stores, db, cache, snapshot,
    async reference(sql) {
      const c = await db.connect();
      try {
        await bindSnapshot(c, 'contracts', snapshot, local);
        return await read(c, sql);
      } finally {
        c.closeSync();
      }
    },
    async federate(executor, sql, o = {}) {
      const c = await db.connect();
      try {
        const plan = await planFederated(snapshot, sql, c, { minPartitions: 1, minBytes: 0 });
        if (plan.finalSql === undefined) throw new Error(`not federated: ${plan.strategy} ${plan.strategyReason ?? ''}`);
        const deadline = o.deadline ?? Date.now() + 60_000;
        const { stats, finalSql, answered } = await runFederatedPlan(c, plan, {
          executor, stores: o.stores ?? stores, queryId: o.queryId ?? `q${process.pid}x${queries++}x${Date.now()}`, bucket: BUCKET,
          tableRoot: TABLE_ROOT, schema: SCHEMA, partitionColumns: ['region'], deadline, ...(o.signal !== undefined ? { signal: o.signal } : {}),
        });
        // A plain FINAL comes answered (plan/plain-final.ts): its domain values are the reducer's for its types.
        const result = answered !== undefined ? { columns: answered.columns, rows: answered.rows as ReduceValue[][] } : await read(c, finalSql);
        return { result, plan, stats };
      } finally {
        c.closeSync();
      }
    },
    async close() {
      db.closeSync();
      await rm(dataDir, { recursive: true, force: true });
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Sort rows for order-insensitive comparison (JSON with bigint/bytes made explicit). */
export function canonical(result: QueryResult): { columns: ColumnSpec[]; rows: string[] } {
  const text = (v: ReduceValue): string => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `x${Buffer.from(v).toString('hex')}` : typeof v === 'number' && Object.is(v, -0) ? '-0' : JSON.stringify(v) ?? 'undefined');
  return { columns: result.columns, rows: result.rows.map((r) => r.map(text).join('|')).sort() };
}

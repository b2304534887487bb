/**
 * Test environment for the WAL and the compactor: a LocalObjectStore (or any store) in a temp dir,
 * a real DuckDB, a real FileCache, keyed Delta tables made with the real writer, keyed writes
 * through WalWriter + captureRows, and reads of a table as EVENTUAL / STRONG / OLTP_ONLY rows.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K3_TABLE_CONFIG, type StructField, type StructType } from '../../../src/delta/schema.ts';
import { loadSnapshot } from '../../../src/delta/snapshot.ts';
import { createTableMetadata } from '../../../src/delta/table-metadata.ts';
import { Transaction, type TransactionOptions } from '../../../src/delta/transaction.ts';
import { createDuckDB, type K3DuckDB } from '../../../src/exec/duckdb-instance.ts';
import { FileCache } from '../../../src/exec/file-cache.ts';
import { bindSnapshotCached } from '../../../src/exec/read-snapshot-rows.ts';
import type { RewriteDeps } from '../../../src/maintenance/maintenance-deps.ts';
import { LocalObjectStore } from '../../../src/object-store/local-object-store.ts';
import type { ObjectStore } from '../../../src/object-store/index.ts';
import { bindFreshView } from '../../../src/wal/bind-fresh.ts';
import { appendKeyedWrite } from '../../../src/wal/keyed-write.ts';
import type { WalAppendResult, WalWriter } from '../../../src/wal/wal-writer.ts';

export interface WalEnv {
  readonly dir: string;
  readonly store: ObjectStore;
  readonly db: K3DuckDB;
  readonly conn: DuckDBConnection;
  readonly cache: FileCache;
  readonly deps: RewriteDeps;
  readonly transaction: TransactionOptions;
  close(): Promise<void>;
}

export async function createWalEnv(store?: ObjectStore): Promise<WalEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'k3-wal-'));
  const s = store ?? new LocalObjectStore(join(dir, 'store'));
  const db = await createDuckDB({ threads: 1 });
  const conn = await db.connect();
  const cache = new FileCache({ dir: join(dir, 'cache'), maxBytes: 1 << 30 });
  const transaction: TransactionOptions = { maxRetries: 20, checkpointInterval: 10 };
  const deps: RewriteDeps = { transaction, db, cache, tmpDir: join(dir, 'tmp') };
  return {
    dir, store: s, db, conn, cache, deps, transaction,
    async close() {
      conn.closeSync();
      db.closeSync();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const f = (name: string, type: StructField['type'], nullable = true, metadata: Record<string, unknown> = {}): StructField => ({ name, type, nullable, metadata });

/** id BIGINT + region VARCHAR primary key; every k3 column type. */
export const WIDE_SCHEMA: StructType = {
  type: 'struct',
  fields: [
    f('id', 'long', false), f('region', 'string', false), f('v', 'double'), f('note', 'string'), f('ts', 'timestamp'),
    f('data', 'binary'), f('payload', 'string', true, { 'k3.type': 'COLUMN_TYPE_JSON' }), f('d', 'date'), f('n', 'integer'),
    f('fl', 'float'), f('flag', 'boolean'), f('s', 'short'),
  ],
};

export async function createKeyedTable(env: WalEnv, root: string, opts: { partitionBy?: string[]; schema?: StructType; primaryKey?: string[] } = {}): Promise<void> {
  const metadata = createTableMetadata({
    schema: opts.schema ?? WIDE_SCHEMA,
    partitionColumns: opts.partitionBy ?? [],
    configuration: { [K3_TABLE_CONFIG.primaryKey]: JSON.stringify(opts.primaryKey ?? ['id', 'region']) },
  });
  await Transaction.forCreate(env.store, root, { metadata }, env.transaction).commit({ operation: 'CREATE TABLE' });
}

/** One keyed write statement: rows of `upsertSql` (full rows by column name) and key tuples of `deleteSql`. */
export async function keyedWrite(env: WalEnv, writer: WalWriter, root: string, upsertSql: string | undefined, deleteSql?: string): Promise<WalAppendResult> {
  const snapshot = await loadSnapshot(env.store, root);
  return appendKeyedWrite(env.conn, writer, snapshot, { ...(upsertSql !== undefined ? { upsertSql } : {}), ...(deleteSql !== undefined ? { deleteSql } : {}) });
}

export type Freshness = 'eventual' | 'strong' | 'oltp';

/** Every row of the table under `freshness`, as canonical JSON strings, sorted. */
export async function readRows(env: WalEnv, root: string, freshness: Freshness, conn: DuckDBConnection = env.conn): Promise<string[]> {
  const view = `view_${randomBytes(5).toString('hex')}`;
  if (freshness === 'eventual') {
    const lease = await bindSnapshotCached(conn, view, await loadSnapshot(env.store, root), env.cache, env.store);
    try {
      return await allRows(conn, view);
    } finally {
      await conn.run(`DROP VIEW IF EXISTS "${view}"`);
      lease.release();
    }
  }
  const fresh = await bindFreshView(conn, view, freshness, env.store, root, { cache: env.cache });
  try {
    return await allRows(conn, view);
  } finally {
    await fresh.release();
  }
}

async function allRows(conn: DuckDBConnection, view: string): Promise<string[]> {
  const rows = (await conn.runAndReadAll(`SELECT * FROM "${view}"`)).getRowObjectsJson();
  return rows.map((r) => JSON.stringify(r)).sort();
}

/** SQL for one full WIDE_SCHEMA row with deterministic values derived from (id, version). */
export function wideRow(id: number, region: string, version: number): string {
  return `SELECT ${id}::BIGINT AS id, '${region}' AS region, ${version} + 0.5 AS v, 'note ${id}/${version}' AS note,
    TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (${id * 1000 + version}) MICROSECOND AS ts, from_hex('00ff${(version % 256).toString(16).padStart(2, '0')}') AS data,
    '{"id": ${id}, "v": ${version}}'::JSON AS payload, DATE '2026-01-01' + ${version % 1000} AS d, ${version} AS n, ${version}.25::FLOAT AS fl,
    ${version % 2 === 0} AS flag, ${version % 30000}::SMALLINT AS s`;
}

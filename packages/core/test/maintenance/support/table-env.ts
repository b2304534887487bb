/**
 * Test environment for maintenance tests: a LocalObjectStore in a temp dir, a real DuckDB, a real
 * FileCache, and helpers that build Delta versions with the real writer (writeDataFiles +
 * Transaction) and read any version back through loadSnapshot + FileCache + bindSnapshot.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StructType } from '../../../src/delta/schema.ts';
import { loadSnapshot, type Snapshot, type SnapshotAt } from '../../../src/delta/snapshot.ts';
import { createTableMetadata } from '../../../src/delta/table-metadata.ts';
import { Transaction, type TransactionOptions } from '../../../src/delta/transaction.ts';
import { createDuckDB, type K3DuckDB } from '../../../src/exec/duckdb-instance.ts';
import { FileCache } from '../../../src/exec/file-cache.ts';
import { writeDataFiles } from '../../../src/exec/data-file-writer.ts';
import { bindSnapshotCached } from '../../../src/exec/read-snapshot-rows.ts';
import { LocalObjectStore } from '../../../src/object-store/local-object-store.ts';
import type { ObjectStore } from '../../../src/object-store/object-store.ts';
import type { RewriteDeps } from '../../../src/maintenance/maintenance-deps.ts';

export interface TableEnv {
  readonly dir: string;
  readonly store: ObjectStore;
  /** The local directory behind the store when it is the default LocalObjectStore. */
  readonly storeDir: string;
  readonly db: K3DuckDB;
  readonly conn: DuckDBConnection;
  readonly cache: FileCache;
  readonly deps: RewriteDeps;
  readonly transaction: TransactionOptions;
  close(): Promise<void>;
}

/** `store`: another adapter (e.g. S3 over HTTP); default a LocalObjectStore under the temp dir. */
export async function createTableEnv(opts: Partial<TransactionOptions> = {}, store: ObjectStore = new LocalObjectStore(join(tmpdir(), `k3-maint-store-${process.pid}-${Math.random().toString(36).slice(2)}`))): Promise<TableEnv> {
  const dir = await mkdtemp(join(tmpdir(), 'k3-maint-'));
  const db = await createDuckDB({ threads: 1 });
  const conn = await db.connect();
  const cache = new FileCache({ dir: join(dir, 'cache'), maxBytes: 1 << 30 });
  const transaction: TransactionOptions = { maxRetries: 10, checkpointInterval: 10, ...opts };
  const deps: RewriteDeps = { transaction, db, cache, tmpDir: join(dir, 'tmp') };
  const storeDir = store instanceof LocalObjectStore ? store.rootDir : '';
  return {
    dir, store, storeDir, db, conn, cache, deps, transaction,
    async close() {
      conn.closeSync();
      db.closeSync();
      await rm(dir, { recursive: true, force: true });
      if (storeDir !== '') await rm(storeDir, { recursive: true, force: true });
    },
  };
}

export const field = (name: string, type: StructType['fields'][number]['type']) => ({ name, type, nullable: true, metadata: {} });

export async function createTable(env: TableEnv, root: string, schema: StructType, partitionColumns: string[] = [], configuration: Record<string, string> = {}): Promise<number> {
  const metadata = createTableMetadata({ schema, partitionColumns, configuration });
  const r = await Transaction.forCreate(env.store, root, { metadata }, env.transaction).commit({ operation: 'CREATE TABLE', operationParameters: { partitionBy: partitionColumns } });
  return r.version;
}

/** Appends the rows of `sql` (blind append); returns the new version. */
export async function append(env: TableEnv, root: string, sql: string, targetFileBytes?: number): Promise<number> {
  const snap = await loadSnapshot(env.store, root);
  const adds = await writeDataFiles(env.conn, { sql }, { store: env.store, root: snap.root, schema: snap.schema, partitionColumns: snap.partitionColumns, tmpDir: env.deps.tmpDir, ...(targetFileBytes !== undefined ? { targetFileBytes } : {}) });
  return (await Transaction.forSnapshot(env.store, snap, env.transaction).addFiles(adds).commit({ operation: 'WRITE', operationParameters: { mode: 'Append' } })).version;
}

/** Replaces every row with the rows of `sql`; returns the new version. */
export async function overwrite(env: TableEnv, root: string, sql: string): Promise<number> {
  const snap = await loadSnapshot(env.store, root);
  const adds = await writeDataFiles(env.conn, { sql }, { store: env.store, root: snap.root, schema: snap.schema, partitionColumns: snap.partitionColumns, tmpDir: env.deps.tmpDir });
  const tx = Transaction.forSnapshot(env.store, snap, env.transaction).readWholeTable().removeFiles(snap.files).addFiles(adds);
  return (await tx.commit({ operation: 'WRITE', operationParameters: { mode: 'Overwrite' } })).version;
}

/** Adds a nullable column (metaData update); returns the new version. */
export async function addColumn(env: TableEnv, root: string, name: string, type: StructType['fields'][number]['type']): Promise<number> {
  const snap = await loadSnapshot(env.store, root);
  const schema: StructType = { type: 'struct', fields: [...snap.schema.fields, field(name, type)] };
  const metadata = { ...snap.metadata, schemaString: JSON.stringify(schema) };
  return (await Transaction.forSnapshot(env.store, snap, env.transaction).updateMetadata(metadata).commit({ operation: 'ADD COLUMNS' })).version;
}

/** Every row of the snapshot, canonical JSON text sorted, so equal tables give equal strings. */
export async function snapshotRows(env: TableEnv, snap: Snapshot): Promise<string[]> {
  const name = `rows_${Math.random().toString(36).slice(2)}`;
  const lease = await bindSnapshotCached(env.conn, name, snap, env.cache, env.store);
  try {
    const rows = (await env.conn.runAndReadAll(`SELECT * FROM "${name}"`)).getRowObjectsJson();
    return rows.map((r) => JSON.stringify(r)).sort();
  } finally {
    await env.conn.run(`DROP VIEW IF EXISTS "${name}"`);
    lease.release();
  }
}

export async function rowsAt(env: TableEnv, root: string, at: SnapshotAt = {}): Promise<string[]> {
  return snapshotRows(env, await loadSnapshot(env.store, root, at));
}

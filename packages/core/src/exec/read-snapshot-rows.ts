/**
 * Conveniences over FileCache + bindSnapshot: lease a snapshot's files and bind them
 * (`bindSnapshotCached`; the caller releases the lease after its query), or read every row of a
 * snapshot as domain rows (`readSnapshotRows`; tests, CLI, debugging).
 */
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ObjectStore } from '../object-store/index.ts';
import { bindSnapshot, type BindableSnapshot, type BindSnapshotOptions } from './bind-snapshot.ts';
import type { FileCache, FileLease } from './file-cache.ts';
import { mapDuckDBError } from './map-duckdb-error.ts';
import { encodeReader, type EncodedResult } from './result-encoding.ts';
import { quoteIdentifier } from './sql-quote.ts';

/** Fetches (and pins) the snapshot's files, then binds them as `name`. Release the lease when the query is done. */
export async function bindSnapshotCached(
  conn: DuckDBConnection,
  name: string,
  snapshot: BindableSnapshot,
  cache: FileCache,
  store: ObjectStore,
  opts: BindSnapshotOptions = {},
): Promise<FileLease> {
  const lease = await cache.acquire(store, snapshot.files.map((f) => ({ key: f.key, size: f.add.size })));
  try {
    await bindSnapshot(conn, name, snapshot, lease.paths, opts);
    return lease;
  } catch (err) {
    lease.release();
    throw err;
  }
}

export interface ReadSnapshotRowsOptions {
  /** SQL ORDER BY text over the table's columns, e.g. `"id", "ts" DESC`. */
  readonly orderBy?: string;
}

/** All rows of a snapshot, as domain values beside their DuckDB types (result-encoding.ts). */
export async function readSnapshotRows(
  conn: DuckDBConnection,
  snapshot: BindableSnapshot,
  cache: FileCache,
  store: ObjectStore,
  opts: ReadSnapshotRowsOptions = {},
): Promise<EncodedResult> {
  const name = `k3_snapshot_${randomBytes(6).toString('hex')}`;
  const lease = await bindSnapshotCached(conn, name, snapshot, cache, store);
  try {
    const order = opts.orderBy !== undefined ? ` ORDER BY ${opts.orderBy}` : '';
    return encodeReader(await conn.runAndReadAll(`SELECT * FROM ${quoteIdentifier(name)}${order}`));
  } catch (err) {
    throw mapDuckDBError(err);
  } finally {
    try {
      await conn.run(`DROP VIEW IF EXISTS ${quoteIdentifier(name)}`);
    } finally {
      lease.release();
    }
  }
}

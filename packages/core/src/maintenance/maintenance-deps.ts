/**
 * What the maintenance operations need besides `(store, root)`: the writer's transaction settings
 * (retries, checkpoint interval, clock) and, for operations that rewrite data, DuckDB, the Parquet
 * file cache and a scratch directory DuckDB may write to. Injected, never read from config here.
 */
import type { TransactionOptions } from '../delta/transaction.ts';
import type { DataFileTarget } from '../exec/data-file-writer.ts';
import type { KeyRangeCuts } from '../exec/key-range-files.ts';
import type { K3DuckDB } from '../exec/duckdb-instance.ts';
import type { FileCache } from '../exec/file-cache.ts';
import type { WalRecordCache } from '../wal/record-cache.ts';

export interface MaintenanceDeps {
  readonly transaction: TransactionOptions;
}

export interface RewriteDeps extends MaintenanceDeps {
  readonly db: K3DuckDB;
  readonly cache: FileCache;
  /** Local directory for files being written (inside DuckDB's allowed_directories when sandboxed). */
  readonly tmpDir: string;
  /** K3_KEYED_ROW_GROUP_SIZE: a drain writes keyed tables' files sorted by key in row groups of this many rows; 0 / unset = DuckDB's default, drain order. */
  readonly keyedRowGroupSize?: number;
  /** K3_KEYED_FILE_ROWS: with keyedRowGroupSize > 0, a drain cuts its output into files of at most this many rows along the key; 0 / unset = one file per partition. */
  readonly keyedFileRows?: number;
  /** The process's decoded write-log records (wal/record-cache.ts): a drain in the process that wrote or read them skips their GET + decode. */
  readonly records?: WalRecordCache;
}

/**
 * How a keyed table's rewritten files are written (the drain and OPTIMIZE): sorted by `primaryKey`
 * in row groups of K3_KEYED_ROW_GROUP_SIZE, in key-range files of K3_KEYED_FILE_ROWS (cut also at
 * `cuts`); none (DuckDB's default, write order) when the size is 0 or the table has no key.
 */
export function keyedWriteOrder(primaryKey: readonly string[], deps: RewriteDeps, cuts?: KeyRangeCuts): { keyOrder?: DataFileTarget['keyOrder'] } {
  const size = deps.keyedRowGroupSize ?? 0;
  return size > 0 && primaryKey.length > 0 ? { keyOrder: { columns: primaryKey, rowGroupSize: size, fileRows: deps.keyedFileRows ?? 0, ...(cuts !== undefined ? { cuts } : {}) } } : {};
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

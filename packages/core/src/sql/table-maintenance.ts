/**
 * TableMaintenance: the maintenance operations (maintenance/) on a bucket's tables by name, for the
 * HTTP routes and the SQL forms alike (docs/design/maintenance.md, "Wiring").
 *
 *   (bucket, name) ─▶ bucket store ─▶ stored name (exact, else unique case-insensitive) ─▶ root
 *     optimize ─▶ optimizeTable (DuckDB, FileCache, staging dir)
 *     vacuum   ─▶ vacuumTable
 *     restore  ─▶ commitDirectWrite(stageRestore)   ← the write-log rule
 *     history  ─▶ tableHistory
 *
 * Write-log rule for RESTORE: the restore is committed through compaction/commitDirectWrite, which
 * first drains every write acknowledged before the restore started into Delta (so it sits at a
 * version ≤ versionBefore and is rolled back visibly, never resurrected by a later drain) and
 * commits with txn k3-wal = the drained watermark (so a drain racing the restore conflicts and the
 * restore re-runs on the new state). Writes acknowledged after the restore started stay in the log
 * and are drained on top of the restored state. Tables without a primary key have no log: the
 * protocol is then a plain commit.
 */
import { mkdir } from 'node:fs/promises';
import { describeSnapshot, type Catalog, type TableHandle } from '../catalog/index.ts';
import { commitDirectWrite } from '../compaction/direct-write.ts';
import type { Table } from '../api/index.ts';
import { commitConflictRetry } from '../delta/commit-conflict.ts';
import type { TransactionOptions } from '../delta/transaction.ts';
import type { FileCache, K3DuckDB } from '../exec/index.ts';
import { tableHistory, type HistoryRequest, type HistoryResponse } from '../maintenance/history.ts';
import type { RewriteDeps } from '../maintenance/maintenance-deps.ts';
import { optimizeTable, type OptimizeRequest, type OptimizeResponse } from '../maintenance/optimize.ts';
import { stageRestore, type RestoreRequest, type RestoreResponse } from '../maintenance/restore.ts';
import { timeTravelTarget } from '../maintenance/time-travel-target.ts';
import { vacuumTable, type VacuumRequest, type VacuumResponse } from '../maintenance/vacuum.ts';

/** Whole-OPTIMIZE attempts when a concurrent commit removed a file it was rewriting. */
const OPTIMIZE_ATTEMPTS = 5;

export interface TableMaintenanceDeps {
  readonly catalog: Catalog;
  readonly db: K3DuckDB;
  readonly cache: FileCache;
  readonly txOptions: TransactionOptions;
  readonly tmpDir: string;
  /** K3_KEYED_ROW_GROUP_SIZE / K3_KEYED_FILE_ROWS: OPTIMIZE writes keyed tables' files as the drain does. */
  readonly keyedRowGroupSize?: number;
  readonly keyedFileRows?: number;
}

export interface RestoreResult extends RestoreResponse {
  /** The table after the restore, as DescribeTable shows it. */
  readonly table: Table;
}

export class TableMaintenance {
  readonly #deps: TableMaintenanceDeps;
  #tmpReady: Promise<unknown> | undefined;

  constructor(deps: TableMaintenanceDeps) {
    this.#deps = deps;
  }

  async optimize(bucket: string, name: string, request: OptimizeRequest): Promise<OptimizeResponse> {
    const handle = await this.handle(bucket, name);
    const deps = await this.#rewriteDeps();
    // A concurrent removal of a file being rewritten (a drain, a DELETE) is a commit conflict:
    // plan again on the new snapshot.
    return commitConflictRetry(OPTIMIZE_ATTEMPTS).run(() => optimizeTable(handle.store, handle.root, request, deps));
  }

  async vacuum(bucket: string, name: string, request: Omit<VacuumRequest, 'now'>): Promise<VacuumResponse> {
    const handle = await this.handle(bucket, name);
    return vacuumTable(handle.store, handle.root, request, { transaction: this.#deps.txOptions });
  }

  async restore(bucket: string, name: string, request: RestoreRequest): Promise<RestoreResult> {
    timeTravelTarget(request); // bad input is refused before anything is drained
    const handle = await this.handle(bucket, name);
    let versionBefore = -1;
    const result = await commitDirectWrite(handle.store, handle.root, await this.#rewriteDeps(), async (snapshot) => {
      const staged = await stageRestore(handle.store, snapshot, request, this.#deps.txOptions);
      versionBefore = staged.versionBefore;
      return staged;
    });
    const table = describeSnapshot(bucket, handle.name, await this.#deps.catalog.snapshot(handle));
    return { versionBefore: Number(versionBefore), versionAfter: Number(result.version), table };
  }

  async history(bucket: string, name: string, request: HistoryRequest): Promise<HistoryResponse> {
    const handle = await this.handle(bucket, name);
    return tableHistory(handle.store, handle.root, request);
  }

  /** The table's handle under its stored name; ERR_TABLE_NOT_FOUND naming the tables that exist. */
  async handle(bucket: string, name: string): Promise<TableHandle> {
    const { catalog } = this.#deps;
    const store = await catalog.store(bucket);
    const stored = await catalog.resolveName(store, name);
    if (stored === undefined) throw await catalog.notFound(store, bucket, name);
    return catalog.handle(bucket, store, stored);
  }

  async #rewriteDeps(): Promise<RewriteDeps> {
    this.#tmpReady ??= mkdir(this.#deps.tmpDir, { recursive: true });
    await this.#tmpReady;
    const d = this.#deps;
    return { transaction: d.txOptions, db: d.db, cache: d.cache, tmpDir: d.tmpDir, ...(d.keyedRowGroupSize !== undefined ? { keyedRowGroupSize: d.keyedRowGroupSize } : {}), ...(d.keyedFileRows !== undefined ? { keyedFileRows: d.keyedFileRows } : {}) };
  }
}

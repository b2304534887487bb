/**
 * HtapRuntime: the per-process pieces the SQL engine's HTAP paths share — one WalWriter per
 * bucket store (its head cache makes the steady state one PUT per keyed write), one decoded-record
 * cache for STRONG reads, the warm per-table STRONG state (docs/design/hot-path.md), and the dependencies a drain needs (a direct write on a keyed table
 * drains first; the Compact RPC drains). Built once by the Engine from its own deps.
 */
import path from 'node:path';
import type { TransactionOptions } from '../delta/index.ts';
import type { FileCache, K3DuckDB } from '../exec/index.ts';
import type { RewriteDeps } from '../maintenance/maintenance-deps.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { MaterializedStrong, WalRecordCache, WalWriter, WarmTables } from '../wal/index.ts';
import { PointLookups } from '../wal/point-lookup.ts';

export class HtapRuntime {
  readonly records = new WalRecordCache();
  readonly cache: FileCache;
  readonly warm: WarmTables;
  /** Per keyed table, the STRONG base materialized on one connection (K3_WARM_MATERIALIZE_ROWS). */
  readonly materialized: MaterializedStrong;
  readonly drainDeps: RewriteDeps;
  /** Point lookups by primary key on pooled connections (wal/point-lookup.ts). */
  readonly lookups: PointLookups;
  /** Single-row keyed INSERT / upsert through keyed-row-fast-path.ts (K3_KEYED_ROW_FAST_PATH). */
  readonly keyedRowFastPath: boolean;
  /** Rows of plain literals encoded without DuckDB (sql/literal-row.ts, K3_KEYED_LITERAL_ROWS). */
  readonly keyedLiteralRows: boolean;
  /** A MERGE's VALUES source of literals loaded as typed columns, not bound as text (sql/values-source-load.ts, K3_MERGE_VALUES_LOAD). */
  readonly mergeValuesLoad: boolean;
  /** A keyed write's changed rows by an anti join instead of EXCEPT (sql/changed-rows.ts, K3_MERGE_CHANGED_ANTI_JOIN). */
  readonly mergeChangedAntiJoin: boolean;
  /** A keyed MERGE of the ingest shape answered by its row images, without DuckDB's MERGE (sql/merge-images.ts, K3_MERGE_ROW_IMAGES). */
  readonly mergeRowImages: boolean;
  /** A blind replace of a plain SELECT captured without a scratch table (sql/blind-select.ts, K3_BLIND_SELECT_CAPTURE). */
  readonly blindSelectCapture: boolean;
  readonly #writers = new WeakMap<ObjectStore, WalWriter>();
  readonly #clock: () => number;

  constructor(deps: { db: K3DuckDB; cache: FileCache; tmpDir: string; transaction: TransactionOptions; clock: () => number; warmTailKeys?: number; warmTables?: number; materializeRows?: number; keyedRowFastPath?: boolean; keyedRowGroupSize?: number; keyedFileRows?: number; keyedLiteralRows?: boolean; lookupCacheBytes?: number; lookupCacheFirstReadRows?: number; mergeValuesLoad?: boolean; mergeChangedAntiJoin?: boolean; mergeRowImages?: boolean; blindSelectCapture?: boolean }) {
    this.cache = deps.cache;
    this.warm = new WarmTables({ db: deps.db, records: this.records, dir: path.join(deps.tmpDir, 'warm'), ...(deps.warmTailKeys !== undefined ? { tailLimit: deps.warmTailKeys } : {}), ...(deps.warmTables !== undefined ? { maxTables: deps.warmTables } : {}) });
    this.lookups = new PointLookups({ db: deps.db, cache: deps.cache, ...(deps.lookupCacheBytes !== undefined ? { decodedCacheBytes: deps.lookupCacheBytes } : {}), ...(deps.lookupCacheFirstReadRows !== undefined ? { decodedFirstReadRows: deps.lookupCacheFirstReadRows } : {}) });
    this.materialized = new MaterializedStrong({ db: deps.db, cache: deps.cache, maxRows: deps.materializeRows ?? 0 });
    this.#clock = deps.clock;
    this.keyedRowFastPath = deps.keyedRowFastPath ?? true;
    this.keyedLiteralRows = deps.keyedLiteralRows ?? true;
    this.mergeValuesLoad = deps.mergeValuesLoad ?? true;
    this.mergeChangedAntiJoin = deps.mergeChangedAntiJoin ?? true;
    this.mergeRowImages = deps.mergeRowImages ?? true;
    this.blindSelectCapture = deps.blindSelectCapture ?? true;
    this.drainDeps = { db: deps.db, cache: deps.cache, tmpDir: deps.tmpDir, transaction: deps.transaction, ...(deps.keyedRowGroupSize !== undefined ? { keyedRowGroupSize: deps.keyedRowGroupSize } : {}), ...(deps.keyedFileRows !== undefined ? { keyedFileRows: deps.keyedFileRows } : {}), records: this.records };
  }

  writer(store: ObjectStore): WalWriter {
    let w = this.#writers.get(store);
    if (w === undefined) {
      w = new WalWriter(store, { clock: this.#clock, records: this.records });
      this.#writers.set(store, w);
    }
    return w;
  }
}

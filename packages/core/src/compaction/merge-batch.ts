/**
 * mergeBatch: the data half of a drain — the overlay applied to the files that hold its keys.
 *
 *   overlay ─load─▶ TEMP up/keys ─▶ findAffectedFiles ─▶ bind affected files ─▶
 *   (affected ANTI JOIN keys) UNION ALL up ─writeDataFiles─▶ uploaded Parquet + AddFile[]
 *
 * Nothing here is visible to readers: files are uploaded, not committed. Files whose partition
 * values or key min/max stats exclude every overlay key are not even fetched (candidate-files.ts);
 * the other unaffected files are read only for their key columns and never rewritten.
 */
import { randomBytes } from 'node:crypto';
import type { AddFile } from '../delta/actions.ts';
import type { ActiveFile, Snapshot } from '../delta/snapshot.ts';
import { bindSnapshot } from '../exec/bind-snapshot.ts';
import { writeDataFiles } from '../exec/data-file-writer.ts';
import { keyRangeCuts } from './key-range-cuts.ts';
import { withConnection } from '../exec/duckdb-instance.ts';
import { quoteIdentifier as q } from '../exec/sql-quote.ts';
import { keyedWriteOrder, type RewriteDeps } from '../maintenance/maintenance-deps.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { loadOverlayTables } from '../wal/overlay-tables.ts';
import type { WalOverlay } from '../wal/overlay.ts';
import type { WalTableShape } from '../wal/table-shape.ts';
import type { FileLease } from '../exec/file-cache.ts';
import { findAffectedFiles } from './affected-files.ts';
import { candidateFiles } from './candidate-files.ts';
import { checkConstraintsOf } from '../delta/check-constraints.ts';
import type { DuckDBFold, FoldCounts } from './drain-fold.ts';

export interface MergedBatch {
  readonly removed: ActiveFile[];
  readonly added: AddFile[];
  readonly matchedUpserts: number;
  readonly matchedKeys: number;
  readonly outputRows: number;
  /** Files fetched to look for keys (after stats pruning). */
  readonly candidates: number;
  /** With a DuckDB fold: what it decided (keys, upserts, rejected rows). */
  readonly fold?: FoldCounts;
}

/** `fold` (a big drain batch, drain-fold.ts): the batch is folded in DuckDB and `overlay` is not read. */
export async function mergeBatch(store: ObjectStore, snapshot: Snapshot, overlay: WalOverlay, shape: WalTableShape, deps: RewriteDeps, fold?: DuckDBFold): Promise<MergedBatch> {
  const empty = { removed: [], added: [], matchedUpserts: 0, matchedKeys: 0, outputRows: 0, candidates: 0 };
  if (fold === undefined && overlay.byKey.size === 0) return empty;
  return withConnection(deps.db, async (conn) => {
    const name = `k3_drain_${randomBytes(6).toString('hex')}`;
    const folded = fold !== undefined ? await fold.load(conn, name) : undefined;
    const tables = folded?.tables ?? await loadOverlayTables(conn, name, overlay, shape);
    if (folded !== undefined && folded.counts.keys === 0) {
      await tables.drop();
      return { ...empty, fold: folded.counts };
    }
    const view = `${name}_affected`;
    let lease: FileLease | undefined;
    try {
      const candidates = await candidateFiles(conn, snapshot, tables, shape);
      lease = await deps.cache.acquire(store, candidates.map((f) => ({ key: f.key, size: f.add.size })));
      const affected = await findAffectedFiles(conn, { ...snapshot, files: candidates }, lease.paths, tables, shape);
      await bindSnapshot(conn, view, { schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, files: affected.files }, lease.paths);
      const on = shape.primaryKey.map((k) => `d.${q(k)} = k.${q(k)}`).join(' AND ');
      const columns = shape.columns.map((c) => q(c.name)).join(', ');
      const sql = `SELECT d.* FROM ${q(view)} AS d ANTI JOIN ${tables.keys} AS k ON ${on} UNION ALL SELECT ${columns} FROM ${tables.upserts}`;
      const added = await writeDataFiles(conn, { sql }, { store, root: snapshot.root, schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, tmpDir: deps.tmpDir, checks: checkConstraintsOf(snapshot.metadata), ...(deps.transaction.clock ? { clock: deps.transaction.clock } : {}), ...keyedWriteOrder(shape.primaryKey, deps, keyRangeCuts(snapshot, keptFiles(snapshot.files, affected.files), shape)) });
      const outputRows = added.reduce((s, a) => s + numRecords(a), 0);
      return { removed: affected.files, added, matchedUpserts: affected.matchedUpserts, matchedKeys: affected.matchedKeys, outputRows, candidates: candidates.length, ...(folded !== undefined ? { fold: folded.counts } : {}) };
    } finally {
      await conn.run(`DROP VIEW IF EXISTS ${q(view)}`).catch(() => undefined);
      await tables.drop();
      lease?.release();
    }
  });
}

/** The live files a drain leaves in place. */
function keptFiles(files: readonly ActiveFile[], removed: readonly ActiveFile[]): ActiveFile[] {
  const gone = new Set(removed.map((f) => f.key));
  return files.filter((f) => !gone.has(f.key));
}

function numRecords(add: AddFile): number {
  if (typeof add.stats !== 'string') return 0;
  const n = (JSON.parse(add.stats) as { numRecords?: unknown }).numRecords;
  return typeof n === 'number' ? n : 0;
}

/**
 * ingestBatch: a batch of object versions into a pipeline table in ONE Delta commit that also
 * records each object's ledger txn (ingest-ledger.ts) — rows and ledger become visible together.
 *
 *   per object: ledger says ingested? ─▶ SKIPPED
 *               readObject (DuckDB reader + transform) ─ error ─▶ FAILED (this object only)
 *   table missing ─▶ schema = rule columns, or the first good object's ─▶ create commit (v0)
 *   table exists  ─▶ commitDirectWrite (keyed tables: pre-drain the write log) ─▶ build:
 *       re-check ledger on the snapshot · castObject per object (mismatch ─▶ FAILED)
 *       replace mode: rows of earlier versions of changed objects (by _k3_source_key) are dropped,
 *       merge keys: existing rows with an incoming key are dropped (upsert, newest object wins)
 *       ─▶ affected files rewritten + new rows written ─▶ remove/add + txn per object ─▶ commit
 *   conflict (another ingester, a drain, a user write) ─▶ rebuild on the new snapshot
 *
 * A crash anywhere before the commit leaves only unreferenced files (VACUUM removes them) and the
 * object not in the ledger; after it, the ledger has it. Either way the next scan is right.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import { findAffectedFiles } from '../compaction/affected-files.ts';
import { commitDirectWrite } from '../compaction/direct-write.ts';
import { toColumnSpecs, introspectTempTable } from '../sql/table-introspection.ts';
import { ctasColumnType, columnSpecOf, type ColumnSpec } from '../catalog/column-types.ts';
import type { Metadata } from '../delta/actions.ts';
import { primaryKeyOf } from '../catalog/table-spec.ts';
import { checkConstraintsOf } from '../delta/check-constraints.ts';
import { isCommitConflict } from '../delta/commit-conflict.ts';
import { latestVersion, loadSnapshot, type ActiveFile, type Snapshot } from '../delta/snapshot.ts';
import { parseSchemaString } from '../delta/schema.ts';
import { Transaction } from '../delta/transaction.ts';
import { isAppError } from '../errors/index.ts';
import { bindSnapshot } from '../exec/bind-snapshot.ts';
import { writeDataFiles } from '../exec/data-file-writer.ts';
import { withConnection } from '../exec/duckdb-instance.ts';
import { fieldToDuckDBType } from '../exec/duckdb-types.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import { mapLimit, type RewriteDeps } from '../maintenance/maintenance-deps.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { WalTableShape } from '../wal/table-shape.ts';
import type { FileLease } from '../exec/file-cache.ts';
import { castObject } from './cast-object.ts';
import { SOURCE_KEY_COLUMN, type IngestRule } from './ingest-rule.ts';
import { etagVersion, ingestAppId, ledgerState } from './ingest-ledger.ts';
import { IngestRunStatus, type IngestRun, type IngestTrigger } from './ingest-run.ts';
import { pipelineMetadata } from './pipeline-table.ts';
import { fetchObject, invalidObject, readObject, type ObjectVersion } from './read-object.ts';

export interface IngestDeps extends RewriteDeps {
  readonly maxObjectBytes: number;
  readonly clock: () => number;
}

export interface IngestTarget {
  readonly store: ObjectStore;
  readonly root: string;
  readonly rule: IngestRule;
}

interface Loaded {
  readonly obj: ObjectVersion;
  readonly raw: string;
  readonly startedAt: number;
}

interface Staged {
  readonly tx: Transaction;
  readonly good: ReadonlyArray<{ obj: ObjectVersion; rows: number }>;
  readonly operation: string;
}

const MAX_CREATE_ATTEMPTS = 5;
const FETCH_CONCURRENCY = 8;

class NothingToCommit extends Error {}

export async function trySnapshot(store: ObjectStore, root: string): Promise<Snapshot | undefined> {
  return (await latestVersion(store, root)) === undefined ? undefined : loadSnapshot(store, root);
}

function errorParts(err: unknown): { errorCode: string; errorMessage: string } {
  if (isAppError(err)) return { errorCode: err.code, errorMessage: err.message };
  return { errorCode: 'ERR_INTERNAL', errorMessage: err instanceof Error ? err.message : String(err) };
}

export async function ingestBatch(target: IngestTarget, objects: readonly ObjectVersion[], deps: IngestDeps, trigger: IngestTrigger): Promise<IngestRun[]> {
  const { store, root, rule } = target;
  const runs = new Map<string, IngestRun>();
  const run = (obj: ObjectVersion, startedAt: number, status: IngestRunStatus, extra: Partial<IngestRun> = {}): void => {
    runs.set(obj.key, { runId: randomUUID(), objectKey: obj.key, etag: obj.etag, status, trigger, rows: 0, deltaVersion: 0, errorCode: '', errorMessage: '', startedAt, finishedAt: deps.clock(), ...extra });
  };
  return withConnection(deps.db, async (conn) => {
    const first = await trySnapshot(store, root);
    const loaded: Loaded[] = [];
    const todo = objects.filter((obj) => {
      if (first === undefined || ledgerState(first.txns, obj.key, obj.etag) !== 'ingested') return true;
      run(obj, deps.clock(), IngestRunStatus.SKIPPED);
      return false;
    });
    // Bytes are fetched in parallel (the store is the slow part); DuckDB reads them one by one.
    const bodies = await mapLimit(todo, FETCH_CONCURRENCY, (obj) => fetchObject(store, obj, deps.maxObjectBytes).catch((err: unknown) => err as Error));
    for (const [i, obj] of todo.entries()) {
      const startedAt = deps.clock();
      const body = bodies[i]!;
      const raw = `__k3_ingest_raw_${i}`;
      try {
        if (!(body instanceof Uint8Array)) throw body;
        await readObject(conn, rule, obj, body, raw, deps.tmpDir);
        loaded.push({ obj, raw, startedAt });
      } catch (err) {
        run(obj, startedAt, IngestRunStatus.FAILED, errorParts(err));
      }
    }
    if (loaded.length === 0) return [...runs.values()];
    for (let attempt = 1; ; attempt++) {
      try {
        const snapshot = await trySnapshot(store, root);
        const result = snapshot === undefined
          ? await createWithRows(conn, target, loaded, deps, run)
          : await appendRows(conn, target, loaded, deps, run);
        for (const g of result.good) run(g.obj, startedOf(loaded, g.obj), IngestRunStatus.SUCCEEDED, { rows: g.rows, deltaVersion: result.version });
        return [...runs.values()];
      } catch (err) {
        if (err instanceof NothingToCommit) return [...runs.values()];
        const retry = (isAppError(err, 'ERR_TABLE_EXISTS') || isCommitConflict(err)) && attempt < MAX_CREATE_ATTEMPTS;
        if (!retry) {
          for (const l of loaded) if (!runs.has(l.obj.key)) run(l.obj, l.startedAt, IngestRunStatus.FAILED, errorParts(err));
          return [...runs.values()];
        }
      }
    }
  });
}

function startedOf(loaded: readonly Loaded[], obj: ObjectVersion): number {
  return loaded.find((l) => l.obj === obj)?.startedAt ?? 0;
}

type RunFn = (obj: ObjectVersion, startedAt: number, status: IngestRunStatus, extra?: Partial<IngestRun>) => void;

/** The first commit of a table without an explicit schema takes the first good object's columns. */
async function createWithRows(conn: DuckDBConnection, target: IngestTarget, loaded: readonly Loaded[], deps: IngestDeps, run: RunFn): Promise<{ version: number; good: Array<{ obj: ObjectVersion; rows: number }> }> {
  const { rule } = target;
  // The schema: the rule's columns, else the first object whose columns make a valid table
  // (an object with, say, an invalid column name fails alone instead of blocking the batch).
  let metadata: Metadata | undefined;
  let candidates = loaded;
  while (metadata === undefined) {
    const first = candidates[0];
    if (first === undefined) throw new NothingToCommit();
    try {
      const columns = rule.columns.length > 0 ? rule.columns : await inferredColumns(conn, first.raw);
      metadata = pipelineMetadata(rule, columns, deps.clock());
    } catch (err) {
      if (rule.columns.length > 0 || !isAppError(err)) throw err;
      run(first.obj, first.startedAt, IngestRunStatus.FAILED, errorParts(invalidObject(first.obj, `its columns cannot be the table's schema (${err.message.split('\n')[0] ?? ''}).`, err)));
      candidates = candidates.slice(1);
    }
  }
  const schema = parseSchemaString(metadata.schemaString);
  const tx = Transaction.forCreate(target.store, target.root, { metadata }, deps.transaction);
  const staged = await stageRows(conn, target, { schema, partitionColumns: metadata.partitionColumns, files: [], txns: new Map(), metadata }, candidates, deps, tx, run);
  const result = await staged.tx.commit({ operation: 'CREATE TABLE AS SELECT', operationParameters: { pipelineId: rule.pipelineId, objects: staged.good.length } });
  return { version: result.version, good: [...staged.good] };
}

async function inferredColumns(conn: DuckDBConnection, raw: string): Promise<ColumnSpec[]> {
  const t = await introspectTempTable(conn, raw);
  return toColumnSpecs(t?.columns ?? []).map((c) => columnSpecOf(c.name, ctasColumnType(c.duckdbType), true, ''));
}

async function appendRows(conn: DuckDBConnection, target: IngestTarget, loaded: readonly Loaded[], deps: IngestDeps, run: RunFn): Promise<{ version: number; good: Array<{ obj: ObjectVersion; rows: number }> }> {
  let good: ReadonlyArray<{ obj: ObjectVersion; rows: number }> = [];
  const result = await commitDirectWrite(target.store, target.root, deps, async (snapshot) => {
    const tx = Transaction.forSnapshot(target.store, snapshot, deps.transaction);
    const staged = await stageRows(conn, target, snapshot, loaded, deps, tx, run);
    good = staged.good;
    return { tx: staged.tx, operation: staged.operation, operationParameters: { mode: 'Append', pipelineId: target.rule.pipelineId, objects: staged.good.length } };
  });
  return { version: result.version, good: [...good] };
}

type StageSnapshot = Pick<Snapshot, 'schema' | 'partitionColumns' | 'files' | 'txns' | 'metadata'>;

async function stageRows(conn: DuckDBConnection, target: IngestTarget, snapshot: StageSnapshot, loaded: readonly Loaded[], deps: IngestDeps, tx: Transaction, run: RunFn): Promise<Staged> {
  const { rule, store, root } = target;
  const good: Array<{ obj: ObjectVersion; rows: number; typed: string; replaces: boolean }> = [];
  for (const [i, l] of loaded.entries()) {
    const state = ledgerState(snapshot.txns, l.obj.key, l.obj.etag);
    if (state === 'ingested') {
      run(l.obj, l.startedAt, IngestRunStatus.SKIPPED);
      continue;
    }
    const typed = `__k3_ingest_typed_${i}`;
    try {
      const rows = await castObject(conn, l.raw, typed, snapshot.schema, l.obj);
      good.push({ obj: l.obj, rows, typed, replaces: state === 'changed' && rule.onChange === 'replace' });
    } catch (err) {
      run(l.obj, l.startedAt, IngestRunStatus.FAILED, errorParts(err));
    }
  }
  if (good.length === 0) throw new NothingToCommit();
  const keys = primaryKeyOf(snapshot.metadata);
  const union = good.map((g, i) => `SELECT *, ${i} AS __k3_ord FROM ${q(g.typed)}`).join(' UNION ALL ');
  const dedupe = keys.length === 0 ? '' : ` QUALIFY row_number() OVER (PARTITION BY ${keys.map(q).join(', ')} ORDER BY __k3_ord DESC) = 1`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE __k3_ingest_batch AS SELECT * EXCLUDE (__k3_ord) FROM (${union})${dedupe}`);
  const replaced = good.filter((g) => g.replaces).map((g) => g.obj.key);
  const columns = snapshot.schema.fields.map((f) => q(f.name)).join(', ');
  let lease: FileLease | undefined;
  try {
    let removed: ActiveFile[] = [];
    let keep = '';
    // Replace only: files whose _k3_source_key range excludes every replaced key are not read.
    const candidates = keys.length > 0 ? snapshot.files : snapshot.files.filter((f) => mayHoldAnyKey(f, replaced));
    if (candidates.length > 0 && (replaced.length > 0 || keys.length > 0)) {
      lease = await deps.cache.acquire(store, candidates.map((f) => ({ key: f.key, size: f.add.size })));
      const found = await affectedBy(conn, { ...snapshot, files: candidates }, lease.paths, replaced, keys);
      removed = found.files;
      if (removed.length > 0) {
        await bindSnapshot(conn, '__k3_ingest_affected', { schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, files: removed }, lease.paths);
        const conds = [
          ...(replaced.length > 0 ? [`NOT EXISTS (SELECT 1 FROM __k3_ingest_gone g WHERE g.${q(SOURCE_KEY_COLUMN)} = d.${q(SOURCE_KEY_COLUMN)})`] : []),
          ...(keys.length > 0 ? [`NOT EXISTS (SELECT 1 FROM __k3_ingest_batch b WHERE ${keys.map((k) => `b.${q(k)} = d.${q(k)}`).join(' AND ')})`] : []),
        ];
        keep = `SELECT ${columns} FROM __k3_ingest_affected AS d WHERE ${conds.join(' AND ')} UNION ALL `;
      }
    }
    const adds = await writeDataFiles(conn, { sql: `${keep}SELECT ${columns} FROM __k3_ingest_batch` }, {
      store, root: root.endsWith('/') ? root : `${root}/`, schema: snapshot.schema, partitionColumns: snapshot.partitionColumns, tmpDir: deps.tmpDir, checks: checkConstraintsOf(snapshot.metadata), clock: deps.clock,
    });
    if (removed.length > 0) tx.readFiles(removed).removeFiles(removed);
    tx.addFiles(adds);
    for (const g of good) tx.setTxn(ingestAppId(g.obj.key), etagVersion(g.obj.etag));
    return { tx, good: good.map((g) => ({ obj: g.obj, rows: g.rows })), operation: removed.length > 0 ? 'MERGE' : 'WRITE' };
  } finally {
    lease?.release();
    await conn.run('DROP VIEW IF EXISTS __k3_ingest_affected').catch(() => undefined);
  }
}

/** Code-point order (the order of Delta's UTF-8 string stats), unlike `<` on UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** False only when the file's min/max stats of the source-key column exclude every key. */
export function mayHoldAnyKey(file: Pick<ActiveFile, 'stats'>, keys: readonly string[]): boolean {
  const min = file.stats?.minValues?.[SOURCE_KEY_COLUMN];
  const max = file.stats?.maxValues?.[SOURCE_KEY_COLUMN];
  if (typeof min !== 'string' || typeof max !== 'string') return true;
  return keys.some((k) => compareCodePoints(k, min) >= 0 && compareCodePoints(k, max) <= 0);
}

/** Files holding rows of replaced objects (by source key) or an incoming merge key. */
async function affectedBy(conn: DuckDBConnection, snapshot: StageSnapshot, paths: ReadonlyMap<string, string>, replaced: readonly string[], keys: readonly string[]): Promise<{ files: ActiveFile[] }> {
  const files = new Map<string, ActiveFile>();
  const shapeOf = (columns: ReadonlyArray<{ name: string; type: string }>): WalTableShape => ({ tableId: '', columns, primaryKey: columns.map((c) => c.name), fingerprint: '', notNull: [] });
  if (replaced.length > 0) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE __k3_ingest_gone AS SELECT * FROM (VALUES ${replaced.map((k) => `(${quoteLiteral(k)})`).join(', ')}) AS g(${q(SOURCE_KEY_COLUMN)})`);
    const tables = { keys: '__k3_ingest_gone', upserts: '__k3_ingest_gone', drop: async () => undefined, dropSql: '' };
    const hit = await findAffectedFiles(conn, snapshot, paths, tables, shapeOf([{ name: SOURCE_KEY_COLUMN, type: 'VARCHAR' }]));
    for (const f of hit.files) files.set(f.key, f);
  }
  if (keys.length > 0) {
    await conn.run(`CREATE OR REPLACE TEMP TABLE __k3_ingest_keys AS SELECT DISTINCT ${keys.map(q).join(', ')} FROM __k3_ingest_batch`);
    const fields = keys.map((k) => snapshot.schema.fields.find((f) => f.name === k)!);
    const tables = { keys: '__k3_ingest_keys', upserts: '__k3_ingest_keys', drop: async () => undefined, dropSql: '' };
    const hit = await findAffectedFiles(conn, snapshot, paths, tables, shapeOf(fields.map((f) => ({ name: f.name, type: fieldToDuckDBType(f) }))));
    for (const f of hit.files) files.set(f.key, f);
  }
  return { files: [...files.values()] };
}


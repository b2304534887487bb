/**
 * Transaction: optimistic concurrency over the Delta log — the API the SQL layer commits through.
 *
 *   build actions ─▶ tryWriteCommit(v = readVersion+1) ──won──▶ checkpoint if v % interval == 0
 *        ▲                     │ lost                              (best effort) + _last_checkpoint
 *        │                     ▼
 *        │        read winners v..latest ─▶ conflict checker ──conflict──▶ throw (Delta taxonomy)
 *        └──── rebase: v = latest+1, new timestamp ◀── ok (attempts ≤ maxRetries, else
 *                                                        ERR_DELTA_COMMIT_CONFLICT)
 *
 * Invariants:
 * - A version is written by exactly one writer (putIfAbsent); a commit carries a fresh txnId, so an
 *   ambiguous PUT (error or "exists" after a retried request) is resolved by reading it back.
 * - Data files are uploaded before the commit that references them (the caller's job), so a lost
 *   race leaves only orphan files that VACUUM removes.
 * - Timestamps are monotonic: commitInfo.timestamp = commitInfo.inCommitTimestamp =
 *   max(clock(), previous commit's timestamp + 1). Timestamp time travel can then rely on the log
 *   rather than object mtimes. The inCommitTimestamp *table feature* is NOT enabled (it needs
 *   writer version 7); the field is informational for other engines.
 * - Protocol (1,2) only (assertWritable); writer-2 duties: `delta.appendOnly` tables refuse
 *   data-changing removes, and tables with `delta.invariants` column constraints are refused
 *   because k3 cannot evaluate them.
 * - Isolation: `delta.isolationLevel` (Serializable | WriteSerializable, default WriteSerializable);
 *   commits that only rearrange files (all dataChange=false) run as SnapshotIsolation, as Spark's.
 * - Pure: no logging; a failed checkpoint is reported through `onCheckpointError` only.
 * Design note: docs/design/delta-log.md ("Writer").
 */
import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { Action, AddCDCFile, AddFile, CommitInfo, Metadata, Protocol, RemoveFile, Txn } from './actions.ts';
import { readCommitActions, tryWriteCommit } from './commit.ts';
import { buildCommitInfo, type IsolationLevel } from './commit-info.ts';
import { checkForConflicts, normalizeLogPath, type PartitionPredicate, type TransactionFootprint } from './conflict-checker.ts';
import { checkpointIfDue, type CheckpointInfo } from './checkpoint-writer.ts';
import { mergeProtocol, protocolForSchema } from './features.ts';
import { parseSchemaString, type StructType } from './schema.ts';
import type { ActiveFile, Snapshot } from './snapshot.ts';
import { isChangeDataFeedEnabled, K3_TABLE_PROTOCOL } from './table-metadata.ts';
import { assertCommitAllowed } from './write-guards.ts';

export const DEFAULT_ENGINE_INFO = 'k3-tables/0.1.0';

/** commitInfo.userName of commits no principal asked for: the compactor, maintenance. */
export const SYSTEM_USER = 'system';

export interface TransactionOptions {
  maxRetries: number;
  /** Checkpoint every N versions; the table property `delta.checkpointInterval` overrides it. */
  checkpointInterval: number;
  clock?: () => number;
  /** 'k3-tables/<version>' */
  engineInfo?: string;
  /** commitInfo.userName of every commit (the principal's name, or `system`). */
  userName?: string;
  /** Called when the post-commit checkpoint fails (the commit itself has succeeded). */
  onCheckpointError?: (err: unknown, version: number) => void;
  /**
   * Writes the change data files of a commit on a table with `delta.enableChangeDataFeed=true`
   * that removes data (the port; the DuckDB adapter is cdf/stage-change-data.ts). Without it such
   * a commit is refused, so no write path can silently skip the feed.
   */
  changeData?: ChangeDataStager;
}

/** What a change-data stager gets: the commit's data-changing removes and adds, and the table after it. */
export interface ChangeDataRequest {
  readonly store: ObjectStore;
  readonly root: string;
  readonly metadata: Metadata;
  readonly schema: StructType;
  readonly removed: readonly ActiveFile[];
  readonly added: readonly AddFile[];
}

/** Uploads the commit's `_change_data/` files and returns their `cdc` actions. */
export type ChangeDataStager = (request: ChangeDataRequest) => Promise<AddCDCFile[]>;

export interface CommitRequest {
  operation: string;
  operationParameters?: Record<string, unknown>;
  operationMetrics?: Record<string, number | string>;
  userMetadata?: string;
}

export interface CommitResult {
  version: number;
  attempts: number;
  timestamp: number;
  /** Set when this commit wrote a checkpoint. */
  checkpoint?: CheckpointInfo;
}

interface Base {
  readVersion: number | undefined;
  protocol: Protocol;
  metadata: Metadata;
  schema: StructType;
  files: readonly ActiveFile[];
  previousTimestamp: number;
}

export class Transaction {
  readonly #store: ObjectStore;
  readonly #root: string;
  readonly #opts: TransactionOptions;
  readonly #base: Base;
  readonly #isCreate: boolean;
  readonly #adds: AddFile[] = [];
  readonly #removes = new Map<string, { file: ActiveFile; dataChange: boolean }>();
  readonly #txns = new Map<string, number>();
  #newMetadata: Metadata | undefined;
  #newProtocol: Protocol | undefined;
  #cdcs: AddCDCFile[] = [];
  #cdcsStaged = false;
  #readWholeTable = false;
  readonly #readPaths = new Set<string>();
  readonly #readPartitions: PartitionPredicate[] = [];
  #committed = false;

  private constructor(store: ObjectStore, root: string, base: Base, isCreate: boolean, opts: TransactionOptions) {
    this.#store = store;
    this.#root = root === '' || root.endsWith('/') ? root : `${root}/`;
    this.#base = base;
    this.#isCreate = isCreate;
    this.#opts = opts;
  }

  /** Version 0 of a new table. Commit fails with ERR_TABLE_EXISTS if version 0 already exists. */
  static forCreate(store: ObjectStore, root: string, init: { metadata: Metadata; protocol?: Protocol }, opts: TransactionOptions): Transaction {
    const protocol = init.protocol ?? { ...K3_TABLE_PROTOCOL };
    const tx = new Transaction(store, root, { readVersion: undefined, protocol, metadata: init.metadata, schema: parseSchemaString(init.metadata.schemaString), files: [], previousTimestamp: 0 }, true, opts);
    tx.#newMetadata = init.metadata;
    return tx;
  }

  static forSnapshot(store: ObjectStore, snapshot: Snapshot, opts: TransactionOptions): Transaction {
    return new Transaction(store, snapshot.root, {
      readVersion: snapshot.version, protocol: snapshot.protocol, metadata: snapshot.metadata, schema: snapshot.schema, files: snapshot.files, previousTimestamp: snapshot.timestamp,
    }, false, opts);
  }

  addFiles(adds: AddFile[]): this {
    this.#adds.push(...adds);
    return this;
  }

  removeFiles(files: readonly ActiveFile[], opts: { dataChange?: boolean } = {}): this {
    for (const file of files) this.#removes.set(normalizeLogPath(file.add.path), { file, dataChange: opts.dataChange ?? true });
    return this;
  }

  updateMetadata(metadata: Metadata): this {
    this.#newMetadata = metadata;
    return this;
  }

  /**
   * Change data files the caller already uploaded for this commit (a write path that knows the
   * exact row identity); the change-data stager is then not asked.
   */
  addChangeData(cdcs: readonly AddCDCFile[]): this {
    this.#cdcs.push(...cdcs);
    this.#cdcsStaged = true;
    return this;
  }

  /** Raises the table's protocol in this commit (e.g. to writer 4 when the Change Data Feed is turned on). */
  updateProtocol(protocol: Protocol): this {
    this.#newProtocol = protocol;
    return this;
  }

  /**
   * Raises the protocol to support what `protocol` supports (e.g. writer 3 for CHECK constraints,
   * the timestampNtz feature for a TIMESTAMP column); never lowers it (features.ts mergeProtocol).
   */
  upgradeProtocol(protocol: Protocol): this {
    const merged = mergeProtocol(this.#newProtocol ?? this.#base.protocol, protocol);
    if (merged !== undefined) this.#newProtocol = merged;
    return this;
  }

  setTxn(appId: string, version: number): this {
    this.#txns.set(appId, version);
    return this;
  }

  readWholeTable(): this {
    this.#readWholeTable = true;
    return this;
  }

  readFiles(files: readonly ActiveFile[]): this {
    for (const f of files) this.#readPaths.add(normalizeLogPath(f.add.path));
    return this;
  }

  readPartitions(predicate: PartitionPredicate): this {
    this.#readPartitions.push(predicate);
    return this;
  }

  async commit(req: CommitRequest): Promise<CommitResult> {
    if (this.#committed) throw new AppError('ERR_INTERNAL', 'A Transaction can be committed only once; start a new one from a fresh snapshot.');
    this.#committed = true;
    const schema = this.#newMetadata ? parseSchemaString(this.#newMetadata.schemaString) : this.#base.schema;
    // A new schema that uses a type with a table feature (timestamp_ntz) raises the protocol in the same commit.
    const forTypes = this.#newMetadata ? protocolForSchema(schema) : undefined;
    if (forTypes !== undefined) this.upgradeProtocol(forTypes);
    assertCommitAllowed(this.#newProtocol ?? this.#base.protocol, this.#newMetadata ?? this.#base.metadata, schema, [...this.#removes.values()].some((r) => r.dataChange));
    await this.#stageChangeData(schema);
    const clock = this.#opts.clock ?? Date.now;
    const isolationLevel = this.#isolationLevel();
    const footprint = this.#footprint(isolationLevel);
    const txnId = randomUUID();
    let version = (this.#base.readVersion ?? -1) + 1;
    let previous = this.#base.previousTimestamp;
    for (let attempt = 1; ; attempt++) {
      const timestamp = Math.max(clock(), previous + 1);
      const actions = this.#actions(req, timestamp, isolationLevel, txnId);
      if (await this.#tryWrite(version, actions, txnId)) {
        const result: CommitResult = { version, attempts: attempt, timestamp };
        const checkpoint = await checkpointIfDue(this.#store, this.#root, version, this.#base.metadata, this.#opts.checkpointInterval, clock(), this.#opts.onCheckpointError);
        if (checkpoint !== undefined) result.checkpoint = checkpoint;
        return result;
      }
      if (this.#isCreate) {
        throw new AppError('ERR_TABLE_EXISTS', `A Delta table already exists at ${this.#store.url}${this.#root} (version 0 is taken); choose another name or drop the table first.`, { root: this.#root });
      }
      if (attempt > this.#opts.maxRetries) {
        throw new AppError('ERR_DELTA_COMMIT_CONFLICT', `The commit lost the race for a table version ${attempt} times (last tried version ${version}); the table is under heavy concurrent writes. Retry the request.`, { attempts: attempt, version });
      }
      // Rebase over every commit that won since: each must be compatible with what we read.
      for (;;) {
        const winner = await readCommitActions(this.#store, this.#root, version);
        if (winner === undefined) break;
        checkForConflicts(footprint, { version, actions: winner });
        previous = Math.max(previous, winnerTimestamp(winner));
        version++;
      }
    }
  }

  /**
   * putIfAbsent, made safe against ambiguous outcomes (docs/design/faults.md): after a failed PUT,
   * or "exists" after a lost response (a retried request finding our own object), the commit at
   * `version` is read back — ours iff it carries our txnId. Ours → won; another writer's → a lost
   * race (rebase); absent after an error → the PUT never landed, its (retryable) error stands and
   * a retry is safe; unreadable → ERR_WRITE_OUTCOME_UNKNOWN. Without this a blind append could be
   * committed twice, or a landed commit reported as failed.
   * Change Data Feed: a commit that removes data on a table with the feed on carries `cdc` actions
   * (readers then take the version's changes from them alone); appends need none (their added
   * files are the inserts) and dataChange=false commits (OPTIMIZE) contribute nothing. The files
   * are uploaded once, before the first attempt: a rebase does not change the removes and adds.
   */
  async #stageChangeData(schema: StructType): Promise<void> {
    const metadata = this.#newMetadata ?? this.#base.metadata;
    if (this.#cdcsStaged || !isChangeDataFeedEnabled(metadata)) return;
    const removed = [...this.#removes.values()].filter((r) => r.dataChange).map((r) => r.file);
    if (removed.length === 0) return;
    const stager = this.#opts.changeData;
    if (stager === undefined) {
      throw new AppError('ERR_INTERNAL', `Table ${this.#root} records its Change Data Feed, but this writer was started without a change-data stager; nothing was committed.`, { root: this.#root });
    }
    this.#cdcs = await stager({ store: this.#store, root: this.#root, metadata, schema, removed, added: this.#adds.filter((a) => a.dataChange) });
  }

  /**
   * putIfAbsent, made safe against ambiguous outcomes: when the PUT failed or answered "exists"
   * after a lost response (a retried request finding our own object), the commit at `version` is
   * ours iff it carries our txnId. Without this a blind append could be committed twice.
   */
  async #tryWrite(version: number, actions: readonly Action[], txnId: string): Promise<boolean> {
    let won: boolean;
    try {
      won = await tryWriteCommit(this.#store, this.#root, version, actions);
    } catch (err) {
      const owner = await this.#owner(version, txnId, err);
      if (owner === 'absent') throw err;
      return owner === 'ours';
    }
    return won || (await this.#owner(version, txnId)) === 'ours';
  }

  async #owner(version: number, txnId: string, writeError?: unknown): Promise<'ours' | 'theirs' | 'absent'> {
    let existing: Action[] | undefined;
    try {
      existing = await readCommitActions(this.#store, this.#root, version);
    } catch (readError) {
      throw new AppError('ERR_WRITE_OUTCOME_UNKNOWN', `The commit of version ${version} at ${this.#store.url}${this.#root} may or may not have landed: the store's answer was lost and reading it back failed. Retry with the same idempotency key (it is applied at most once).`, { version, root: this.#root }, { cause: writeError ?? readError });
    }
    if (existing === undefined) return 'absent';
    return existing.some((a) => 'commitInfo' in a && a.commitInfo.txnId === txnId) ? 'ours' : 'theirs';
  }

  #isolationLevel(): IsolationLevel {
    const fileActions = [...this.#adds.map((a) => a.dataChange), ...[...this.#removes.values()].map((r) => r.dataChange)];
    if (fileActions.length > 0 && fileActions.every((dc) => !dc) && this.#newMetadata === undefined) return 'SnapshotIsolation';
    return this.#base.metadata.configuration?.['delta.isolationLevel'] === 'Serializable' ? 'Serializable' : 'WriteSerializable';
  }

  #footprint(isolationLevel: IsolationLevel): TransactionFootprint {
    const readPaths = new Set(this.#readPaths);
    if (this.#readPartitions.length > 0) {
      for (const f of this.#base.files) if (this.#readPartitions.some((p) => p(f.partitionValues))) readPaths.add(normalizeLogPath(f.add.path));
    }
    return {
      readVersion: this.#base.readVersion ?? -1,
      isolationLevel,
      readWholeTable: this.#readWholeTable,
      readPaths,
      readPartitions: [...this.#readPartitions],
      removedPaths: new Set(this.#removes.keys()),
      appIds: new Set(this.#txns.keys()),
      schema: this.#base.schema,
      partitionColumns: this.#base.metadata.partitionColumns,
    };
  }

  #isBlindAppend(): boolean {
    const dependsOnFiles = this.#readWholeTable || this.#readPaths.size > 0 || this.#readPartitions.length > 0;
    return this.#adds.length > 0 && this.#removes.size === 0 && this.#newMetadata === undefined && this.#newProtocol === undefined && !this.#isCreate && !dependsOnFiles;
  }

  #actions(req: CommitRequest, timestamp: number, isolationLevel: IsolationLevel, txnId: string): Action[] {
    const info: CommitInfo = buildCommitInfo({
      timestamp, operation: req.operation, operationParameters: req.operationParameters, operationMetrics: req.operationMetrics, userMetadata: req.userMetadata,
      readVersion: this.#base.readVersion, isolationLevel, isBlindAppend: this.#isBlindAppend(), engineInfo: this.#opts.engineInfo ?? DEFAULT_ENGINE_INFO, txnId,
      ...(this.#opts.userName !== undefined ? { userName: this.#opts.userName } : {}),
    });
    const actions: Action[] = [{ commitInfo: info }];
    if (this.#isCreate || this.#newProtocol !== undefined) actions.push({ protocol: this.#newProtocol ?? this.#base.protocol });
    if (this.#newMetadata !== undefined) actions.push({ metaData: this.#newMetadata });
    for (const [appId, version] of this.#txns) actions.push({ txn: { appId, version, lastUpdated: timestamp } satisfies Txn });
    for (const { file, dataChange } of this.#removes.values()) actions.push({ remove: toRemove(file.add, timestamp, dataChange) });
    for (const add of this.#adds) actions.push({ add });
    for (const cdc of this.#cdcs) actions.push({ cdc });
    return actions;
  }
}

function toRemove(add: AddFile, timestamp: number, dataChange: boolean): RemoveFile {
  const remove: RemoveFile = { path: add.path, deletionTimestamp: timestamp, dataChange, extendedFileMetadata: true, partitionValues: add.partitionValues, size: add.size };
  if (add.stats !== undefined && add.stats !== null) remove.stats = add.stats;
  if (add.tags !== undefined && add.tags !== null) remove.tags = add.tags;
  return remove;
}

function winnerTimestamp(actions: readonly Action[]): number {
  for (const a of actions) {
    if ('commitInfo' in a) {
      const t = a.commitInfo.inCommitTimestamp ?? a.commitInfo.timestamp;
      if (typeof t === 'number' && Number.isFinite(t)) return t;
    }
  }
  return 0;
}

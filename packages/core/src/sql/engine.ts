/**
 * Engine: runs one DuckDB-dialect SQL statement against the Delta tables of a bucket
 * (design note: docs/design/sql-engine.md).
 *
 *   text ─▶ AnalysedStatement (analysed-statement.ts: tokens once, one statement, k3 pre-pass,
 *           cached per text; DuckDB's count and AST asked once) ─▶ DuckDB parse check
 *     ├─ SHOW TABLES ────────────────▶ catalog
 *     ├─ CREATE / ALTER / DROP TABLE ─▶ DDL (scratch TEMP tables + Delta commit)
 *     ├─ INSERT / UPDATE / DELETE / MERGE ─▶ executeWrite (re-run on a fresh snapshot on conflict)
 *     └─ anything else ─▶ prepare (binds tables) ─▶ statementType: read, or refusal
 *
 * Invariants: one statement per call; one fresh DuckDB connection per attempt (TEMP objects never
 * leak between requests); every table a statement touches is read at one snapshot per attempt;
 * a failing statement commits nothing.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBResult } from '@duckdb/node-api';
import { EngineStatus, QueryStrategy, type CreateTableRequest, type ExecuteDdlResult, type ExecuteQueryResult, type ExecuteResponse, type ExecuteWriteResult, type Freshness, type Table } from '../api/index.ts';
import { BucketEngines, type EngineDescription, type EngineState } from '../bucket-engine/index.ts';
import { Catalog, describeSnapshot, specFromRequest } from '../catalog/index.ts';
import { SYSTEM_USER, assertValidIdempotencyKey, commitConflictRetry, type TransactionOptions } from '../delta/index.ts';
import { AppError } from '../errors/index.ts';
import { createChangeDataStager } from '../cdf/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import { alterTable } from './alter-table.ts';
import { assertParametersGiven, assertReadable, expansionRefusal, objectRefusal } from './classify-statement.ts';
import { createFromSpec, createTableFromSql, type DdlContext } from './create-table.ts';
import { dropTable } from './drop-table.ts';
import type { EngineDeps } from './engine-deps.ts';
import { bindCatalogViews } from './catalog-views.ts';
import { executeRead, queryResult } from './execute-read.ts';
import { executeWrite } from './execute-write.ts';
import { createFederatedReader, type FederatedReader } from './create-federated-reader.ts';
import { soleBaseTable } from './federated-read.ts';
import { compactedReadSql } from './compact-read.ts';
import { CompactorService, compactorSettings, drainTable, toCompactResponse, type CompactResponse, type CompactorServiceOptions } from '../compaction/index.ts';
import { freshBinderFor, markFresh } from './fresh-read.ts';
import { tryMaterializedRead } from './materialized-read.ts';
import { HtapRuntime } from './htap-runtime.ts';
import { withHtapFields } from './table-htap-fields.ts';
import { RequestTables } from './request-tables.ts';
import { executeMaintenanceStatement } from './maintenance-statements.ts';
import { TableMaintenance, type RestoreResult } from './table-maintenance.ts';
import type { HistoryRequest, HistoryResponse, OptimizeRequest, OptimizeResponse, RestoreRequest, VacuumRequest, VacuumResponse } from '../maintenance/index.ts';
import { showTables } from './show-tables.ts';
import { tableChanges, tableDiff, type ChangesContext, type ChangesRequest, type ChangesResponse, type DiffRequest, type DiffResponse } from './table-changes.ts';
import type { AnalysedStatement } from './analysed-statement.ts';
import { StatementCache } from './statement-cache.ts';
import { isWord } from './sql-tokens.ts';
import type { Action } from '../auth/index.ts';
import { maintenanceAction, statementAction } from './statement-action.ts';
import { tryPointLookup } from './point-lookup-read.ts';
import { resultLimits } from './result-limits.ts';
import type { ResultLimits } from '../exec/index.ts';
import { describePrepared, type StatementDescription } from './describe-statement.ts';
import { RowStream, type RowStreamHeader } from './row-stream.ts';
import { duckDBTypeText, mapDuckDBError, stoppableConnection } from '../exec/index.ts';
import {
  deleteRows, insertRows, mergeRows, queryExecuteOptions, queryRows, updateRows,
  type DeleteRowsRequest, type InsertRowsRequest, type MergeRowsRequest, type QueryRowsRequest, type TypedTable, type UpdateRowsRequest,
} from '../typed/index.ts';
import { parametersUnsupported, toSqlParams } from './statement-params.ts';
import { KeyedWriteDuckDB } from './keyed-write-duckdb.ts';
import { PipelineScanner, createPipelines, type Pipelines, type PipelineScannerOptions } from '../pipeline/index.ts';

export type { BucketStores, EngineDeps, FileCache, K3DuckDB } from './engine-deps.ts';

export interface ExecuteOptions {
  bucket: string;
  sql: string;
  freshness?: Freshness;
  signal?: AbortSignal;
  /** Who runs the statement: commitInfo.userName of the commits it makes (default `system`). */
  principal?: string;
  /**
   * Called once the statement is classified, before it reads or writes anything (auth: throws
   * ERR_FORBIDDEN when the caller's scope does not cover the action).
   */
  authorize?: (action: Action) => void;
  /** Positional values of `$1 … $n` / `?` (statement-params.ts); bound, never spliced into the text. */
  params?: readonly unknown[];
  /**
   * Makes a write safe to retry (docs/design/faults.md, "Idempotency"): recorded with the write,
   * and a retry with a recorded key answers the recorded outcome instead of applying it again.
   */
  idempotencyKey?: string;
  /**
   * The statement already analysed (Engine.analyse) — a wire's prepared statement keeps it and
   * hands it back on every execution; otherwise the engine's statement cache is asked.
   */
  analysed?: AnalysedStatement;
}


/** Statement shapes that take bound parameters (reads and DML). */
const PARAMETER_SHAPES: ReadonlySet<string> = new Set(['dml', 'other', 'describe-query']);

/** Attempts of a whole write statement when its commit loses to a conflicting concurrent commit. */
const MAX_STATEMENT_ATTEMPTS = 10;

interface Attempt {
  readonly conn: DuckDBConnection;
  readonly tables: RequestTables;
  readonly store: ObjectStore;
  /** Other connections the attempt's statement runs on (interrupted with it on timeout or cancel). */
  readonly interrupts: Set<DuckDBConnection>;
}

export class Engine {
  readonly #deps: EngineDeps;
  readonly #catalog: Catalog;
  readonly #clock: () => number;
  readonly #txOptions: TransactionOptions;
  readonly #tmpDir: string;
  readonly #maintenance: TableMaintenance;
  readonly #federated: FederatedReader;
  readonly #htap: HtapRuntime;
  readonly #engines: BucketEngines;
  readonly #conflictRetry = commitConflictRetry(MAX_STATEMENT_ATTEMPTS);
  readonly #statements: StatementCache;
  /** Pipeline-generated tables: CreateTablePipeline, ingest rules, runs, TriggerIngest (pipeline/). A plain field, so proxies of the engine pass it through. */
  readonly pipelines: Pipelines;
  #tmpReady: Promise<unknown> | undefined;
  /** Which DuckDB a DML attempt connects to: write-log writes on a one-thread database (K3_KEYED_WRITE_DUCKDB). */
  readonly keyedWriteDb: KeyedWriteDuckDB;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#statements = new StatementCache(undefined, { splitValuesCut: deps.config.K3_SPLIT_VALUES_CUT });
    this.#clock = deps.clock ?? Date.now;
    this.#catalog = new Catalog({ stores: deps.stores, tablesPrefix: deps.config.K3_TABLES_PREFIX });
    this.#tmpDir = deps.tmpDir ?? path.join(deps.config.K3_CACHE_DIR, 'writes');
    this.#txOptions = {
      maxRetries: deps.config.K3_DELTA_MAX_COMMIT_RETRIES,
      checkpointInterval: deps.config.K3_DELTA_CHECKPOINT_INTERVAL,
      clock: this.#clock,
      userName: SYSTEM_USER,
      changeData: createChangeDataStager({ db: deps.db, cache: deps.cache, tmpDir: this.#tmpDir }),
    };
    this.#maintenance = new TableMaintenance({ catalog: this.#catalog, db: deps.db, cache: deps.cache, txOptions: this.#txOptions, tmpDir: this.#tmpDir, keyedRowGroupSize: deps.config.K3_KEYED_ROW_GROUP_SIZE, keyedFileRows: deps.config.K3_KEYED_FILE_ROWS });
    this.#federated = createFederatedReader(deps, this.#clock);
    this.#engines = new BucketEngines({ clock: this.#clock });
    this.#htap = new HtapRuntime({ db: deps.db, cache: deps.cache, tmpDir: this.#tmpDir, transaction: this.#txOptions, clock: this.#clock, warmTailKeys: deps.config.K3_WARM_TAIL_KEYS, warmTables: deps.config.K3_WARM_TABLES, materializeRows: deps.config.K3_WARM_MATERIALIZE_ROWS, keyedRowFastPath: deps.config.K3_KEYED_ROW_FAST_PATH, keyedRowGroupSize: deps.config.K3_KEYED_ROW_GROUP_SIZE, keyedFileRows: deps.config.K3_KEYED_FILE_ROWS, keyedLiteralRows: deps.config.K3_KEYED_LITERAL_ROWS, lookupCacheBytes: deps.config.K3_LOOKUP_CACHE_BYTES, lookupCacheFirstReadRows: deps.config.K3_LOOKUP_CACHE_FIRST_READ_ROWS, mergeValuesLoad: deps.config.K3_MERGE_VALUES_LOAD, mergeChangedAntiJoin: deps.config.K3_MERGE_CHANGED_ANTI_JOIN, mergeRowImages: deps.config.K3_MERGE_ROW_IMAGES, blindSelectCapture: deps.config.K3_BLIND_SELECT_CAPTURE });
    this.keyedWriteDb = new KeyedWriteDuckDB(deps.db, { mode: deps.config.K3_KEYED_WRITE_DUCKDB, memoryLimit: deps.config.K3_KEYED_WRITE_DUCKDB_MEMORY_LIMIT, pointRoutes: deps.config.K3_KEYED_ROW_FAST_PATH });
    this.pipelines = createPipelines(deps.stores, deps.config, this.#htap.drainDeps, this.#clock, (store, bucket) => this.#engines.assertActive(store, bucket));
  }

  /**
   * The one analysis of a statement text (analysed-statement.ts), from the engine's bounded cache.
   * `paramCount`: the number of values that will be bound (undefined: not known yet).
   */
  analyse(sql: string, paramCount?: number): AnalysedStatement {
    return this.#statements.analyse(sql, paramCount);
  }

  /** Statement-cache entries, characters held, hits and misses. */
  statementCacheStats(): ReturnType<StatementCache['stats']> {
    return this.#statements.stats();
  }

  /** The request's analysed statement: the caller's (a prepared statement's) when it matches, else the cache's. */
  #analysed(opts: Pick<ExecuteOptions, 'sql' | 'analysed'>, paramCount: number | undefined): AnalysedStatement {
    const given = opts.analysed;
    if (given !== undefined && given.source === opts.sql && given.paramCount === paramCount) return given;
    return this.#statements.analyse(opts.sql, paramCount);
  }

  /** Federated reads answered with a plan planned before for the same snapshot and text (tests read it). */
  get federatedPlanHits(): number {
    return this.#federated.plans.hits;
  }

  /** Fan-outs whose FINAL only picked and sorted columns and was answered without DuckDB (tests read it). */
  get federatedPlainFinals(): number {
    return this.#federated.plainFinals;
  }

  /** The pipeline scanner loop over this engine's buckets (compactor role; K3_PIPELINE_* settings). */
  pipelineScanner(opts: Pick<PipelineScannerOptions, 'lease' | 'onScan' | 'onError'>): PipelineScanner {
    return new PipelineScanner({ pipelines: this.pipelines, stores: this.#deps.stores, intervalMs: this.#deps.config.K3_PIPELINE_SCAN_INTERVAL, ...opts });
  }

  async execute(opts: ExecuteOptions): Promise<ExecuteResponse> {
    const startedAt = this.#clock();
    const maxLength = this.#deps.config.K3_SQL_MAX_LENGTH;
    if (maxLength !== undefined && opts.sql.length > maxLength) {
      throw new AppError('ERR_SQL_TOO_LONG', `The SQL text has ${opts.sql.length} characters; the limit is ${maxLength} (K3_SQL_MAX_LENGTH). Send less text: load rows in batches, or bind values with Insert/Merge rows instead of literals.`, { length: opts.sql.length, maxLength });
    }
    // RESTORE / OPTIMIZE / VACUUM / DESCRIBE HISTORY (maintenance-statements.ts); AS OF and
    // k3_history('t') become self-binding relation names (time-travel-binding.ts).
    if (opts.idempotencyKey !== undefined) assertValidIdempotencyKey(opts.idempotencyKey);
    const params = toSqlParams(opts.params);
    const analysed = this.#analysed(opts, params.length);
    const { maintenance } = analysed;
    if (maintenance !== undefined) {
      opts.authorize?.(maintenanceAction(maintenance));
      if (params.length > 0) throw parametersUnsupported('A maintenance statement');
      await this.#activeStore(opts.bucket);
      return executeMaintenanceStatement({ maintenance: this.#maintenance, db: this.#deps.db, bucket: opts.bucket, startedAt, now: this.#clock }, maintenance);
    }
    const statement = analysed.statement!;
    const { shape } = statement;
    opts.authorize?.(statementAction(shape));
    if (params.length > 0 && !PARAMETER_SHAPES.has(shape.kind)) throw parametersUnsupported(`A ${shape.kind.replace('-', ' ')} statement`);
    // Freshness switch point: STRONG / OLTP_ONLY will merge the write log; until it exists every
    // read is a Delta (warehouse) read.
    switch (shape.kind) {
      case 'create-other':
        throw objectRefusal('CREATE', shape.objectType);
      case 'drop-other':
        throw objectRefusal('DROP', shape.objectType);
      case 'show-tables': {
        const store = await this.#activeStore(opts.bucket);
        return this.#attempt(opts, store, async ({ tables }) => ({
          query: queryResult(await showTables(tables, shape.all), tables, { startedAt, now: this.#clock }, this.#clock()),
        }));
      }
      case 'create-table': {
        const store = await this.#activeStoreForCreate(opts.bucket);
        return this.#retrying(() => this.#attempt(opts, store, async (a) => {
          await assertOneStatement(analysed, a.conn);
          const ddl = await createTableFromSql(this.#ddl(opts, a), statement, shape);
          return { ddl: { ...ddl, table: await this.#withEngineId(opts.bucket, store, ddl.table) } };
        }));
      }
      case 'alter-table': {
        const store = await this.#activeStore(opts.bucket);
        return this.#retrying(() => this.#attempt(opts, store, async (a) => {
          const ddl = await alterTable(this.#ddl(opts, a), shape);
          return { ddl: { ...ddl, table: await this.#withEngineId(opts.bucket, store, ddl.table) } };
        }));
      }
      case 'drop-table': {
        const store = await this.#activeStore(opts.bucket);
        return this.#attempt(opts, store, async (a) => {
          await assertOneStatement(analysed, a.conn);
          const ddl = await dropTable(this.#ddl(opts, a), shape);
          await this.pipelines.dropRule(opts.bucket, shape.table);
          return { ddl };
        });
      }
      case 'dml': {
        // The engine-state LIST runs beside the attempt's pin and connection; the statement runs
        // (and anything is written) only after it said ACTIVE.
        const { store, active } = await this.#storeChecking(opts.bucket);
        return this.#checked(active, () => this.#retrying(() => this.#attempt(opts, store, async (a) => {
          // The target's pin (its `_delta_log/` LIST) starts now; the write asks for it after the check.
          void a.tables.tryPin(shape.table).catch(() => undefined);
          await active;
          await assertOneStatement(analysed, a.conn);
          const ctx = { conn: a.conn, tables: a.tables, txOptions: this.#txFor(opts), tmpDir: this.#tmpDir, clock: this.#clock, htap: this.#htap, idempotencyKey: opts.idempotencyKey };
          return { write: await executeWrite(ctx, statement, shape) };
        }, (tables) => this.keyedWriteDb.connect(tables, statement, shape))));
      }
      case 'describe-table':
      case 'describe-query':
      case 'other': {
        const { store, active } = await this.#storeChecking(opts.bucket);
        // A point lookup by primary key: one DuckDB call on a pooled connection (point-lookup-read.ts),
        // or none (wip/lookup12). It runs beside the engine-state LIST; its answer leaves only after
        // that LIST said ACTIVE (a read has no effect to hold back).
        if (shape.kind === 'other' && opts.signal?.aborted !== true) {
          const lookup = await this.#checked(active, () => tryPointLookup(
            { catalog: this.#catalog, cache: this.#deps.cache, htap: this.#htap, clock: this.#clock, timeoutMs: this.#deps.config.K3_QUERY_TIMEOUT, timeoutError: () => this.#timeoutError(), ...this.#limits() },
            { bucket: opts.bucket, store, analysed, freshness: opts.freshness, params, startedAt, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) },
          ));
          if (lookup !== undefined) return { query: lookup };
        }
        await active;
        // DESCRIBE, PRAGMA (table_info, show) and EXPLAIN of a write need definitions only:
        // tables bind as empty tables carrying their constraints (a write can target them).
        const as = shape.kind === 'other' && !analysed.definitionOnly ? 'data' : 'definition';
        // Freshness switch: STRONG / OLTP_ONLY bind keyed tables over the write log (fresh-read.ts).
        return this.#attempt(opts, store, async (a) => this.#withFreshness(a, opts.freshness, async () => {
          const statements = await analysed.statementCount(a.conn);
          if (statements > 1 && !analysed.pivot) throw expansionRefusal(statements);
          // information_schema.tables / .columns list the bucket's tables (catalog-views.ts).
          const catalogSql = await bindCatalogViews(a.conn, a.tables, statement.sql, statement.tokens);
          // EVENTUAL SELECTs over one table: planned, fanned out over partitions or read from the pruned files.
          const federated = as === 'data' && statements === 1 && catalogSql === undefined
            ? await this.#federated.tryRead({ conn: a.conn, tables: a.tables, sql: statement.sql, tokens: statement.tokens, analysed, freshness: opts.freshness, startedAt, params, interrupts: a.interrupts, ...(opts.signal !== undefined ? { signal: opts.signal } : {}) })
            : undefined;
          if (federated !== undefined) return { query: federated };
          // A long integer IN list runs as one typed list (compact-read.ts); otherwise the text as written.
          const text = catalogSql ?? (as === 'data' && statements === 1 ? await compactedReadSql(a, analysed) : undefined) ?? statement.sql;
          const read = (conn: DuckDBConnection): Promise<ExecuteQueryResult> => executeRead(conn, a.tables, text, { startedAt, now: this.#clock }, { statements, as, ...this.#limits() });
          // STRONG over one keyed table: on the connection holding its materialized base when one is ready.
          const materialized = as === 'data' && statements === 1 && catalogSql === undefined ? await tryMaterializedRead(a, analysed, this.#htap, read) : undefined;
          if (materialized !== undefined) return { query: materialized };
          // The one table the analysis names is bound before DuckDB's first prepare: no failed
          // parse-and-bind round just to learn its name (RequestTables' binder loop still binds the rest).
          if (as === 'data' && statements === 1 && catalogSql === undefined) await prebindSoleTable(a, analysed);
          return { query: await read(a.conn) };
        }));
      }
    }
  }

  /**
   * Execute with its rows as a RowStream (row-stream.ts, docs/design/streaming.md): for reads,
   * batches straight from DuckDB's streaming result (domain values, or Execute's encoding via
   * `batches`), so memory stays bounded whatever the result size. Reads (SELECT, FROM-first, VALUES, table functions …) stream; they
   * run on THIS node over the planner's pruned files (a plan that would fan out is reported as
   * FEDERATED_TO_SINGLE with its reason). Everything else — writes, DDL, maintenance, SHOW,
   * DESCRIBE, PRAGMA, EXPLAIN, PIVOT expansions — is `execute`'s response as a stream (summary()
   * = that response; its rows, if any, already in Execute's encoding).
   */
  async executeStream(opts: ExecuteOptions): Promise<RowStream> {
    const startedAt = this.#clock();
    const params = toSqlParams(opts.params);
    const analysed = this.#analysed(opts, params.length);
    const { statement } = analysed;
    if (statement === undefined || statement.shape.kind !== 'other' || analysed.definitionOnly) return RowStream.fromResponse(await this.execute({ ...opts, analysed }));
    const store = await this.#activeStore(opts.bucket);
    if (opts.signal?.aborted === true) throw new AppError('ERR_QUERY_CANCELLED', 'The request was cancelled before it ran.');
    await this.#ensureTmpDir();
    const conn = await this.#deps.db.connect();
    const tables = new RequestTables(this.#catalog, this.#deps.cache, opts.bucket, store);
    tables.params = params;
    const binder = freshBinderFor(opts.freshness, this.#htap);
    tables.fresh = binder;
    let interrupted: AppError | undefined;
    let prepared: DuckDBPreparedStatement | undefined;
    const onAbort = (): void => {
      interrupted ??= new AppError('ERR_QUERY_CANCELLED', 'The statement was cancelled because the client went away.');
      conn.interrupt();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const armDeadline = (): (() => void) => {
      const timer = setTimeout(() => {
        interrupted ??= this.#timeoutError();
        conn.interrupt();
      }, this.#deps.config.K3_QUERY_TIMEOUT);
      return () => clearTimeout(timer);
    };
    let released: Promise<void> | undefined;
    const release = (): Promise<void> => {
      released ??= (async () => {
        opts.signal?.removeEventListener('abort', onAbort);
        tables.fresh = undefined;
        prepared?.destroySync();
        await binder?.release();
        tables.release();
        conn.closeSync();
      })();
      return released;
    };
    const disarm = armDeadline();
    try {
      const statements = await analysed.statementCount(conn);
      if (statements > 1) {
        await release();
        return RowStream.fromResponse(await this.execute({ ...opts, analysed }));
      }
      const planned = await this.#federated.planRead({ conn, tables, sql: statement.sql, tokens: statement.tokens, analysed, freshness: opts.freshness, startedAt, params });
      if (planned !== undefined) await tables.bindView(conn, { handle: planned.pinned.handle, snapshot: { ...planned.pinned.snapshot, files: planned.plan.files } });
      prepared = await tables.prepare(conn, planned?.sql ?? statement.sql);
      let result: DuckDBResult;
      try {
        assertReadable(prepared.statementType);
        assertParametersGiven(prepared, params);
        result = await prepared.stream();
      } catch (err) {
        throw mapDuckDBError(err);
      }
      const columns = result.columnNames().map((name, i) => ({ name, type: duckDBTypeText(result.columnType(i)) }));
      const { rows: _rows, rowCount: _count, ...summary } = markFresh(queryResult({ columns, rows: [] }, tables, { startedAt, now: this.#clock }, this.#clock()), binder);
      const header: RowStreamHeader = planned === undefined ? summary : {
        ...summary,
        strategy: planned.plan.finalSql === undefined ? planned.plan.strategy : QueryStrategy.FEDERATED_TO_SINGLE,
        strategyReason: planned.plan.finalSql === undefined ? planned.plan.strategyReason ?? '' : 'a streamed result is produced on one node, over the files left after pruning',
        partitionsPruned: planned.plan.partitions.pruned,
      };
      if (interrupted !== undefined) throw interrupted;
      return RowStream.fromResult(result, header, { armDeadline, interruption: () => interrupted, release });
    } catch (err) {
      await release();
      throw interrupted ?? err;
    } finally {
      disarm();
    }
  }

  /**
   * Parameter types and result columns of one statement, without executing it (describe-statement.ts).
   * Reads and DML are prepared by DuckDB over empty tables with their definitions; other
   * statements describe as `ddl` with no parameters and no columns.
   */
  async describeStatement(opts: { bucket: string; sql: string; analysed?: AnalysedStatement }): Promise<StatementDescription> {
    const ddl: StatementDescription = { kind: 'ddl', parameters: [], columns: [] };
    const analysed = this.#analysed(opts, undefined);
    const { statement } = analysed;
    if (statement === undefined) return ddl;
    if (!PARAMETER_SHAPES.has(statement.shape.kind) && statement.shape.kind !== 'describe-table') return ddl;
    const store = await this.#activeStore(opts.bucket);
    return this.#attempt({ bucket: opts.bucket, sql: statement.sql }, store, async (a) => {
      await assertOneStatement(analysed, a.conn);
      const prepared = await a.tables.prepare(a.conn, statement.sql, 'definition');
      try {
        if (statement.shape.kind !== 'dml') assertReadable(prepared.statementType);
        return describePrepared(prepared);
      } finally {
        prepared.destroySync();
      }
    });
  }

  /** The stored name, columns and merge keys of a table (typed data operations). */
  async typedTable(bucket: string, name: string): Promise<TypedTable> {
    const store = await this.#activeStore(bucket);
    const stored = await this.#catalog.resolveName(store, name);
    if (stored === undefined) throw await this.#catalog.notFound(store, bucket, name);
    const snapshot = await this.#catalog.snapshot(this.#catalog.handle(bucket, store, stored));
    const { columns, mergeKeys } = describeSnapshot(bucket, stored, snapshot);
    return { name: stored, columns, mergeKeys };
  }

  /** Typed Insert (typed/): rows by column name, omitted columns get their defaults; the Execute write result. */
  insertRows(req: InsertRowsRequest): Promise<ExecuteWriteResult> {
    return insertRows(this, req);
  }

  /** Typed Merge: update when the match columns (default: merge keys) match, insert when not. */
  mergeRows(req: MergeRowsRequest): Promise<ExecuteWriteResult> {
    return mergeRows(this, req);
  }

  /** Typed Update: column → value map where a structured predicate holds. */
  updateRows(req: UpdateRowsRequest): Promise<ExecuteWriteResult> {
    return updateRows(this, req);
  }

  /** Typed DeleteRows: the rows a structured predicate selects. */
  deleteRows(req: DeleteRowsRequest): Promise<ExecuteWriteResult> {
    return deleteRows(this, req);
  }

  /** Typed Query with its rows as a RowStream (bounded memory; see executeStream). */
  async queryRowsStream(req: QueryRowsRequest): Promise<RowStream> {
    return this.executeStream(await queryExecuteOptions(this, req));
  }

  /** Typed Query: columns, predicate, order, limit/offset, freshness, AS OF; the Execute query result. */
  queryRows(req: QueryRowsRequest): Promise<ExecuteQueryResult> {
    return queryRows(this, req);
  }

  async listTables(bucket: string): Promise<Table[]> {
    const store = await this.#activeStore(bucket);
    const names = await this.#catalog.tableNames(store);
    const tables = await Promise.all(names.map(async (name) => {
      const snapshot = await this.#catalog.trySnapshot(this.#catalog.handle(bucket, store, name));
      return snapshot === undefined ? undefined : withHtapFields(store, snapshot, describeSnapshot(bucket, name, snapshot), this.#clock());
    }));
    const engineId = (await this.#engines.get(store, bucket)).engineId;
    return tables.filter((t): t is Table => t !== undefined).map((t) => ({ ...t, engineId }));
  }

  async describeTable(bucket: string, name: string): Promise<Table> {
    const store = await this.#activeStore(bucket);
    const stored = await this.#catalog.resolveName(store, name);
    if (stored === undefined) throw await this.#catalog.notFound(store, bucket, name);
    const snapshot = await this.#catalog.snapshot(this.#catalog.handle(bucket, store, stored));
    return this.#withEngineId(bucket, store, await withHtapFields(store, snapshot, describeSnapshot(bucket, stored, snapshot), this.#clock()));
  }

  /** The Compact RPC: drains up to `batchSize` write-log records of the table into one Delta commit. */
  async compact(bucket: string, name: string, batchSize?: number): Promise<CompactResponse> {
    const store = await this.#activeStore(bucket);
    const stored = await this.#catalog.resolveName(store, name);
    if (stored === undefined) throw await this.#catalog.notFound(store, bucket, name);
    const { root } = this.#catalog.handle(bucket, store, stored);
    const result = await drainTable(store, root, { batchSize: batchSize ?? this.#deps.config.K3_COMPACTOR_BATCH_SIZE }, this.#htap.drainDeps);
    return toCompactResponse(stored, result);
  }

  /** CreateTable; with an idempotency key a retry of a create that landed answers the table (not ERR_TABLE_EXISTS). */
  async createTable(bucket: string, req: CreateTableRequest, opts: { principal?: string; idempotencyKey?: string } = {}): Promise<Table> {
    if (opts.idempotencyKey !== undefined) assertValidIdempotencyKey(opts.idempotencyKey);
    const spec = specFromRequest(req);
    const store = await this.#activeStoreForCreate(bucket);
    const result = await this.#attempt({ bucket, sql: '' }, store, (a) => createFromSpec(this.#ddl({ bucket, ...opts }, a), spec, { ifNotExists: false, orReplace: false }));
    if (result.table === undefined) throw new AppError('ERR_INTERNAL', `Table ${spec.name} was created but could not be described.`);
    return this.#withEngineId(bucket, store, result.table);
  }

  /** OPTIMIZE (bin-pack or Z-order); the OptimizeResponse (domain values). */
  async optimizeTable(bucket: string, name: string, req: OptimizeRequest): Promise<OptimizeResponse> {
    await this.#activeStore(bucket);
    return this.#maintenance.optimize(bucket, name, req);
  }

  /** VACUUM (dry run or real); the VacuumResponse (domain values). */
  async vacuumTable(bucket: string, name: string, req: Omit<VacuumRequest, 'now'>): Promise<VacuumResponse> {
    await this.#activeStore(bucket);
    return this.#maintenance.vacuum(bucket, name, req);
  }

  /** RESTORE to a version or timestamp (write log drained first); versionBefore / versionAfter and the table. */
  async restoreTable(bucket: string, name: string, req: RestoreRequest): Promise<RestoreResult> {
    await this.#activeStore(bucket);
    return this.#maintenance.restore(bucket, name, req);
  }

  /** A page of the commit log, newest first; the HistoryResponse (domain values). */
  async tableHistory(bucket: string, name: string, req: HistoryRequest): Promise<HistoryResponse> {
    await this.#activeStore(bucket);
    return this.#maintenance.history(bucket, name, req);
  }

  /** The Changes RPC: a page of the table's Change Data Feed (table-changes.ts). */
  async tableChanges(bucket: string, name: string, req: ChangesRequest): Promise<ChangesResponse> {
    return tableChanges(await this.#changesContext(bucket, name), req);
  }

  /** "What changed since": a version against the current one, keyed by primary key when there is one. */
  async tableDiff(bucket: string, name: string, req: DiffRequest): Promise<DiffResponse> {
    return tableDiff(await this.#changesContext(bucket, name), req);
  }

  async #changesContext(bucket: string, name: string): Promise<ChangesContext> {
    const store = await this.#catalog.store(bucket);
    const stored = await this.#catalog.resolveName(store, name);
    if (stored === undefined) throw await this.#catalog.notFound(store, bucket, name);
    const handle = this.#catalog.handle(bucket, store, stored);
    const current = await this.#catalog.snapshot(handle);
    return { execute: (sql) => this.execute({ bucket, sql }), tableName: stored, store, root: handle.root, current };
  }

  /** Resolves when the point lookups' background cache work (builds, successor prefetches) has finished (tests). */
  async lookupCacheSettled(): Promise<void> {
    await this.#htap.lookups.settled();
  }

  async close(): Promise<void> {
    await this.#htap.lookups.close();
    // Materializations being built close their connection themselves once retired: wait for them.
    this.#htap.materialized.close();
    await this.#htap.materialized.settled();
    await this.keyedWriteDb.close();
    return this.#federated.close();
  }

  /** The bucket's Engine (created ACTIVE on first use) with its table count (bucket-engine/). */
  async getEngine(bucket: string): Promise<EngineDescription> {
    const store = await this.#catalog.store(bucket);
    return this.#describeEngine(store, await this.#engines.get(store, bucket));
  }

  /** EnableEngine: table operations of the bucket work again. */
  async enableEngine(bucket: string): Promise<EngineDescription> {
    const store = await this.#catalog.store(bucket);
    return this.#describeEngine(store, await this.#engines.setStatus(store, bucket, EngineStatus.ACTIVE));
  }

  /** DisableEngine: every table operation of the bucket fails with ERR_ENGINE_DISABLED until enabled. */
  async disableEngine(bucket: string): Promise<EngineDescription> {
    const store = await this.#catalog.store(bucket);
    return this.#describeEngine(store, await this.#engines.setStatus(store, bucket, EngineStatus.DISABLED));
  }

  /** DropTable: deletes the table (its log first, then its files); the DDL result of DROP TABLE. */
  async dropTable(bucket: string, name: string): Promise<ExecuteDdlResult> {
    const store = await this.#activeStore(bucket);
    const ddl = await this.#attempt({ bucket, sql: '' }, store, (a) => dropTable(this.#ddl({ bucket }, a), { kind: 'drop-table', table: name, ifExists: false }));
    await this.pipelines.dropRule(bucket, name);
    return ddl;
  }

  async #describeEngine(store: ObjectStore, state: EngineState): Promise<EngineDescription> {
    return { ...state, tableCount: (await this.#catalog.tableNames(store)).length };
  }

  /** The bucket's store, once its Engine is known to be ACTIVE (ERR_ENGINE_DISABLED otherwise; nothing runs). */
  async #activeStore(bucket: string): Promise<ObjectStore> {
    const store = await this.#catalog.store(bucket);
    await this.#engines.assertActive(store, bucket);
    return store;
  }

  /**
   * wip/lookup12: the bucket's store with its engine-state check STARTED, not awaited (one LIST of
   * `__k3_engine/`, which otherwise ran before the statement's own store round trips). The caller
   * lets nothing leave — no answer, no write — before `active` resolved (#checked).
   */
  async #storeChecking(bucket: string): Promise<{ store: ObjectStore; active: Promise<void> }> {
    const store = await this.#catalog.store(bucket);
    const active = this.#engines.assertActive(store, bucket);
    active.catch(() => undefined); // observed by #checked
    return { store, active };
  }

  /** Runs `fn` beside the engine-state check `active`; its result or error counts only once the check passed (a disabled engine's error wins). */
  async #checked<T>(active: Promise<void>, fn: () => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      await active;
      throw err;
    }
    await active;
    return result;
  }

  async #activeStoreForCreate(bucket: string): Promise<ObjectStore> {
    const store = await this.#catalog.openForCreate(bucket);
    await this.#engines.assertActive(store, bucket);
    return store;
  }

  /** Tables as this engine answers them carry the bucket's engineId. */
  async #withEngineId<T extends Table | undefined>(bucket: string, store: ObjectStore, table: T): Promise<T> {
    if (table === undefined) return table;
    return { ...table, engineId: (await this.#engines.get(store, bucket)).engineId };
  }

  #ddl(opts: Pick<ExecuteOptions, 'bucket' | 'principal' | 'idempotencyKey'>, a: Attempt): DdlContext {
    return { conn: a.conn, catalog: this.#catalog, tables: a.tables, bucket: opts.bucket, store: a.store, txOptions: this.#txFor(opts), tmpDir: this.#tmpDir, clock: this.#clock, idempotencyKey: opts.idempotencyKey,
      drainDeps: async () => { await this.#ensureTmpDir(); return this.#htap.drainDeps; } };
  }

  /** The transaction options of one request: its commits carry the principal's name. */
  #txFor(opts: Pick<ExecuteOptions, 'principal'>): TransactionOptions {
    return opts.principal === undefined ? this.#txOptions : { ...this.#txOptions, userName: opts.principal };
  }

  /** A compactor loop over this engine's buckets and drain deps (embedded mode; K3_COMPACTOR_* settings). */
  compactor(opts: Pick<CompactorServiceOptions, 'lease' | 'holder' | 'onTick' | 'onError'>): CompactorService {
    return new CompactorService({ ...compactorSettings(this.#deps.config), stores: this.#deps.stores, deps: this.#htap.drainDeps, catalog: this.#catalog, ...opts });
  }

  /** Runs a read with the request's tables bound at `freshness`; names the merged strategy. */
  async #withFreshness(a: Attempt, freshness: Freshness | undefined, fn: () => Promise<{ query: ExecuteQueryResult }>): Promise<{ query: ExecuteQueryResult }> {
    const binder = freshBinderFor(freshness, this.#htap);
    if (binder === undefined) return fn();
    a.tables.fresh = binder;
    try {
      const { query } = await fn();
      return { query: markFresh(query, binder) };
    } finally {
      a.tables.fresh = undefined;
      await binder.release();
    }
  }

  /**
   * One attempt: a fresh connection and request-scoped tables, closed whatever happens. `connect`
   * picks the database before the statement runs (keyed-write-duckdb.ts); default the main one.
   */
  async #attempt<T>(opts: Pick<ExecuteOptions, 'bucket' | 'signal' | 'params'> & { sql: string }, store: ObjectStore, fn: (a: Attempt) => Promise<T>, connect?: (tables: RequestTables) => Promise<DuckDBConnection>): Promise<T> {
    if (opts.signal?.aborted === true) throw new AppError('ERR_QUERY_CANCELLED', 'The request was cancelled before it ran.');
    await this.#ensureTmpDir();
    const tables = new RequestTables(this.#catalog, this.#deps.cache, opts.bucket, store);
    tables.params = toSqlParams(opts.params);
    const raw = await (connect === undefined ? this.#deps.db.connect() : connect(tables));
    let timedOut = false;
    let aborted = false;
    // Past the deadline or after the client left, no new DuckDB call starts on the attempt's
    // connection (a fallback catch would otherwise run the statement again, uninterrupted).
    const conn = stoppableConnection(raw, () => (timedOut ? this.#timeoutError() : aborted ? new AppError('ERR_QUERY_CANCELLED', 'The statement was cancelled because the client went away.') : undefined));
    const interrupts = new Set<DuckDBConnection>();
    const interrupt = (): void => {
      raw.interrupt();
      for (const c of interrupts) c.interrupt();
    };
    const onAbort = (): void => {
      aborted = true;
      interrupt();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      interrupt();
    }, this.#deps.config.K3_QUERY_TIMEOUT);
    try {
      const result = await fn({ conn, tables, store, interrupts });
      // An interrupted read may end quietly with a partial result: never answer with it. (A write
      // that got this far has committed, so its result stands.)
      if ((timedOut || aborted) && typeof result === 'object' && result !== null && 'query' in result) {
        throw timedOut ? this.#timeoutError() : new AppError('ERR_QUERY_CANCELLED', 'The statement was cancelled because the client went away.');
      }
      return result;
    } catch (err) {
      if (timedOut) throw this.#timeoutError();
      throw err;
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      tables.release();
      raw.closeSync();
    }
  }

  #limits(): { limits?: ResultLimits } {
    const limits = resultLimits(this.#deps.config);
    return limits === undefined ? {} : { limits };
  }

  #timeoutError(): AppError {
    return new AppError('ERR_QUERY_TIMEOUT', `The statement ran longer than K3_QUERY_TIMEOUT (${this.#deps.config.K3_QUERY_TIMEOUT} ms) and was stopped; nothing was committed. Narrow it down or raise the limit.`);
  }

  /** Re-runs a statement that lost a commit race, on a fresh snapshot (the one conflict policy). */
  #retrying<T>(fn: () => Promise<T>): Promise<T> {
    return this.#conflictRetry.run(fn);
  }

  #ensureTmpDir(): Promise<unknown> {
    this.#tmpReady ??= mkdir(this.#tmpDir, { recursive: true });
    return this.#tmpReady;
  }
}

/** DuckDB's parse of the analysed statement must stay ONE statement (asked once per analysis). */
async function assertOneStatement(analysed: AnalysedStatement, conn: DuckDBConnection): Promise<void> {
  // wip/lookup12: a text with no `;` at all and no PIVOT / UNPIVOT is ONE statement to DuckDB too —
  // its parser splits a text only at `;`, and only PIVOT expands into several — so no
  // extractStatements round trip (every new keyed INSERT text paid one). A text that does not
  // parse still fails, in the statement's own DuckDB call.
  const sql = analysed.statement?.sql;
  if (sql !== undefined && !sql.includes(';') && !/pivot/i.test(sql)) return;
  const count = await analysed.statementCount(conn);
  if (count > 1) throw expansionRefusal(count);
}

/** Binds the sole bucket table of a one-table SELECT (no CTEs, unqualified) when the analysis has its AST. */
async function prebindSoleTable(a: Attempt, analysed: AnalysedStatement): Promise<void> {
  if (analysed.timeTravel || !isWord(analysed.statement?.tokens[0], 'SELECT', 'FROM')) return;
  const ast = await analysed.selectAst(a.conn);
  const name = ast === undefined ? undefined : soleBaseTable(ast);
  if (name === undefined) return;
  const pinned = await a.tables.tryPin(name);
  if (pinned !== undefined && !a.tables.scanned.has(pinned.handle.name)) await a.tables.bindView(a.conn, pinned);
}


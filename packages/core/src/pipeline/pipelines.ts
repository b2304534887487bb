/**
 * Pipelines: the API of pipeline-generated tables over one set of bucket stores —
 * CreateTablePipeline, GetIngestRule, UpdateIngestRule, ListIngestRuns, TriggerIngest — and the
 * per-rule scan the scanner service runs (docs/design/pipeline-tables.md). Handlers in the
 * coordinator only translate to and from the wire.
 */
import { TableSource, TableStatus, type Column, type Table } from '../api/index.ts';
import type { BucketStores } from '../catalog/catalog.ts';
import type { Config } from '../config/index.ts';
import type { RewriteDeps } from '../maintenance/maintenance-deps.ts';
import { specFromRequest } from '../catalog/table-spec.ts';
import { describeSnapshot } from '../catalog/describe-table.ts';
import { Transaction } from '../delta/transaction.ts';
import { AppError, isAppError } from '../errors/index.ts';
import { tableRoot, type ObjectStore } from '../object-store/index.ts';
import { ingestBatch, trySnapshot } from './ingest-batch.ts';
import { buildIngestRule, newPipelineId, type IngestRule, type IngestRuleInput } from './ingest-rule.ts';
import type { IngestRun } from './ingest-run.ts';
import { matcherOf, recordOutcome, scanRule, versionOf, type ScanDeps, type ScanOutcome } from './object-scanner.ts';
import { pipelineMetadata } from './pipeline-table.ts';
import { RuleStore } from './rule-store.ts';
import { assertValidTransform } from './transform-sql.ts';

export interface PipelinesDeps {
  readonly stores: BucketStores;
  readonly scan: ScanDeps;
  /** Throws ERR_ENGINE_DISABLED while the bucket's Engine is disabled (nothing is read or written then). */
  readonly assertActive?: (store: ObjectStore, bucket: string) => Promise<void>;
}

export interface CreateTablePipelineRequest {
  readonly bucket: string;
  readonly name: string;
  readonly rule: IngestRuleInput;
  /** Explicit columns in the CreateTable shape ([] = inferred from the first object). */
  readonly columns?: ReadonlyArray<Pick<Column, 'name' | 'type' | 'nullable' | 'defaultExpression'> & { duckdbType?: string }>;
}

export class Pipelines {
  readonly #deps: PipelinesDeps;

  constructor(deps: PipelinesDeps) {
    this.#deps = deps;
  }

  #root(table: string): string {
    return tableRoot(this.#deps.scan.tablesPrefix, table);
  }

  async #store(bucket: string, create = false): Promise<ObjectStore> {
    const { stores } = this.#deps;
    if (await stores.exists(bucket)) {
      const store = stores.open(bucket);
      await this.#deps.assertActive?.(store, bucket);
      return store;
    }
    if (create && stores.kind !== 's3' && stores.create !== undefined) {
      await stores.create(bucket);
      return stores.open(bucket);
    }
    throw new AppError('ERR_BUCKET_NOT_FOUND', `Bucket ${JSON.stringify(bucket)} does not exist.${stores.kind === 's3' ? ' Create the S3 bucket first.' : ''}`, { bucket });
  }

  async createTablePipeline(req: CreateTablePipelineRequest): Promise<{ table: Table; rule: IngestRule }> {
    const store = await this.#store(req.bucket, true);
    const now = this.#deps.scan.clock();
    const pipelineId = newPipelineId();
    const columns = req.columns === undefined || req.columns.length === 0 ? [] : specFromRequest({ name: req.name, columns: req.columns as Column[] }).columns;
    const rule = buildIngestRule({ ruleId: pipelineId, pipelineId, bucket: req.bucket, table: req.name, createdAt: now }, { ...req.rule, columns }, now);
    assertValidTransform(rule.transform);
    const root = this.#root(rule.table);
    if ((await trySnapshot(store, root)) !== undefined) throw exists(rule.table);
    // The metadata is built now so a bad schema / merge key / partition column fails before anything is written.
    const metadata = columns.length > 0 || rule.mergeKeys.length > 0 || rule.partitionColumns.length > 0 ? pipelineMetadata(rule, columns.length > 0 ? columns : placeholderColumns(rule), now) : undefined;
    const rules = new RuleStore(store);
    if (!(await rules.create(rule))) throw exists(rule.table);
    if (columns.length > 0 && metadata !== undefined) {
      try {
        await Transaction.forCreate(store, root, { metadata }, this.#deps.scan.transaction).commit({ operation: 'CREATE TABLE', operationParameters: { pipelineId } });
      } catch (err) {
        await rules.deleteAll(rule.table).catch(() => undefined);
        if (isAppError(err, 'ERR_TABLE_EXISTS')) throw exists(rule.table);
        throw err;
      }
    }
    return { table: await this.describe(req.bucket, rule), rule };
  }

  /** The table as DescribeTable shows it; before the first ingest of an inferred schema, without columns. */
  async describe(bucket: string, rule: IngestRule): Promise<Table> {
    const store = await this.#store(bucket);
    const snapshot = await trySnapshot(store, this.#root(rule.table));
    if (snapshot !== undefined) return describeSnapshot(bucket, rule.table, snapshot);
    return {
      tableId: '', bucket, name: rule.table, description: `Pipeline-generated table: ${rule.globs.join(', ')} (its schema materializes on the first ingest)`,
      columns: [], partitionColumns: [...rule.partitionColumns], mergeKeys: [...rule.mergeKeys], source: TableSource.PIPELINE_GENERATED, pipelineId: rule.pipelineId,
      deltaVersion: -1, rowCount: 0, sizeBytes: 0, status: TableStatus.ACTIVE, createdAt: rule.createdAt, updatedAt: rule.updatedAt,
    };
  }

  async getIngestRule(bucket: string, table: string): Promise<IngestRule> {
    return new RuleStore(await this.#store(bucket)).require(table);
  }

  async updateIngestRule(bucket: string, table: string, input: IngestRuleInput): Promise<IngestRule> {
    const rules = new RuleStore(await this.#store(bucket));
    const current = await rules.require(table);
    if (input.columns !== undefined || input.mergeKeys !== undefined || input.partitionColumns !== undefined) {
      throw new AppError('ERR_BAD_REQUEST', 'The schema, merge keys and partition columns of a pipeline table are fixed by its first ingest; change globs, format options, transform, onChange or enabled (or create a new pipeline table).', { table });
    }
    const next = buildIngestRule(current, input, this.#deps.scan.clock());
    assertValidTransform(next.transform);
    await rules.put(next);
    return next;
  }

  async listIngestRuns(bucket: string, table: string, limit: number, pageToken?: string): Promise<{ runs: IngestRun[]; nextPageToken: string }> {
    const rules = new RuleStore(await this.#store(bucket));
    await rules.require(table);
    return rules.listRuns(table, Math.min(Math.max(limit, 1), 10_000), pageToken);
  }

  /** One object through the rule now, whatever the scanner's cursor and failed marks say. */
  async triggerIngest(bucket: string, table: string, objectKey: string): Promise<IngestRun> {
    const store = await this.#store(bucket);
    const rules = new RuleStore(store);
    const rule = await rules.require(table);
    const meta = matcherOf(rule, this.#deps.scan.tablesPrefix)(objectKey) ? await store.head(objectKey) : undefined;
    if (meta === undefined) {
      throw new AppError('ERR_INGEST_OBJECT_NOT_FOUND', `Object ${JSON.stringify(objectKey)} is not in bucket ${bucket} or does not match the rule's globs (${rule.globs.join(', ')}).`, { key: objectKey });
    }
    const runs = await ingestBatch({ store, root: this.#root(table), rule }, [versionOf(meta)], this.#deps.scan, 'INGEST_TRIGGER_MANUAL');
    await recordOutcome(rules, table, runs, this.#deps.scan.clock());
    return runs[0]!;
  }

  /** One scan step of every enabled rule of a bucket (the scanner service's tick, or a test's). */
  async scanBucket(bucket: string, only?: (rule: IngestRule) => boolean): Promise<Array<{ rule: IngestRule; outcome?: ScanOutcome; error?: unknown }>> {
    const store = this.#deps.stores.open(bucket);
    const out: Array<{ rule: IngestRule; outcome?: ScanOutcome; error?: unknown }> = [];
    try {
      await this.#deps.assertActive?.(store, bucket);
    } catch (err) {
      if (isAppError(err, 'ERR_ENGINE_DISABLED')) return out; // a disabled Engine ingests nothing
      throw err;
    }
    for (const rule of await new RuleStore(store).list()) {
      if (!rule.enabled || (only !== undefined && !only(rule))) continue;
      try {
        out.push({ rule, outcome: await scanRule(store, this.#root(rule.table), rule, this.#deps.scan) });
      } catch (error) {
        out.push({ rule, error });
      }
    }
    return out;
  }

  /**
   * DropTable of a pipeline table also drops its rule and scanner state, after the table is gone.
   * Best effort: the DROP stands even if this fails; a rule left behind is visible (GetIngestRule)
   * and would re-create the table from its objects, so drop it again then.
   */
  async dropRule(bucket: string, table: string): Promise<void> {
    try {
      const rules = new RuleStore(this.#deps.stores.open(bucket));
      if ((await rules.get(table)) !== undefined) await rules.deleteAll(table);
    } catch {
      // The DROP already succeeded (see above).
    }
  }
}

function exists(table: string): AppError {
  return new AppError('ERR_PIPELINE_EXISTS', `Table ${table} already exists (or already has an ingest rule); choose another name or drop it first.`, { table });
}

/** Validation-only columns so merge keys / partition columns can be checked before the schema is known. */
function placeholderColumns(rule: IngestRule): Array<{ name: string; duckdbType: string; nullable: boolean; defaultExpression: string }> {
  return [...new Set([...rule.mergeKeys, ...rule.partitionColumns])].map((name) => ({ name, duckdbType: 'VARCHAR', nullable: true, defaultExpression: '' }));
}

/** Pipelines over `stores` with the compactor's rewrite deps and the K3_PIPELINE_* settings. */
export function createPipelines(stores: BucketStores, config: Pick<Config, 'K3_TABLES_PREFIX' | 'K3_PIPELINE_MAX_OBJECT_BYTES' | 'K3_PIPELINE_SCAN_PAGE' | 'K3_PIPELINE_BATCH_OBJECTS'>, rewrite: RewriteDeps, clock: () => number = Date.now, assertActive?: PipelinesDeps['assertActive']): Pipelines {
  return new Pipelines({
    stores,
    ...(assertActive !== undefined ? { assertActive } : {}),
    scan: { ...rewrite, clock, tablesPrefix: config.K3_TABLES_PREFIX, maxObjectBytes: config.K3_PIPELINE_MAX_OBJECT_BYTES, scanPage: config.K3_PIPELINE_SCAN_PAGE, batchObjects: config.K3_PIPELINE_BATCH_OBJECTS },
  });
}

/**
 * The pipeline-table RPCs (CreateTablePipeline, GetIngestRule, UpdateIngestRule, ListIngestRuns,
 * TriggerIngest) over the engine's Pipelines (@k3/core/pipeline): proto ↔ core translation only
 * (enum numbers ↔ the core's format / onChange names, epoch ms ↔ int64). Part of the one handler
 * layer (table-handlers.ts); docs/design/pipeline-tables.md.
 */
import type { MessageShape } from '@bufbuild/protobuf';
import { IngestFormatSchema, IngestOnChangeSchema, IngestRuleSchema, IngestRunSchema, TableSchema, type TableService } from '@k3/client';
import { columnTypeOfDuckDB } from '@k3/core/catalog';
import type { IngestFormat, IngestRule, IngestRuleInput, IngestRun, OnChange } from '@k3/core/pipeline';
import type { SqlEngine } from '../sql-engine.ts';
import { checkBucket, checkRange, enumName, required, unimplemented } from './request-checks.ts';
import { engineColumns, type TableHandlers } from './table-handlers.ts';
import { toProto } from './to-proto.ts';

type PipelineMethods = 'createTablePipeline' | 'getIngestRule' | 'updateIngestRule' | 'listIngestRuns' | 'triggerIngest';
type Input<K extends keyof typeof TableService.method> = MessageShape<(typeof TableService.method)[K]['input']>;

function formatOf(value: number): IngestFormat | undefined {
  if (value === 0) return undefined;
  return enumName(IngestFormatSchema, value, 'format').replace('INGEST_FORMAT_', '').toLowerCase() as IngestFormat;
}

function onChangeOf(value: number): OnChange | undefined {
  if (value === 0) return undefined;
  return enumName(IngestOnChangeSchema, value, 'onChange').replace('INGEST_ON_CHANGE_', '').toLowerCase() as OnChange;
}

export function ruleToProto(rule: IngestRule): MessageShape<typeof IngestRuleSchema> {
  return toProto(IngestRuleSchema, {
    ruleId: rule.ruleId, pipelineId: rule.pipelineId, bucket: rule.bucket, tableName: rule.table, globs: rule.globs,
    format: `INGEST_FORMAT_${rule.format.toUpperCase()}`, header: rule.header, delimiter: rule.delimiter, transform: rule.transform,
    onChange: `INGEST_ON_CHANGE_${rule.onChange.toUpperCase()}`, enabled: rule.enabled, createdAt: String(rule.createdAt), updatedAt: String(rule.updatedAt),
    mergeKeys: rule.mergeKeys, partitionColumns: rule.partitionColumns,
    columns: rule.columns.map((c) => ({ name: c.name, type: columnTypeOfDuckDB(c.duckdbType), nullable: c.nullable, defaultExpression: c.defaultExpression, duckdbType: c.duckdbType })),
  });
}

export function runToProto(run: IngestRun): MessageShape<typeof IngestRunSchema> {
  return toProto(IngestRunSchema, { ...run, rows: String(run.rows), deltaVersion: String(run.deltaVersion), startedAt: String(run.startedAt), finishedAt: String(run.finishedAt) });
}

function pipelinesOf(engine: SqlEngine, method: string): NonNullable<SqlEngine['pipelines']> {
  if (engine.pipelines === undefined) unimplemented(method);
  return engine.pipelines;
}

export function createPipelineHandlers(engine: SqlEngine): Pick<TableHandlers, PipelineMethods> {
  return {
    async createTablePipeline(req: Input<'createTablePipeline'>) {
      const bucket = checkBucket(req.bucket);
      const format = formatOf(req.format);
      const onChange = onChangeOf(req.onChange);
      const rule: IngestRuleInput = {
        globs: req.globs, mergeKeys: req.mergeKeys, partitionColumns: req.partitionColumns, transform: req.transform,
        ...(format !== undefined ? { format } : {}), ...(onChange !== undefined ? { onChange } : {}),
        ...(req.header !== undefined ? { header: req.header } : {}), ...(req.delimiter !== '' ? { delimiter: req.delimiter } : {}),
        ...(req.enabled !== undefined ? { enabled: req.enabled } : {}),
      };
      const out = await pipelinesOf(engine, 'CreateTablePipeline').createTablePipeline({ bucket, name: required(req.name, 'name'), rule, columns: engineColumns(req.columns) });
      return { $typeName: 'dodil.k3.tables.v1.CreateTablePipelineResponse', table: toProto(TableSchema, out.table), rule: ruleToProto(out.rule) };
    },
    async getIngestRule(req: Input<'getIngestRule'>) {
      return ruleToProto(await pipelinesOf(engine, 'GetIngestRule').getIngestRule(checkBucket(req.bucket), required(req.tableName, 'tableName')));
    },
    async updateIngestRule(req: Input<'updateIngestRule'>) {
      const format = req.format === undefined ? undefined : formatOf(req.format);
      const onChange = req.onChange === undefined ? undefined : onChangeOf(req.onChange);
      const input: IngestRuleInput = {
        ...(req.globs.length > 0 ? { globs: req.globs } : {}), ...(format !== undefined ? { format } : {}), ...(onChange !== undefined ? { onChange } : {}),
        ...(req.header !== undefined ? { header: req.header } : {}), ...(req.delimiter !== undefined ? { delimiter: req.delimiter } : {}),
        ...(req.transform !== undefined ? { transform: req.transform } : {}), ...(req.enabled !== undefined ? { enabled: req.enabled } : {}),
      };
      return ruleToProto(await pipelinesOf(engine, 'UpdateIngestRule').updateIngestRule(checkBucket(req.bucket), required(req.tableName, 'tableName'), input));
    },
    async listIngestRuns(req: Input<'listIngestRuns'>) {
      const limit = req.pageSize === undefined ? 100 : checkRange(BigInt(req.pageSize), 'pageSize', 1, 10_000);
      const page = await pipelinesOf(engine, 'ListIngestRuns').listIngestRuns(checkBucket(req.bucket), required(req.tableName, 'tableName'), limit, req.pageToken);
      return { $typeName: 'dodil.k3.tables.v1.ListIngestRunsResponse', runs: page.runs.map(runToProto), nextPageToken: page.nextPageToken };
    },
    async triggerIngest(req: Input<'triggerIngest'>) {
      return runToProto(await pipelinesOf(engine, 'TriggerIngest').triggerIngest(checkBucket(req.bucket), required(req.tableName, 'tableName'), required(req.objectKey, 'objectKey')));
    },
  };
}

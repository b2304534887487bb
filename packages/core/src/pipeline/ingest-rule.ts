/**
 * IngestRule: what a pipeline-generated table ingests (docs/design/pipeline-tables.md) — globs
 * over the bucket's keys, a format with its options, an optional explicit schema (otherwise the
 * first object's, fixed by the first ingest commit), optional merge keys (rows upsert by key), an
 * optional transform `SELECT … FROM source`, and what a changed object (new ETag) does.
 * Pure: validation only, no I/O.
 */
import { randomBytes } from 'node:crypto';
import type { ColumnSpec } from '../catalog/column-types.ts';
import { assertValidColumnName, assertValidTableName } from '../catalog/table-name.ts';
import { AppError } from '../errors/index.ts';
import { globLiteralPrefix } from './glob-match.ts';

export const INGEST_FORMATS = ['csv', 'tsv', 'ndjson', 'json', 'parquet'] as const;
export type IngestFormat = (typeof INGEST_FORMATS)[number];

/** `replace`: a new version of an object replaces the rows of its previous version; `append`: adds to them. */
export const ON_CHANGE = ['replace', 'append'] as const;
export type OnChange = (typeof ON_CHANGE)[number];

/** The metadata columns every pipeline table carries: the object key and ETag each row came from. */
export const SOURCE_KEY_COLUMN = '_k3_source_key';
export const SOURCE_ETAG_COLUMN = '_k3_source_etag';
export const SOURCE_COLUMNS: readonly string[] = [SOURCE_KEY_COLUMN, SOURCE_ETAG_COLUMN];

export interface IngestRule {
  readonly ruleId: string;
  readonly pipelineId: string;
  readonly bucket: string;
  readonly table: string;
  readonly globs: readonly string[];
  readonly format: IngestFormat;
  /** CSV/TSV: whether the first line names the columns (default true). */
  readonly header: boolean;
  /** CSV/TSV: one-character field delimiter (default `,`, TSV `\t`). */
  readonly delimiter: string;
  /** Explicit columns ([] = inferred from the first object). */
  readonly columns: readonly ColumnSpec[];
  readonly mergeKeys: readonly string[];
  readonly partitionColumns: readonly string[];
  /** `SELECT … FROM source` ('' = the object's columns as they are). */
  readonly transform: string;
  readonly onChange: OnChange;
  readonly enabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export type IngestRuleInput = Partial<Omit<IngestRule, 'ruleId' | 'pipelineId' | 'bucket' | 'table' | 'createdAt' | 'updatedAt'>>;

export function newPipelineId(): string {
  return `pl_${randomBytes(8).toString('hex')}`;
}

function bad(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError('ERR_BAD_REQUEST', message, details);
}

/** Applies `input` over `base` (or the defaults) and validates the result. */
export function buildIngestRule(base: Pick<IngestRule, 'ruleId' | 'pipelineId' | 'bucket' | 'table' | 'createdAt'> & Partial<IngestRule>, input: IngestRuleInput, now: number): IngestRule {
  assertValidTableName(base.table);
  const format = (input.format ?? base.format ?? '') as IngestFormat;
  if (!INGEST_FORMATS.includes(format)) throw bad(`Ingest format ${JSON.stringify(format)} is not supported; use one of ${INGEST_FORMATS.join(', ')}.`, { format });
  const globs = [...(input.globs ?? base.globs ?? [])];
  if (globs.length === 0) throw bad('An ingest rule needs at least one glob over the bucket\'s keys, e.g. "incoming/**/*.csv".');
  for (const g of globs) {
    if (typeof g !== 'string' || g === '' || g.startsWith('/') || g.length > 1024) throw bad(`Glob ${JSON.stringify(g)} is not valid: give a key pattern relative to the bucket, e.g. "incoming/**/*.csv".`, { glob: g });
    if (globLiteralPrefix(g).startsWith('__k3_') || globLiteralPrefix(g).startsWith('_k3_')) throw bad(`Glob ${JSON.stringify(g)} reaches k3's reserved keys; match your own objects only.`, { glob: g });
  }
  const delimiter = input.delimiter ?? (input.format !== undefined && input.format !== base.format ? undefined : base.delimiter) ?? (format === 'tsv' ? '\t' : ',');
  if (delimiter.length !== 1) throw bad(`The CSV delimiter must be one character (got ${JSON.stringify(delimiter)}).`, { delimiter });
  const onChange = input.onChange ?? base.onChange ?? 'replace';
  if (!ON_CHANGE.includes(onChange)) throw bad(`onChange must be "replace" or "append" (got ${JSON.stringify(onChange)}).`, { onChange });
  const columns = [...(input.columns ?? base.columns ?? [])];
  for (const c of columns) {
    assertValidColumnName(c.name);
    if (SOURCE_COLUMNS.includes(c.name.toLowerCase())) throw bad(`Column "${c.name}" is reserved: pipeline tables add it themselves (the object each row came from).`, { column: c.name });
  }
  const transform = (input.transform ?? base.transform ?? '').trim();
  return {
    ruleId: base.ruleId,
    pipelineId: base.pipelineId,
    bucket: base.bucket,
    table: base.table,
    globs,
    format,
    header: input.header ?? base.header ?? true,
    delimiter,
    columns,
    mergeKeys: [...(input.mergeKeys ?? base.mergeKeys ?? [])],
    partitionColumns: [...(input.partitionColumns ?? base.partitionColumns ?? [])],
    transform,
    onChange,
    enabled: input.enabled ?? base.enabled ?? true,
    createdAt: base.createdAt,
    updatedAt: now,
  };
}

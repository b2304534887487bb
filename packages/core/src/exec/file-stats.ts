/**
 * Delta per-file statistics of a written Parquet file, computed by one DuckDB aggregate over the
 * file itself (so they describe exactly the uploaded bytes).
 *
 * Shape (PROTOCOL.md "Per-file Statistics"): {"numRecords":N,"minValues":{…},"maxValues":{…},
 * "nullCount":{…}} for top-level columns. Like Spark: min/max only for numeric, decimal, date,
 * timestamp and string columns (not boolean, binary or nested); nullCount for every primitive
 * column. Strings are cut to 32 code points (min: the prefix; max: the prefix + U+10FFFF so it
 * stays an upper bound). Timestamps are ISO-8601 UTC truncated to milliseconds (`…T10:00:00.123Z`,
 * as delta-rs writes them; timestamp_ntz without the zone, `…T10:00:00.123`, as Spark does); readers widen max by 1 ms. NaN/±Infinity bounds are left out (JSON
 * cannot carry them). Numbers are emitted as DuckDB's exact decimal text, so BIGINT and DECIMAL
 * bounds keep every digit.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructField } from '../delta/schema.ts';
import { quoteIdentifier as q, quoteLiteral } from './sql-quote.ts';

export const STRING_PREFIX_LENGTH = 32;
const MAX_CODE_POINT = String.fromCodePoint(0x10ffff);
const NUMERIC = new Set(['long', 'integer', 'short', 'byte', 'float', 'double']);

type BoundKind = 'number' | 'string' | 'text';

function boundKind(field: StructField): BoundKind | undefined {
  const t = field.type;
  if (typeof t !== 'string') return undefined;
  if (NUMERIC.has(t) || t.startsWith('decimal')) return 'number';
  if (t === 'string') return 'string';
  if (t === 'date' || t === 'timestamp' || t === 'timestamp_ntz') return 'text';
  return undefined;
}

function boundSql(field: StructField, agg: 'min' | 'max'): string {
  const c = `${agg}(${q(field.name)})`;
  // ±infinity has no Delta stats form: the bound is left out (readers then assume none).
  if (field.type === 'timestamp') return `CASE WHEN isinf(${c}) THEN NULL ELSE strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ') END`;
  if (field.type === 'timestamp_ntz') return `CASE WHEN isinf(${c}) THEN NULL ELSE strftime(${c}, '%Y-%m-%dT%H:%M:%S.%g') END`;
  if (field.type === 'date') return `CASE WHEN isinf(${c}) THEN NULL ELSE strftime(${c}, '%Y-%m-%d') END`;
  return `CAST(${c} AS VARCHAR)`;
}

function truncate(value: string, agg: 'min' | 'max'): string {
  const points = Array.from(value);
  if (points.length <= STRING_PREFIX_LENGTH) return value;
  const prefix = points.slice(0, STRING_PREFIX_LENGTH).join('');
  return agg === 'min' ? prefix : prefix + MAX_CODE_POINT;
}

function jsonBound(kind: BoundKind, raw: string, agg: 'min' | 'max'): string | undefined {
  if (kind === 'number') return /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(raw) ? raw : undefined;
  return JSON.stringify(kind === 'string' ? truncate(raw, agg) : raw);
}

export interface CollectedStats {
  numRecords: number;
  json: string;
}

export async function collectFileStats(conn: DuckDBConnection, file: string, fields: readonly StructField[]): Promise<CollectedStats> {
  const primitive = fields.filter((f) => typeof f.type === 'string');
  const bounded = primitive.filter((f) => boundKind(f) !== undefined);
  const select = [
    'CAST(count(*) AS VARCHAR)',
    ...primitive.map((f) => `CAST(count(*) - count(${q(f.name)}) AS VARCHAR)`),
    ...bounded.flatMap((f) => [boundSql(f, 'min'), boundSql(f, 'max')]),
  ];
  const row = (await conn.runAndReadAll(`SELECT ${select.join(', ')} FROM read_parquet(${quoteLiteral(file)}, hive_partitioning = false)`)).getRows()[0] ?? [];
  const text = (i: number): string | null => (row[i] === null || row[i] === undefined ? null : String(row[i]));
  const numRecords = Number(text(0) ?? '0');
  const nullCount = primitive.map((f, i) => `${JSON.stringify(f.name)}:${text(1 + i) ?? '0'}`);
  const mins: string[] = [];
  const maxs: string[] = [];
  bounded.forEach((f, i) => {
    const kind = boundKind(f) ?? 'text';
    const base = 1 + primitive.length + 2 * i;
    const min = text(base);
    const max = text(base + 1);
    const minJson = min === null ? undefined : jsonBound(kind, min, 'min');
    const maxJson = max === null ? undefined : jsonBound(kind, max, 'max');
    if (minJson !== undefined) mins.push(`${JSON.stringify(f.name)}:${minJson}`);
    if (maxJson !== undefined) maxs.push(`${JSON.stringify(f.name)}:${maxJson}`);
  });
  const json = `{"numRecords":${numRecords},"minValues":{${mins.join(',')}},"maxValues":{${maxs.join(',')}},"nullCount":{${nullCount.join(',')}}}`;
  return { numRecords, json };
}

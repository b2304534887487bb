/**
 * One `read_parquet` over every file of a partitioned snapshot with DuckDB's hive partitioning,
 * used by `snapshotSelectSql` only when it provably reads the same values as the log's typed
 * constants (docs/design/hot-path.md, "Aggregates and fan-out").
 *
 * Why: DuckDB aggregates per partition (PARTITIONED_AGGREGATE, no hash table across files) only
 * when the GROUP BY keys are hive partition columns of ONE scan; the per-partition UNION ALL of
 * constants cannot get that plan. Measured on the contracts GROUP BY (4 partitions), the UNION ALL
 * ran ≈1.5× the hive scan over the same files.
 *
 * Invariant: partition values still come from the Delta log. The hive scan is used only when every
 * local path's `key=value` components are exactly the file's partition columns with the value's
 * canonical text (so what DuckDB parses from the path equals the log's value), the values are
 * plain text DuckDB parses verbatim (no `%`-escapes, no NULL spellings, no empty strings), the
 * column types are ones whose text form is exact (string, integers, date), and no file carries a
 * column named like a partition column. Anything else returns undefined: the caller's UNION ALL
 * of typed constants.
 */
import type { StructField } from '../delta/schema.ts';
import type { ActiveFile } from '../delta/snapshot.ts';
import type { PartitionValue } from '../delta/partition-values.ts';
import { deltaToDuckDBType, fieldToDuckDBType } from './duckdb-types.ts';
import { quoteIdentifier, quoteLiteral } from './sql-quote.ts';

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_TEXT = /^[A-Za-z0-9_.-]+$/;
const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/;
const DATE_TEXT = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const EXACT_TYPES = new Set(['string', 'byte', 'short', 'integer', 'long', 'date']);

export interface HiveReadInput {
  readonly fields: readonly StructField[];
  readonly partitionColumns: readonly string[];
  /** Each file with its local path. */
  readonly files: ReadonlyArray<{ readonly file: ActiveFile; readonly path: string }>;
  /** Lower-cased top-level columns of each local path. */
  readonly columnsByPath: ReadonlyMap<string, readonly string[]>;
  /** The projection of a non-partition column, given the lower-cased columns present in any file. */
  readonly dataProjection: (field: StructField, present: ReadonlySet<string>) => string;
}

/** The SELECT over one hive-partitioned scan, or undefined when the paths cannot be trusted to say what the log says. */
export function hivePartitionedSelect(input: HiveReadInput): string | undefined {
  const { fields, partitionColumns, files, columnsByPath } = input;
  if (partitionColumns.length === 0 || files.length === 0) return undefined;
  const byName = new Map(fields.map((f) => [f.name, f]));
  const partitionFields: StructField[] = [];
  for (const name of partitionColumns) {
    const field = byName.get(name);
    if (field === undefined || !PLAIN_NAME.test(name) || typeof field.type !== 'string' || !EXACT_TYPES.has(field.type)) return undefined;
    if (fieldToDuckDBType(field) !== deltaToDuckDBType(field.type)) return undefined;
    partitionFields.push(field);
  }
  const lowered = new Set(partitionColumns.map((c) => c.toLowerCase()));
  if (lowered.size !== partitionColumns.length) return undefined;
  const present = new Set<string>();
  for (const { file, path } of files) {
    const columns = columnsByPath.get(path);
    if (columns === undefined) return undefined;
    for (const c of columns) {
      if (lowered.has(c)) return undefined;
      present.add(c);
    }
    if (!pathSaysPartition(path, file, partitionFields)) return undefined;
  }
  const projections = fields.map((f) => {
    const expr = lowered.has(f.name.toLowerCase()) ? `CAST(${quoteIdentifier(f.name)} AS ${fieldToDuckDBType(f)})` : input.dataProjection(f, present);
    return `${expr} AS ${quoteIdentifier(f.name)}`;
  });
  const list = `[${[...new Set(files.map((f) => f.path))].map(quoteLiteral).join(', ')}]`;
  const types = `{${partitionFields.map((f) => `${quoteLiteral(f.name)}: ${deltaToDuckDBType(f.type)}`).join(', ')}}`;
  return `SELECT ${projections.join(', ')} FROM read_parquet(${list}, union_by_name = true, hive_partitioning = true, hive_types = ${types}, hive_types_autocast = false)`;
}

/** True when the path's `key=value` components are exactly the file's partition values, each once, as canonical text. */
function pathSaysPartition(path: string, file: ActiveFile, partitionFields: readonly StructField[]): boolean {
  if (path.includes('\\') || path.includes('?')) return false;
  const seen = new Map<string, string>();
  for (const component of path.split('/')) {
    const eq = component.indexOf('=');
    if (eq < 0) continue;
    const key = component.slice(0, eq);
    const value = component.slice(eq + 1);
    if (value.includes('=') || seen.has(key.toLowerCase())) return false;
    seen.set(key.toLowerCase(), value);
    const field = partitionFields.find((f) => f.name === key);
    if (field === undefined || value !== canonicalText(file.partitionValues[field.name], field)) return false;
  }
  return seen.size === partitionFields.length;
}

/** The text DuckDB parses back to exactly this value under `hive_types`, or undefined (never equal to a path component). */
function canonicalText(value: PartitionValue | undefined, field: StructField): string | undefined {
  switch (field.type) {
    case 'string':
      if (typeof value !== 'string' || !PLAIN_TEXT.test(value)) return undefined;
      return value.toUpperCase() === 'NULL' || value.startsWith('__HIVE_DEFAULT') ? undefined : value;
    case 'date':
      return typeof value === 'string' && DATE_TEXT.test(value) ? value : undefined;
    default: {
      const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'bigint' ? value.toString() : undefined;
      return text !== undefined && INTEGER_TEXT.test(text) ? text : undefined;
    }
  }
}

/**
 * Row rules checked before rows are acknowledged or written: `assertChecks` (Delta CHECK
 * constraints, `delta.constraints.*`) and `assertStorable` (values fit their Delta storage).
 *
 * assertChecks: a row fails a constraint when its expression is false (NULL passes, as in SQL);
 * the first failing constraint is reported with ERR_CONSTRAINT_CHECK naming it and its expression.
 * Callers run it on every write path before anything becomes visible: the data file writer
 * (direct writes, CTAS, ALTER rewrites, the drain) and keyed writes before the log append.
 *
 * assertStorable: rows about to be acknowledged fit the Delta storage of their columns (and of
 * the partition values: no ±infinity).
 *
 * A column restored from `k3.duckdbType` is stored as a wider or textual Delta type; the cast to
 * it can fail (HUGEINT/UHUGEINT beyond ±(10^38−1) into decimal(38,0), also inside LIST/STRUCT/MAP).
 * Direct writes fail that cast inside the data file writer before anything is committed; keyed
 * writes are acknowledged from the write log long before the drain writes Parquet, so they run
 * this check first: a value the table cannot store is refused at the statement, never later.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { EXACT_TEXT_TYPES } from './exact-text-types.ts';
import type { CheckConstraint } from '../delta/check-constraints.ts';
import type { StructField } from '../delta/schema.ts';
import { AppError } from '../errors/index.ts';
import { deltaToDuckDBWriteType, fieldToDuckDBType, storageOfDuckDBType } from './duckdb-types.ts';
import { K3_COLUMN_META } from '../delta/schema.ts';
import { quoteIdentifier as q } from './sql-quote.ts';

/** Restored columns whose storage cast can fail (it holds a decimal narrower than the type). */
function narrowingFields(fields: readonly StructField[]): StructField[] {
  return fields.filter((f) => {
    const restored = f.metadata?.[K3_COLUMN_META.duckdbType];
    return typeof restored === 'string' && /\b(U?HUGEINT)\b/i.test(restored);
  });
}

/**
 * Delta partition values cannot say ±infinity (a string per file; other engines parse it as a
 * date or timestamp): rows that would need one are refused before anything is written.
 */
export async function assertPartitionValues(conn: DuckDBConnection, rowsSql: string, fields: readonly StructField[]): Promise<void> {
  const dated = fields.filter((f) => f.type === 'date' || f.type === 'timestamp' || f.type === 'timestamp_ntz');
  if (dated.length === 0) return;
  const row = (await conn.runAndReadAll(`SELECT ${dated.map((f) => `count(*) FILTER (WHERE isinf(${q(f.name)}))`).join(', ')} FROM (${rowsSql})`)).getRows()[0] ?? [];
  const i = row.findIndex((n) => Number(n) > 0);
  const f = dated[i];
  if (f !== undefined) {
    throw new AppError('ERR_TYPE_MISMATCH', `Partition column "${f.name}" cannot hold 'infinity' or '-infinity' (${String(row[i])} row(s)): Delta partition values have no infinite dates or timestamps. Nothing was written. Use a finite value, or do not partition by this column.`, { column: f.name });
  }
}

/**
 * The write log records values as DuckDB's text and the drain casts them back: a value whose text
 * does not read back as itself (a TIMESTAMPTZ in the last millisecond of DuckDB's range prints
 * 1 ms later) would be acknowledged and then fail the drain, so it is refused up front.
 */
/** A boolean SQL expression over `fields` of one row: some value's text does not read back as itself (false for no fields). */
export function textRoundTripDiffers(fields: readonly StructField[], qualifier: string): string {
  // wip/bulk7: types whose text always reads back (exact-text-types.ts) cannot differ.
  const checked = fields.filter((f) => !EXACT_TEXT_TYPES.has(fieldToDuckDBType(f)));
  if (checked.length === 0) return 'false';
  return checked.map((f) => `(CAST(CAST(${qualifier}.${q(f.name)} AS VARCHAR) AS ${fieldToDuckDBType(f)}) IS DISTINCT FROM ${qualifier}.${q(f.name)})`).join(' OR ');
}

export async function assertTextRoundTrip(conn: DuckDBConnection, rowsSql: string, fields: readonly StructField[]): Promise<void> {
  if (fields.length === 0) return;
  const back = (f: StructField): string => `CAST(CAST(${q(f.name)} AS VARCHAR) AS ${fieldToDuckDBType(f)})`;
  let row: unknown[];
  try {
    row = (await conn.runAndReadAll(`SELECT ${fields.map((f) => `count(*) FILTER (WHERE ${back(f)} IS DISTINCT FROM ${q(f.name)})`).join(', ')} FROM (${rowsSql})`)).getRows()[0] ?? [];
  } catch (err) {
    const reason = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    throw new AppError('ERR_TYPE_MISMATCH', `A value cannot be recorded exactly in the write log: its text form does not read back (${reason}). Nothing was written. Use a value inside the type's range (e.g. not the last millisecond of TIMESTAMPTZ).`);
  }
  const i = row.findIndex((n) => Number(n) > 0);
  const f = fields[i];
  if (f !== undefined) {
    throw new AppError('ERR_TYPE_MISMATCH', `Column "${f.name}" (${fieldToDuckDBType(f)}): ${String(row[i])} value(s) cannot be recorded exactly in the write log (their text form reads back as a different value). Nothing was written. Use a value inside the type's range.`, { column: f.name });
  }
}

/** Whether assertStorable with `roundTripChecked` would query the rows at all (dated partition columns, narrowing storage casts; wip/ingest11). */
export function storableQueries(fields: readonly StructField[], partitionColumns: readonly string[]): boolean {
  return narrowingFields(fields).length > 0 || fields.some((f) => partitionColumns.includes(f.name) && (f.type === 'date' || f.type === 'timestamp' || f.type === 'timestamp_ntz'));
}

/** `roundTripChecked`: the caller already found every value's text reads back (textRoundTripDiffers): skip that query. */
export async function assertStorable(conn: DuckDBConnection, rowsSql: string, fields: readonly StructField[], partitionColumns: readonly string[] = [], roundTripChecked = false): Promise<void> {
  await assertPartitionValues(conn, rowsSql, fields.filter((f) => partitionColumns.includes(f.name)));
  if (!roundTripChecked) await assertTextRoundTrip(conn, rowsSql, fields);
  for (const f of narrowingFields(fields)) {
    const wt = deltaToDuckDBWriteType(f.type);
    try {
      // An aggregate over the cast forces every value through it.
      await conn.run(`SELECT count(CAST(${q(f.name)} AS ${wt})) FROM (${rowsSql})`);
    } catch (err) {
      const restored = String(f.metadata[K3_COLUMN_META.duckdbType]);
      const reason = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
      throw new AppError('ERR_TYPE_MISMATCH', `Column "${f.name}" (${restored}) is stored in Delta as ${JSON.stringify(storageOfDuckDBType(restored).type)}, which holds integers up to 38 digits (±(10^38−1)); the value does not fit (${reason}). Nothing was written. Use DECIMAL(38,0) for 38-digit values or VARCHAR for wider ones.`, { column: f.name, duckdbType: restored });
    }
  }
}

/** Throws ERR_CONSTRAINT_CHECK naming the first constraint some row of `rowsSql` violates. */
export async function assertChecks(conn: DuckDBConnection, rowsSql: string, checks: readonly CheckConstraint[]): Promise<void> {
  if (checks.length === 0) return;
  const counts = checks.map((c) => `count(*) FILTER (WHERE NOT COALESCE((${c.expression}), true))`);
  let row: unknown[];
  try {
    row = (await conn.runAndReadAll(`SELECT ${counts.join(', ')} FROM (${rowsSql}) AS __k3_rows`)).getRows()[0] ?? [];
  } catch (err) {
    const reason = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    throw new AppError('ERR_DELTA_UNSUPPORTED_FEATURE', `The table's CHECK constraints (${checks.map((c) => `${c.name}: ${c.expression}`).join('; ')}) cannot be evaluated by k3 (${reason}); the table is read-only for k3.`, { feature: 'checkConstraints' });
  }
  const i = row.findIndex((n) => Number(n) > 0);
  const failed = checks[i];
  if (failed !== undefined) {
    throw new AppError('ERR_CONSTRAINT_CHECK', `CHECK constraint "${failed.name}" ${failed.expression} is violated by ${String(row[i])} row(s); nothing was written. Change the values so that the expression holds (or is NULL).`, { constraint: failed.name, expression: failed.expression });
  }
}

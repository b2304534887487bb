/**
 * Fits one object's rows (the TEMP table `raw`, after the transform) to the table schema: every
 * object column must be a table column (else a schema mismatch), absent columns read NULL, every
 * value is CAST to the column's DuckDB type (a value that does not fit fails the object), NOT NULL
 * columns must have values, and the two source columns are filled in. The result is the TEMP
 * table `typed`, columns in table order. Errors are ERR_INGEST_OBJECT_INVALID for this object only.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StructType } from '../delta/schema.ts';
import { fieldToDuckDBType } from '../exec/duckdb-types.ts';
import { quoteIdentifier as q, quoteLiteral } from '../exec/sql-quote.ts';
import { introspectTempTable } from '../sql/table-introspection.ts';
import { SOURCE_COLUMNS, SOURCE_ETAG_COLUMN, SOURCE_KEY_COLUMN } from './ingest-rule.ts';
import { invalidObject, type ObjectVersion } from './read-object.ts';

export async function castObject(conn: DuckDBConnection, raw: string, typed: string, schema: StructType, obj: ObjectVersion): Promise<number> {
  const t = await introspectTempTable(conn, raw);
  const objectColumns = (t?.columns ?? []).map((c) => c.name);
  const tableColumns = schema.fields.map((f) => f.name).filter((n) => !SOURCE_COLUMNS.includes(n));
  const byLower = new Map(objectColumns.map((c) => [c.toLowerCase(), c]));
  const extra = objectColumns.filter((c) => !tableColumns.some((n) => n.toLowerCase() === c.toLowerCase()));
  if (extra.length > 0) {
    throw invalidObject(obj, `schema mismatch: column(s) ${extra.join(', ')} are not in the table (columns: ${tableColumns.join(', ')}).`);
  }
  const select = schema.fields.map((f) => {
    if (f.name === SOURCE_KEY_COLUMN) return `${quoteLiteral(obj.key)} AS ${q(f.name)}`;
    if (f.name === SOURCE_ETAG_COLUMN) return `${quoteLiteral(obj.etag)} AS ${q(f.name)}`;
    const from = byLower.get(f.name.toLowerCase());
    const type = fieldToDuckDBType(f);
    return from === undefined ? `CAST(NULL AS ${type}) AS ${q(f.name)}` : `CAST(r.${q(from)} AS ${type}) AS ${q(f.name)}`;
  });
  try {
    await conn.run(`CREATE OR REPLACE TEMP TABLE ${q(typed)} AS SELECT ${select.join(', ')} FROM ${q(raw)} AS r`);
  } catch (err) {
    throw invalidObject(obj, `a value does not fit its column type (${err instanceof Error ? err.message.split('\n')[0] : String(err)}).`, err);
  }
  const required = schema.fields.filter((f) => !f.nullable);
  const counts = (await conn.runAndReadAll(`SELECT count(*)${required.map((f) => `, count(*) FILTER (WHERE ${q(f.name)} IS NULL)`).join('')} FROM ${q(typed)}`)).getRows()[0] ?? [];
  const missing = required.find((_, i) => Number(counts[i + 1]) > 0);
  if (missing !== undefined) throw invalidObject(obj, `column "${missing.name}" is NOT NULL (a merge key or a required column) but some rows have no value for it.`);
  return Number(counts[0] ?? 0);
}

/**
 * DuckDB values → domain values, for APIs that hand rows to wire adapters without choosing a wire
 * format (streamed results, sql/row-stream.ts). Lossless where JS allows; the column's DuckDB
 * type text travels beside the values so an adapter knows what a bigint or a string means.
 *
 *   BOOLEAN → boolean          TINYINT…INTEGER, UTINYINT…UINTEGER, FLOAT, DOUBLE → number (NaN, ±Infinity, -0 kept)
 *   BIGINT, UBIGINT, HUGEINT, UHUGEINT, BIGNUM → bigint        DECIMAL → string (exact decimal text)
 *   VARCHAR, ENUM, UUID, BIT, JSON → string (JSON as its text, never parsed)
 *   BLOB, GEOMETRY → Uint8Array
 *   DATE → Date (UTC midnight; ±infinity and dates beyond a JS Date's range → DuckDB's text)
 *   TIMESTAMP, TIMESTAMP_S/_MS, TIMESTAMPTZ → bigint microseconds since the epoch (UTC; the
 *     seeds' definition of a timestamp; a JS Date would drop the µs); TIMESTAMP_NS → bigint
 *     nanoseconds (its type text says so), so no digit is lost
 *   TIME, TIME_NS, TIMETZ, INTERVAL → DuckDB's text
 *   LIST / ARRAY → arrays, STRUCT → objects, MAP → [{ key, value }], UNION → { tag, value }; NULL → null
 */
import {
  arrayFromArrayValue, arrayFromListValue, createDuckDBValueConverter, DuckDBDateValue, DuckDBTypeId, fromVariantValue,
  objectArrayFromMapValue, objectFromStructValue, objectFromUnionValue, type DuckDBValue, type DuckDBValueConverter,
} from '@duckdb/node-api';

const MS_PER_DAY = 86_400_000;

const text = (v: DuckDBValue): string => String(v);
const number = (v: DuckDBValue): number => Number(v);
const bigint = (v: DuckDBValue): bigint => (typeof v === 'bigint' ? v : BigInt(String(v)));
const bytes = (v: DuckDBValue): Uint8Array => new Uint8Array((v as { bytes: Uint8Array }).bytes);
/** The count of a timestamp value (in `field`) times `unit` (µs per step; TIMESTAMP_NS keeps its ns). */
const micros = (field: 'micros' | 'seconds' | 'millis' | 'nanos', unit: bigint) => (v: DuckDBValue): bigint =>
  (v as unknown as Record<string, bigint>)[field]! * unit;

function date(v: DuckDBValue): Date | string {
  const days = (v as DuckDBDateValue).days;
  if (days === DuckDBDateValue.PosInf.days) return 'infinity';
  if (days === DuckDBDateValue.NegInf.days) return '-infinity';
  const d = new Date(days * MS_PER_DAY);
  return Number.isNaN(d.getTime()) ? String(v) : d;
}

const DOMAIN: Partial<Record<DuckDBTypeId, (v: DuckDBValue, t: never, c: DuckDBValueConverter<unknown>) => unknown>> = {
  [DuckDBTypeId.BOOLEAN]: (v) => Boolean(v),
  [DuckDBTypeId.TINYINT]: number, [DuckDBTypeId.SMALLINT]: number, [DuckDBTypeId.INTEGER]: number,
  [DuckDBTypeId.UTINYINT]: number, [DuckDBTypeId.USMALLINT]: number, [DuckDBTypeId.UINTEGER]: number,
  [DuckDBTypeId.FLOAT]: number, [DuckDBTypeId.DOUBLE]: number,
  [DuckDBTypeId.BIGINT]: bigint, [DuckDBTypeId.UBIGINT]: bigint, [DuckDBTypeId.HUGEINT]: bigint,
  [DuckDBTypeId.UHUGEINT]: bigint, [DuckDBTypeId.BIGNUM]: bigint, [DuckDBTypeId.DECIMAL]: text,
  [DuckDBTypeId.VARCHAR]: text, [DuckDBTypeId.ENUM]: text, [DuckDBTypeId.UUID]: text, [DuckDBTypeId.BIT]: text,
  [DuckDBTypeId.BLOB]: bytes, [DuckDBTypeId.GEOMETRY]: bytes,
  [DuckDBTypeId.DATE]: date,
  [DuckDBTypeId.TIMESTAMP]: micros('micros', 1n), [DuckDBTypeId.TIMESTAMP_TZ]: micros('micros', 1n),
  [DuckDBTypeId.TIMESTAMP_S]: micros('seconds', 1_000_000n), [DuckDBTypeId.TIMESTAMP_MS]: micros('millis', 1000n),
  [DuckDBTypeId.TIMESTAMP_NS]: micros('nanos', 1n),
  [DuckDBTypeId.TIME]: text, [DuckDBTypeId.TIME_NS]: text, [DuckDBTypeId.TIME_TZ]: text, [DuckDBTypeId.INTERVAL]: text,
  [DuckDBTypeId.LIST]: arrayFromListValue, [DuckDBTypeId.ARRAY]: arrayFromArrayValue,
  [DuckDBTypeId.STRUCT]: objectFromStructValue, [DuckDBTypeId.MAP]: objectArrayFromMapValue,
  [DuckDBTypeId.UNION]: objectFromUnionValue, [DuckDBTypeId.VARIANT]: fromVariantValue,
  [DuckDBTypeId.SQLNULL]: () => null,
};

export const domainValueConverter: DuckDBValueConverter<unknown> = createDuckDBValueConverter(
  DOMAIN as Parameters<typeof createDuckDBValueConverter<unknown>>[0],
);

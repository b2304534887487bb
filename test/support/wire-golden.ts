/**
 * The GOLDEN reference of the contract's lossless row encoding, as a DuckDB value converter: test
 * only. Core returns domain values (packages/core/src/exec/domain-values.ts) and the adapters encode
 * them with `@k3/client/sdk` `encodeRows`; test/contract/row-encoding.test.ts proves that encoding
 * equal to this one, value by value, on real DuckDB results. Rules, one per type family:
 * - 64-bit and wider integers (BIGINT, UBIGINT, HUGEINT, UHUGEINT, BIGNUM) and DECIMAL → JSON
 *   strings of their exact decimal text (pbjson's int64 convention; JS numbers stop at 2^53).
 * - Narrower integers → numbers. DOUBLE → number; FLOAT → the shortest number that reads back as
 *   the same float32 (0.1, not 0.10000000149011612). NaN/±Infinity/-0 → "NaN", "Infinity",
 *   "-Infinity", "-0" (JSON numbers cannot carry them).
 * - VARCHAR, ENUM, UUID → strings. JSON → its JSON *text* as a string, never parsed: 64-bit
 *   numbers inside a JSON document keep their digits.
 * - BLOB, GEOMETRY → base64. BIT → "0101…".
 * - DATE → "YYYY-MM-DD"; TIMESTAMP (and _S/_MS/_NS) → "YYYY-MM-DD HH:MM:SS[.ffffff]" (DuckDB's own
 *   text: UTC wall clock, trailing fraction zeros dropped); TIMESTAMPTZ → ISO-8601
 *   "YYYY-MM-DDTHH:MM:SS[.ffffff]Z"; TIME/TIMETZ and INTERVAL → DuckDB's text (castable back).
 *   Infinite dates and timestamps → "infinity" / "-infinity". BC years → DuckDB's " (BC)" suffix
 *   (TIMESTAMPTZ: ISO astronomical year, "-0043-…").
 * - LIST/ARRAY → arrays, STRUCT → objects, MAP → [{ key, value }], UNION → { tag, value },
 *   recursively with these same rules. SQL NULL → null.
 */
import {
  arrayFromArrayValue, arrayFromListValue, createDuckDBValueConverter, DuckDBDateValue,
  DuckDBTimestampValue, DuckDBTypeId, fromVariantValue, objectArrayFromMapValue, objectFromStructValue, objectFromUnionValue,
  type DuckDBValue, type DuckDBValueConverter,
} from '@duckdb/node-api';

type Encoded = unknown;

const text = (v: DuckDBValue): string => String(v);

/** JSON cannot carry NaN, ±Infinity or the sign of -0 as numbers: those become strings. */
function nonJsonNumber(n: number): string | undefined {
  if (!Number.isFinite(n)) return String(n);
  return Object.is(n, -0) ? '-0' : undefined;
}

function number(v: DuckDBValue): number | string {
  const n = Number(v);
  return nonJsonNumber(n) ?? n;
}

/** Shortest decimal that rounds to the same float32, so FLOAT 0.1 encodes as 0.1. */
function float32(v: DuckDBValue): number | string {
  const n = Number(v);
  const special = nonJsonNumber(n);
  if (special !== undefined) return special;
  for (let digits = 1; digits < 17; digits++) {
    const candidate = Number(n.toPrecision(digits));
    if (Math.fround(candidate) === n) return candidate;
  }
  return n;
}

function base64(v: DuckDBValue): string {
  const bytes = (v as { bytes: Uint8Array }).bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function date(v: DuckDBValue): string {
  const days = (v as DuckDBDateValue).days;
  if (days === DuckDBDateValue.PosInf.days) return 'infinity';
  if (days === DuckDBDateValue.NegInf.days) return '-infinity';
  return String(v);
}

/** TIMESTAMP_S / _MS / _NS: node-api prints ±infinity as a far date; DuckDB says "infinity". */
function timestampUnit(v: DuckDBValue): string {
  const raw = Object.values(v as object).find((x): x is bigint => typeof x === 'bigint');
  if (raw === INT64_MAX) return 'infinity';
  if (raw === -INT64_MAX) return '-infinity';
  return String(v);
}

const INT64_MAX = 9223372036854775807n;

function timestampTz(v: DuckDBValue): string {
  const plain = new DuckDBTimestampValue((v as { micros: bigint }).micros).toString();
  if (plain === 'infinity' || plain === '-infinity') return plain;
  // DuckDB text: "YYYY-MM-DD HH:MM:SS[.f]" or, before year 1, "YYYY-MM-DD (BC) HH:MM:SS[.f]".
  const m = /^(\d+)(-\d\d-\d\d)( \(BC\))? (.*)$/.exec(plain);
  if (m === null) return plain;
  const [, year = '', monthDay = '', bc, time = ''] = m;
  if (bc === undefined) return `${year}${monthDay}T${time}Z`;
  // ISO-8601 has a year 0: 1 BC is 0000, 44 BC is -0043.
  const iso = Number(year) - 1;
  return `${iso === 0 ? '0000' : `-${String(iso).padStart(4, '0')}`}${monthDay}T${time}Z`;
}

const ENCODERS: Partial<Record<DuckDBTypeId, (v: DuckDBValue, t: never, c: DuckDBValueConverter<Encoded>) => Encoded>> = {
  [DuckDBTypeId.BOOLEAN]: (v) => Boolean(v),
  [DuckDBTypeId.TINYINT]: number, [DuckDBTypeId.SMALLINT]: number, [DuckDBTypeId.INTEGER]: number,
  [DuckDBTypeId.UTINYINT]: number, [DuckDBTypeId.USMALLINT]: number, [DuckDBTypeId.UINTEGER]: number,
  [DuckDBTypeId.BIGINT]: text, [DuckDBTypeId.UBIGINT]: text, [DuckDBTypeId.HUGEINT]: text,
  [DuckDBTypeId.UHUGEINT]: text, [DuckDBTypeId.BIGNUM]: text, [DuckDBTypeId.DECIMAL]: text,
  [DuckDBTypeId.FLOAT]: float32, [DuckDBTypeId.DOUBLE]: number,
  [DuckDBTypeId.VARCHAR]: text, [DuckDBTypeId.ENUM]: text, [DuckDBTypeId.UUID]: text, [DuckDBTypeId.BIT]: text,
  [DuckDBTypeId.BLOB]: base64, [DuckDBTypeId.GEOMETRY]: base64,
  [DuckDBTypeId.DATE]: date,
  [DuckDBTypeId.TIMESTAMP]: text, [DuckDBTypeId.TIMESTAMP_S]: timestampUnit, [DuckDBTypeId.TIMESTAMP_MS]: timestampUnit,
  [DuckDBTypeId.TIMESTAMP_NS]: timestampUnit, [DuckDBTypeId.TIMESTAMP_TZ]: timestampTz,
  [DuckDBTypeId.TIME]: text, [DuckDBTypeId.TIME_NS]: text, [DuckDBTypeId.TIME_TZ]: text, [DuckDBTypeId.INTERVAL]: text,
  [DuckDBTypeId.LIST]: arrayFromListValue, [DuckDBTypeId.ARRAY]: arrayFromArrayValue,
  [DuckDBTypeId.STRUCT]: objectFromStructValue, [DuckDBTypeId.MAP]: objectArrayFromMapValue,
  [DuckDBTypeId.UNION]: objectFromUnionValue, [DuckDBTypeId.VARIANT]: fromVariantValue,
  [DuckDBTypeId.SQLNULL]: () => null,
};

/** DuckDB values → the contract's lossless JSON row values (the golden reference). */
export const wireValueConverter: DuckDBValueConverter<Encoded> = createDuckDBValueConverter(
  ENCODERS as Parameters<typeof createDuckDBValueConverter<Encoded>>[0],
);

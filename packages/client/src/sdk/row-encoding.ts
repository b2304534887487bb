/**
 * Result row values as the engine hands them (domain values: core exec/domain-values.ts) → the
 * contract's lossless JSON row encoding (docs/api.md "Values"; what pbjson, NDJSON and Arrow's
 * text columns carry), by the column's DuckDB type text. The inverse of `decoderFor` (values.ts).
 * Server-side adapters use it; it is here, in the browser-safe contract package, so every wire
 * (the coordinator's pbjson/protobuf encoder, the Postgres wire) encodes rows the same way.
 *
 *   BIGINT, UBIGINT, HUGEINT, UHUGEINT, BIGNUM (bigint) → decimal text; DECIMAL (exact text) → as is
 *   TINYINT…UINTEGER, DOUBLE → number; FLOAT → the shortest number that reads back as the same
 *     float32; NaN / ±Infinity / -0 → "NaN", "Infinity", "-Infinity", "-0"
 *   BLOB, GEOMETRY (Uint8Array) → base64
 *   DATE (Date at UTC midnight, or DuckDB's text) → "YYYY-MM-DD" (" (BC)" suffix)
 *   TIMESTAMP, _S, _MS (bigint µs), TIMESTAMP_NS (bigint ns) → DuckDB's text, "infinity"
 *   TIMESTAMPTZ (bigint µs) → ISO-8601 "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" (astronomical BC years)
 *   LIST / ARRAY, STRUCT, MAP ([{key, value}]), UNION ({tag, value}) → recursively; null → null
 *   anything else (VARCHAR, UUID, JSON text, TIME, INTERVAL …) → as is
 * The date/time text follows @duckdb/node-api's formatting (dateTimeStringConversion, MIT), which
 * prints DuckDB's own text.
 */
import { splitTopLevel, structField } from './values.ts';

export type RowValueEncoder = (value: unknown) => unknown;

const INT64_MAX = 9223372036854775807n;
const MICROS_PER_DAY = 86_400_000_000n;
const NANOS_PER_DAY = 86_400_000_000_000n;
const MS_PER_DAY = 86_400_000;
const DAYS_IN_400_YEARS = 146_097;

/** JSON cannot carry NaN, ±Infinity or the sign of -0 as numbers: those become strings. */
function jsonNumber(n: number): number | string {
  if (!Number.isFinite(n)) return String(n);
  return Object.is(n, -0) ? '-0' : n;
}

/** Shortest decimal that rounds to the same float32, so FLOAT 0.1 encodes as 0.1. */
function float32(v: unknown): unknown {
  if (typeof v !== 'number') return v;
  const special = jsonNumber(v);
  if (typeof special === 'string') return special;
  if (Math.fround(v) !== v) return v; // not a float32: already its shortest decimal (idempotence)
  for (let digits = 1; digits < 17; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === v) return candidate;
  }
  return v;
}

function base64(v: unknown): unknown {
  if (!(v instanceof Uint8Array)) return v;
  let bin = '';
  for (let i = 0; i < v.length; i += 0x8000) bin += String.fromCharCode(...v.subarray(i, i + 0x8000));
  return btoa(bin);
}

function dateText(days: number): string {
  const sign = days < 0 ? -1 : 1;
  const abs = Math.abs(days);
  const d = new Date(sign * (abs % DAYS_IN_400_YEARS) * MS_PER_DAY);
  let year = sign * Math.floor(abs / DAYS_IN_400_YEARS) * 400 + d.getUTCFullYear();
  if (year < 0) year--; // no year zero
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${String(Math.abs(year)).padStart(4, '0')}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}${year < 0 ? ' (BC)' : ''}`;
}

/** Time of day from its sub-day count (`perSecond` 10^6 or 10^9), trailing fraction zeros dropped. */
function timeText(inDay: bigint, perSecond: bigint, digits: number): string {
  const fraction = String(inDay % perSecond).padStart(digits, '0').replace(/0+$/, '');
  const seconds = inDay / perSecond;
  const p2 = (n: bigint): string => String(n).padStart(2, '0');
  return `${p2(seconds / 3600n)}:${p2((seconds / 60n) % 60n)}:${p2(seconds % 60n)}${fraction === '' ? '' : `.${fraction}`}`;
}

function timestampText(count: bigint, perDay: bigint, perSecond: bigint, digits: number): string {
  let days = count / perDay;
  let rest = count % perDay;
  if (rest < 0n) {
    days--;
    rest += perDay;
  }
  return `${dateText(Number(days))} ${timeText(rest, perSecond, digits)}`;
}

/** µs since the epoch → DuckDB's TIMESTAMP text (±INT64_MAX: ±infinity). */
function microsText(us: bigint): string {
  if (us === INT64_MAX) return 'infinity';
  if (us === -INT64_MAX) return '-infinity';
  return timestampText(us, MICROS_PER_DAY, 1_000_000n, 6);
}

/** TIMESTAMP_S / _MS as µs: infinity is the unit's own ±INT64_MAX scaled. */
const unitTimestamp = (scale: bigint): RowValueEncoder => (v) => {
  if (typeof v !== 'bigint') return v;
  if (v === INT64_MAX * scale) return 'infinity';
  if (v === -INT64_MAX * scale) return '-infinity';
  return timestampText(v, MICROS_PER_DAY, 1_000_000n, 6);
};

function nanosTimestamp(v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  if (v === INT64_MAX) return 'infinity';
  if (v === -INT64_MAX) return '-infinity';
  return timestampText(v, NANOS_PER_DAY, 1_000_000_000n, 9);
}

function timestampTz(v: unknown): unknown {
  if (typeof v !== 'bigint') return v;
  const plain = microsText(v);
  const m = /^(\d+)(-\d\d-\d\d)( \(BC\))? (.*)$/.exec(plain);
  if (m === null) return plain;
  const [, year = '', monthDay = '', bc, time = ''] = m;
  if (bc === undefined) return `${year}${monthDay}T${time}Z`;
  // ISO-8601 has a year 0: 1 BC is 0000, 44 BC is -0043.
  const iso = Number(year) - 1;
  return `${iso === 0 ? '0000' : `-${String(iso).padStart(4, '0')}`}${monthDay}T${time}Z`;
}

function date(v: unknown): unknown {
  return v instanceof Date ? dateText(Math.round(v.getTime() / MS_PER_DAY)) : v;
}

/** A value of a type this encoder does not know: its JSON form without type knowledge. */
function generic(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return jsonNumber(v);
  if (v instanceof Uint8Array) return base64(v);
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(generic);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, generic(x)]));
  return v;
}

const asText: RowValueEncoder = (v) => (typeof v === 'bigint' ? v.toString() : v);
const asNumber: RowValueEncoder = (v) => (typeof v === 'number' ? jsonNumber(v) : v);
const asIs: RowValueEncoder = (v) => v;

const SCALARS: Record<string, RowValueEncoder> = {
  BOOLEAN: asIs,
  TINYINT: asNumber, SMALLINT: asNumber, INTEGER: asNumber, UTINYINT: asNumber, USMALLINT: asNumber, UINTEGER: asNumber,
  BIGINT: asText, UBIGINT: asText, HUGEINT: asText, UHUGEINT: asText, BIGNUM: asText, VARINT: asText,
  FLOAT: float32, DOUBLE: asNumber,
  VARCHAR: asIs, UUID: asIs, BIT: asIs, JSON: asIs, TIME: asIs, TIME_NS: asIs, 'TIME WITH TIME ZONE': asIs, INTERVAL: asIs,
  BLOB: base64, GEOMETRY: base64,
  DATE: date,
  TIMESTAMP: (v) => (typeof v === 'bigint' ? microsText(v) : v),
  TIMESTAMP_S: unitTimestamp(1_000_000n), TIMESTAMP_MS: unitTimestamp(1000n), TIMESTAMP_NS: nanosTimestamp,
  'TIMESTAMP WITH TIME ZONE': timestampTz,
};

const cache = new Map<string, RowValueEncoder>();

/** The encoder of one DuckDB type text (cached); SQL NULL stays `null`. */
export function rowValueEncoderFor(typeText: string): RowValueEncoder {
  let e = cache.get(typeText);
  if (e === undefined) {
    const inner = build(typeText.trim());
    e = (v) => (v === null || v === undefined ? null : inner(v));
    cache.set(typeText, e);
  }
  return e;
}

function build(t: string): RowValueEncoder {
  const upper = t.toUpperCase();
  if (upper.endsWith(']')) {
    const element = rowValueEncoderFor(t.slice(0, t.lastIndexOf('[')));
    return (v) => (Array.isArray(v) ? v.map(element) : generic(v));
  }
  const paren = t.indexOf('(');
  const head = (paren < 0 ? t : t.slice(0, paren)).trim().toUpperCase();
  const args = paren < 0 ? '' : t.slice(paren + 1, t.lastIndexOf(')'));
  if (head === 'STRUCT') {
    const fields = new Map(splitTopLevel(args).map(structField).map(([n, ft]) => [n, rowValueEncoderFor(ft)]));
    return (v) => {
      if (v === null || typeof v !== 'object') return generic(v);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, (fields.get(k) ?? generic)(x)]));
    };
  }
  if (head === 'MAP') {
    const [key = generic, value = generic] = splitTopLevel(args).map(rowValueEncoderFor);
    return (v) => (Array.isArray(v) ? (v as { key: unknown; value: unknown }[]).map((e) => ({ key: key(e.key), value: value(e.value) })) : generic(v));
  }
  if (head === 'UNION') {
    const members = new Map(splitTopLevel(args).map(structField).map(([n, ft]) => [n, rowValueEncoderFor(ft)]));
    return (v) => {
      const u = v as { tag: string; value: unknown };
      return { tag: u.tag, value: (members.get(u.tag) ?? generic)(u.value) };
    };
  }
  if (head === 'DECIMAL' || head === 'NUMERIC' || head === 'ENUM') return asIs;
  return SCALARS[upper] ?? generic;
}

/** Rows of domain values → rows in the lossless JSON encoding, by their columns' DuckDB types. */
export function encodeRows(rows: readonly (readonly unknown[])[], columns: readonly { readonly type: string }[]): unknown[][] {
  const encoders = columns.map((c) => rowValueEncoderFor(c.type));
  return rows.map((r) => r.map((v, i) => (encoders[i] ?? generic)(v)));
}

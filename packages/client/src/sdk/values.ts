/**
 * Result values → JavaScript values, by the column's DuckDB type text. The wire carries every value
 * losslessly as JSON (docs/api.md, "Row encoding"); the SDK turns it into what a TypeScript caller
 * expects without losing precision:
 *
 * | DuckDB type | JavaScript |
 * | --- | --- |
 * | TINYINT, SMALLINT, INTEGER, UTINYINT, USMALLINT | `number` |
 * | BIGINT, HUGEINT, UINTEGER, UBIGINT, UHUGEINT, VARINT | `bigint` |
 * | DECIMAL(p,s) | `string` (exact decimal text; JS has no decimal type) |
 * | FLOAT, DOUBLE | `number` (NaN, ±Infinity, -0 included) |
 * | BOOLEAN | `boolean` |
 * | VARCHAR, UUID, ENUM, INTERVAL, TIME, BIT | `string` |
 * | JSON | the parsed value |
 * | BLOB | `Uint8Array` |
 * | DATE | `string` `YYYY-MM-DD` (a calendar date, not an instant) |
 * | TIMESTAMP, TIMESTAMPTZ | `Date` (UTC; sub-millisecond digits are in `raw`) |
 * | LIST / ARRAY, STRUCT, MAP, UNION | arrays, objects, `Map`, `{ tag, value }`, recursively |
 */
export type Decoder = (value: unknown) => unknown;

const SMALL_INTS = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'INT', 'UTINYINT', 'USMALLINT', 'INT1', 'INT2', 'INT4']);
const BIG_INTS = new Set(['BIGINT', 'HUGEINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT', 'VARINT', 'BIGNUM', 'INT8', 'LONG']);
const FLOATS = new Set(['FLOAT', 'DOUBLE', 'REAL', 'FLOAT4', 'FLOAT8']);
const TIMESTAMPS = new Set(['TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS', 'DATETIME', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ']);

const identity: Decoder = (v) => v;

function toBigInt(v: unknown): unknown {
  return typeof v === 'string' || typeof v === 'number' ? BigInt(v) : v;
}

function toFloat(v: unknown): unknown {
  return typeof v === 'string' ? Number(v) : v; // "NaN", "Infinity", "-Infinity", "-0"
}

function toBytes(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const bin = atob(v);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toJson(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

const TS = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d(?::?\d\d)?)?$/;

function toDate(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const m = TS.exec(v);
  if (m === null) return v; // infinity, BC, year > 9999: keep the server's text
  const zone = m[8] === undefined || m[8] === 'Z' ? 'Z' : m[8].length === 3 ? `${m[8]}:00` : m[8].replace(/^([+-]\d\d)(\d\d)$/, '$1:$2');
  const fraction = (m[7] ?? '').slice(0, 4);
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${fraction}${zone}`);
}

/** `a INTEGER, "b c" STRUCT(x INT)` → top-level parts (commas outside parentheses and quotes). */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === '(') depth++;
    else if (!quoted && ch === ')') depth--;
    else if (!quoted && depth === 0 && ch === ',') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  const tail = text.slice(start).trim();
  if (tail !== '') parts.push(tail);
  return parts;
}

/** `"a b" INTEGER` / `x STRUCT(y INT)` → [field name, type text] (a STRUCT field or UNION member). */
export function structField(part: string): [string, string] {
  if (part.startsWith('"')) {
    let end = 1;
    for (;;) {
      end = part.indexOf('"', end);
      if (part[end + 1] === '"') { end += 2; continue; }
      break;
    }
    return [part.slice(1, end).replaceAll('""', '"'), part.slice(end + 1).trim()];
  }
  const space = part.indexOf(' ');
  return [part.slice(0, space), part.slice(space + 1).trim()];
}

const cache = new Map<string, Decoder>();

/** The decoder of one DuckDB type text (cached); SQL NULL stays `null`. */
export function decoderFor(typeText: string): Decoder {
  let d = cache.get(typeText);
  if (d === undefined) {
    const inner = build(typeText.trim());
    d = (v) => (v === null || v === undefined ? null : inner(v));
    cache.set(typeText, d);
  }
  return d;
}

function build(t: string): Decoder {
  const upper = t.toUpperCase();
  if (upper.endsWith(']')) {
    const element = decoderFor(t.slice(0, t.lastIndexOf('[')));
    return (v) => (v as unknown[]).map(element);
  }
  const paren = t.indexOf('(');
  const head = (paren < 0 ? t : t.slice(0, paren)).trim().toUpperCase();
  const args = paren < 0 ? '' : t.slice(paren + 1, t.lastIndexOf(')'));
  if (head === 'STRUCT') {
    const fields = splitTopLevel(args).map(structField).map(([n, ft]) => [n, decoderFor(ft)] as const);
    return (v) => {
      const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const [n, fn] of fields) if (n in out) out[n] = fn(out[n]);
      return out;
    };
  }
  if (head === 'MAP') {
    const [k, val] = splitTopLevel(args).map(decoderFor);
    return (v) => new Map((v as { key: unknown; value: unknown }[]).map((e) => [k!(e.key), val!(e.value)]));
  }
  if (head === 'UNION') {
    const members = new Map(splitTopLevel(args).map(structField).map(([n, ft]) => [n, decoderFor(ft)]));
    return (v) => {
      const u = v as { tag: string; value: unknown };
      return { tag: u.tag, value: (members.get(u.tag) ?? identity)(u.value) };
    };
  }
  if (head === 'DECIMAL' || head === 'NUMERIC') return identity;
  if (SMALL_INTS.has(upper)) return identity;
  if (BIG_INTS.has(upper)) return toBigInt;
  if (FLOATS.has(upper)) return toFloat;
  if (upper === 'JSON') return toJson;
  if (upper === 'BLOB' || upper === 'BYTEA') return toBytes;
  if (TIMESTAMPS.has(upper)) return toDate;
  return identity;
}

/** A JavaScript value → the JSON the typed RPCs take (bigint as text, bytes as base64, Date as ISO). */
export function encodeValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) {
    let bin = '';
    for (const b of v) bin += String.fromCharCode(b);
    return btoa(bin);
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), encodeValue(x)]));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeValue(x)]));
  return v;
}

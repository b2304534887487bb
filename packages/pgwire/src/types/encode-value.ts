/**
 * One result value, as the engine encodes it (core exec/result-encoding.ts: int64 and DECIMAL as
 * decimal strings, BLOB as base64, DATE/TIMESTAMP as DuckDB text, TIMESTAMPTZ as ISO-8601 UTC,
 * lists as arrays, structs as objects, NaN/±Infinity as strings), → PostgreSQL text or binary
 * format bytes for its PgType (pg-types.ts). `null` is SQL NULL.
 */
import { AppError } from '@k3/core';
import type { PgType } from './pg-types.ts';

const PG_EPOCH_DAYS = 10957; // 2000-01-01 − 1970-01-01
const PG_EPOCH_MICROS = BigInt(PG_EPOCH_DAYS) * 86_400_000_000n;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

/** DuckDB's " (BC)" date suffix → PostgreSQL's trailing " BC". */
function bcDate(text: string): string {
  const m = /^(\d+-\d\d-\d\d) \(BC\)(.*)$/.exec(text);
  return m === null ? text : `${m[1]}${m[2]} BC`;
}

/** ISO `YYYY-MM-DDTHH:MM:SS[.f]Z` → PostgreSQL's `YYYY-MM-DD HH:MM:SS[.f]+00` (session TimeZone is UTC). */
function timestamptzText(iso: string): string {
  if (iso === 'infinity' || iso === '-infinity') return iso;
  const m = /^(-?\d+)(-\d\d-\d\d)T(.*)Z$/.exec(iso);
  if (m === null) return iso;
  const year = Number(m[1]);
  if (year <= 0) return `${String(1 - year).padStart(4, '0')}${m[2]} ${m[3]}+00 BC`;
  return `${m[1]}${m[2]} ${m[3]}+00`;
}

function arrayElementText(v: unknown, element: PgType): string {
  if (v === null || v === undefined) return 'NULL';
  const s = textOf(v, element);
  if (s === '' || /[{}",\\\s]/.test(s) || s.toUpperCase() === 'NULL') return `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  return s;
}

/** Text format of a non-null value. */
export function textOf(v: unknown, type: PgType): string {
  switch (type.kind) {
    case 'bool': return v === true ? 't' : 'f';
    case 'bytea': return `\\x${Buffer.from(String(v), 'base64').toString('hex')}`;
    case 'date': case 'timestamp': return bcDate(String(v));
    case 'timestamptz': return timestamptzText(String(v));
    case 'array':
      return `{${(v as unknown[]).map((e) => arrayElementText(e, type.element!)).join(',')}}`;
    case 'jsonish': return typeof v === 'string' ? v : JSON.stringify(v);
    default:
      if (typeof v === 'object') return JSON.stringify(v);
      return String(v);
  }
}

/** Days since 1970-01-01 of a `YYYY-MM-DD[ (BC)]` date text. */
function epochDays(text: string): number {
  const m = /^(\d+)-(\d\d)-(\d\d)( \(BC\))?/.exec(text);
  if (m === null) throw new AppError('ERR_TYPE_MISMATCH', `Cannot encode date ${JSON.stringify(text)} in binary format.`);
  const year = m[4] === undefined ? Number(m[1]) : 1 - Number(m[1]);
  const d = new Date(0);
  d.setUTCFullYear(year, Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(0, 0, 0, 0);
  return Math.round(d.getTime() / 86_400_000);
}

/** Microseconds since 1970 of DuckDB timestamp text (`YYYY-MM-DD[ (BC)] HH:MM:SS[.f]`) or ISO `…T…Z`. */
function epochMicros(text: string): bigint {
  const iso = /^(-?\d+)(-\d\d-\d\d)T(.*)Z$/.exec(text);
  const normalized = iso === null ? text : `${Number(iso[1]) <= 0 ? `${String(1 - Number(iso[1])).padStart(4, '0')}${iso[2]} (BC)` : `${iso[1]}${iso[2]}`} ${iso[3]}`;
  const m = /^(\d+-\d\d-\d\d(?: \(BC\))?) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/.exec(normalized);
  if (m === null) throw new AppError('ERR_TYPE_MISMATCH', `Cannot encode timestamp ${JSON.stringify(text)} in binary format.`);
  const days = BigInt(epochDays(m[1] ?? ''));
  const seconds = BigInt(Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]));
  const micros = BigInt((m[5] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  return days * 86_400_000_000n + seconds * 1_000_000n + micros;
}

function timeMicros(text: string): bigint {
  const m = /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?/.exec(text);
  if (m === null) throw new AppError('ERR_TYPE_MISMATCH', `Cannot encode time ${JSON.stringify(text)} in binary format.`);
  return BigInt(Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1_000_000n + BigInt((m[4] ?? '').padEnd(6, '0').slice(0, 6) || '0');
}

function floatOf(v: unknown): number {
  return typeof v === 'number' ? v : Number(v === '-0' ? -0 : v);
}

/** numeric in binary: ndigits, weight, sign, dscale, then base-10000 digits. */
export function numericBinary(text: string): Buffer {
  if (text === 'NaN') return Buffer.from([0, 0, 0, 0, 0xc0, 0, 0, 0]);
  const negative = text.startsWith('-');
  const [intPartRaw = '0', fracPart = ''] = (negative ? text.slice(1) : text).split('.');
  const intPart = intPartRaw.replace(/^0+/, '');
  const dscale = fracPart.length;
  const intGroups: number[] = [];
  for (let end = intPart.length; end > 0; end -= 4) intGroups.unshift(Number(intPart.slice(Math.max(0, end - 4), end)));
  const fracGroups: number[] = [];
  for (let i = 0; i < fracPart.length; i += 4) fracGroups.push(Number(fracPart.slice(i, i + 4).padEnd(4, '0')));
  let digits = [...intGroups, ...fracGroups];
  let weight = intGroups.length - 1;
  while (digits.length > 0 && digits[0] === 0) {
    digits = digits.slice(1);
    weight--;
  }
  while (digits.length > 0 && digits[digits.length - 1] === 0) digits = digits.slice(0, -1);
  if (digits.length === 0) weight = 0;
  const b = Buffer.alloc(8 + digits.length * 2);
  b.writeInt16BE(digits.length, 0);
  b.writeInt16BE(weight, 2);
  b.writeUInt16BE(negative && digits.length > 0 ? 0x4000 : 0, 4);
  b.writeInt16BE(dscale, 6);
  digits.forEach((d, i) => b.writeInt16BE(d, 8 + i * 2));
  return b;
}

function int64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
}

/** Binary format of a non-null value. */
export function binaryOf(v: unknown, type: PgType): Buffer {
  switch (type.kind) {
    case 'bool': return Buffer.from([v === true ? 1 : 0]);
    case 'int2': { const b = Buffer.alloc(2); b.writeInt16BE(Number(v)); return b; }
    case 'int4': { const b = Buffer.alloc(4); b.writeInt32BE(Number(v)); return b; }
    case 'int8': return int64(BigInt(v as string | number));
    case 'float4': { const b = Buffer.alloc(4); b.writeFloatBE(floatOf(v)); return b; }
    case 'float8': { const b = Buffer.alloc(8); b.writeDoubleBE(floatOf(v)); return b; }
    case 'numeric': return numericBinary(String(v));
    case 'bytea': return Buffer.from(String(v), 'base64');
    case 'uuid': return Buffer.from(String(v).replaceAll('-', ''), 'hex');
    case 'date': {
      const s = String(v);
      const b = Buffer.alloc(4);
      b.writeInt32BE(s === 'infinity' ? 0x7fffffff : s === '-infinity' ? -0x80000000 : epochDays(s) - PG_EPOCH_DAYS);
      return b;
    }
    case 'timestamp': case 'timestamptz': {
      const s = String(v);
      return int64(s === 'infinity' ? INT64_MAX : s === '-infinity' ? INT64_MIN : epochMicros(s) - PG_EPOCH_MICROS);
    }
    case 'time': return int64(timeMicros(String(v)));
    case 'array': {
      const items = v as unknown[];
      const element = type.element!;
      const parts = items.map((e) => (e === null || e === undefined ? null : binaryOf(e, element)));
      const header = Buffer.alloc(20);
      header.writeInt32BE(1, 0);
      header.writeInt32BE(parts.some((p) => p === null) ? 1 : 0, 4);
      header.writeInt32BE(element.oid, 8);
      header.writeInt32BE(items.length, 12);
      header.writeInt32BE(1, 16);
      const body = parts.map((p) => {
        const len = Buffer.alloc(4);
        len.writeInt32BE(p === null ? -1 : p.length);
        return p === null ? len : Buffer.concat([len, p]);
      });
      return Buffer.concat([header, ...body]);
    }
    case 'interval': case 'timetz':
      throw new AppError('ERR_SQL_UNSUPPORTED', `Binary format of ${type.name} is not supported; request the text format for this column.`);
    default:
      return Buffer.from(textOf(v, type), 'utf8');
  }
}

export function encodeValue(v: unknown, type: PgType, format: number): Buffer | null {
  if (v === null || v === undefined) return null;
  return format === 1 ? binaryOf(v, type) : Buffer.from(textOf(v, type), 'utf8');
}

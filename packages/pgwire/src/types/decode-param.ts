/**
 * A Bind parameter (text or binary bytes, PostgreSQL type OID from Parse or inferred by DuckDB) →
 * the JavaScript value the engine binds as a DuckDB prepared-statement parameter: booleans,
 * numbers, bigints (int8), Uint8Array (bytea), strings for everything whose exact text DuckDB
 * casts itself (numeric, date, timestamp, json, uuid, text). Malformed bytes → ERR_BAD_REQUEST
 * naming the parameter.
 */
import { AppError } from '@k3/core';
import { pgTypeByOid } from './pg-types.ts';

const PG_EPOCH_MS = 946_684_800_000;

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function dateText(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const ymd = `${pad(Math.abs(y <= 0 ? 1 - y : y), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return y <= 0 ? `${ymd} (BC)` : ymd;
}

function timestampText(microsSince2000: bigint): string {
  const micros = microsSince2000 + BigInt(PG_EPOCH_MS) * 1000n;
  const ms = Number(micros / 1000n) - (micros % 1000n < 0n ? 1 : 0);
  const frac = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const [date, bc] = dateText(d.getTime()).split(' ');
  return `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${String(frac).padStart(6, '0')}${bc === undefined ? '' : ` ${bc}`}`;
}

function numericFromBinary(b: Buffer): string {
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (sign === 0xc000) return 'NaN';
  const digits: number[] = [];
  for (let i = 0; i < ndigits; i++) digits.push(b.readInt16BE(8 + i * 2));
  let intPart = '';
  for (let w = 0; w <= weight; w++) intPart += w === 0 ? String(digits[w] ?? 0) : pad(digits[w] ?? 0, 4);
  let frac = '';
  for (let w = weight + 1; w < ndigits || frac.length < dscale; w++) frac += w < 0 ? '0000' : pad(digits[w] ?? 0, 4);
  const text = `${intPart === '' ? '0' : intPart}${dscale > 0 ? `.${frac.slice(0, dscale)}` : ''}`;
  return sign === 0x4000 ? `-${text}` : text;
}

export function decodeParam(bytes: Buffer | null, oid: number, format: number, index: number): unknown {
  if (bytes === null) return null;
  const type = pgTypeByOid(oid);
  const bad = (): never => {
    throw new AppError('ERR_BAD_REQUEST', `Parameter $${index + 1} is not a valid ${type?.name ?? `type ${oid}`} value in ${format === 1 ? 'binary' : 'text'} format.`);
  };
  if (format === 1) {
    switch (type?.kind) {
      case 'bool': return bytes[0] === 1;
      case 'int2': return bytes.length === 2 ? bytes.readInt16BE(0) : bad();
      case 'int4': return bytes.length === 4 ? bytes.readInt32BE(0) : bad();
      case 'int8': return bytes.length === 8 ? bytes.readBigInt64BE(0) : bad();
      case 'float4': return bytes.length === 4 ? bytes.readFloatBE(0) : bad();
      case 'float8': return bytes.length === 8 ? bytes.readDoubleBE(0) : bad();
      case 'numeric': return numericFromBinary(bytes);
      case 'bytea': return new Uint8Array(bytes);
      case 'uuid': {
        const h = bytes.toString('hex');
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      }
      case 'date': return bytes.length === 4 ? dateText(PG_EPOCH_MS + bytes.readInt32BE(0) * 86_400_000) : bad();
      case 'timestamp': return bytes.length === 8 ? timestampText(bytes.readBigInt64BE(0)) : bad();
      case 'timestamptz': return bytes.length === 8 ? `${timestampText(bytes.readBigInt64BE(0))}+00` : bad();
      case 'text': case 'json': return bytes.toString('utf8');
      case undefined: return new Uint8Array(bytes);
      default: return bad();
    }
  }
  const text = bytes.toString('utf8');
  switch (type?.kind) {
    case 'bool': {
      const t = text.trim().toLowerCase();
      if (['t', 'true', 'y', 'yes', 'on', '1'].includes(t)) return true;
      if (['f', 'false', 'n', 'no', 'off', '0'].includes(t)) return false;
      return bad();
    }
    case 'int2': case 'int4': return /^\s*[-+]?\d+\s*$/.test(text) ? Number(text) : bad();
    case 'int8': return /^\s*[-+]?\d+\s*$/.test(text) ? BigInt(text.trim()) : bad();
    case 'float4': case 'float8': {
      const n = Number(text.trim().replace(/^(-?)infinity$/i, '$1Infinity'));
      return Number.isNaN(n) && text.trim().toLowerCase() !== 'nan' ? bad() : n;
    }
    case 'bytea': return text.startsWith('\\x') ? new Uint8Array(Buffer.from(text.slice(2), 'hex')) : new Uint8Array(Buffer.from(text, 'latin1'));
    default: return text;
  }
}

/**
 * Typed partition values and log-path decoding.
 *
 * Partition values live in `add.partitionValues` as strings (PROTOCOL.md "Partition Value
 * Serialization"); directory names are never consulted. Typed representation (stable, used by
 * the scan and SQL layers):
 * - string → string; binary → Uint8Array (UTF-8 bytes of the logged string)
 * - byte, short, integer, float, double → number; long → bigint (lossless)
 * - boolean → boolean; decimal(p,s) → string, the exact decimal text as logged
 * - date → 'YYYY-MM-DD' string (no Date objects: no time-zone traps)
 * - timestamp / timestamp_ntz → bigint epoch microseconds (UTC). Both logged forms are accepted:
 *   ISO-8601 with `T` and a zone (`2024-01-01T10:00:00.000000Z`), and the zone-less
 *   `2021-09-08 11:11:11[.ffffff]`, which is read as UTC (k3 never writes it; Spark wrote it in
 *   the writer's local zone, which the log does not record).
 * - null: JSON null, and an empty string for every type (the protocol's null encoding).
 */
import { AppError } from '../errors/index.ts';
import type { DataType, StructType } from './schema.ts';

export type PartitionValue = string | number | bigint | boolean | Uint8Array | null;

const INT_RANGES: Record<string, [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
};

function bad(column: string, raw: string, type: string): AppError {
  return new AppError('ERR_DELTA_LOG_CORRUPT', `Partition value ${JSON.stringify(raw)} of column "${column}" is not a valid ${type}; the Delta log is inconsistent with its schema.`, { column, value: raw, type });
}

/** Epoch microseconds of a logged timestamp partition value, or undefined when unparsable. */
export function parseTimestampMicros(raw: string): bigint | undefined {
  const m = /^(-?\d{4,})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(raw.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return undefined;
  let micros = BigInt(ms) * 1000n + BigInt((frac + '000000').slice(0, 6));
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    const digits = zone.slice(1).replace(':', '');
    const offsetMin = BigInt(Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
    micros -= sign * offsetMin * 60_000_000n;
  }
  return micros;
}

/** Parse one logged partition value by its Delta type. Throws ERR_DELTA_LOG_CORRUPT on garbage. */
export function parsePartitionValue(raw: string | null | undefined, type: DataType, column = '?'): PartitionValue {
  if (raw === null || raw === undefined) return null;
  if (typeof type !== 'string') throw bad(column, raw, 'partition type (nested types cannot be partition columns)');
  if (type === 'string') return raw;
  if (raw === '') return null;
  switch (type) {
    case 'byte': case 'short': case 'integer': {
      const n = Number(raw);
      const [lo, hi] = INT_RANGES[type] ?? [0, 0];
      if (!/^-?\d+$/.test(raw.trim()) || n < lo || n > hi) throw bad(column, raw, type);
      return n;
    }
    case 'long':
      if (!/^-?\d+$/.test(raw.trim())) throw bad(column, raw, type);
      return BigInt(raw.trim());
    case 'float': case 'double': {
      const t = raw.trim();
      if (t === 'NaN') return Number.NaN;
      if (t === 'Infinity') return Number.POSITIVE_INFINITY;
      if (t === '-Infinity') return Number.NEGATIVE_INFINITY;
      const n = Number(t);
      if (t === '' || Number.isNaN(n)) throw bad(column, raw, type);
      return n;
    }
    case 'boolean': {
      const t = raw.trim().toLowerCase();
      if (t === 'true') return true;
      if (t === 'false') return false;
      throw bad(column, raw, type);
    }
    case 'date': {
      const m = /^(\d{4,})-(\d{2})-(\d{2})/.exec(raw.trim());
      if (!m) throw bad(column, raw, type);
      return `${m[1]}-${m[2]}-${m[3]}`;
    }
    case 'timestamp': case 'timestamp_ntz': {
      const micros = parseTimestampMicros(raw);
      if (micros === undefined) throw bad(column, raw, type);
      return micros;
    }
    case 'binary':
      return new TextEncoder().encode(raw);
    default:
      if (type.startsWith('decimal')) {
        if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw.trim())) throw bad(column, raw, type);
        return raw.trim();
      }
      throw bad(column, raw, type);
  }
}

/** Typed partition values of one file, keyed by partition column name, in partitionColumns order. */
export function parsePartitionValues(
  logged: Readonly<Record<string, string | null>> | null | undefined,
  schema: StructType,
  partitionColumns: readonly string[],
): Record<string, PartitionValue> {
  const out: Record<string, PartitionValue> = {};
  for (const col of partitionColumns) {
    const field = schema.fields.find((f) => f.name === col);
    if (field === undefined) {
      throw new AppError('ERR_DELTA_LOG_CORRUPT', `Partition column "${col}" is not in the table schema; the Delta metadata is inconsistent.`, { column: col });
    }
    out[col] = parsePartitionValue(logged?.[col], field.type, col);
  }
  return out;
}

/**
 * Object path (relative to the table root) of a relative `add`/`remove` path. Paths in the log are
 * URIs: decode exactly once (`x=A%252FA` → `x=A%2FA`, the Hive-escaped directory on storage).
 * Absolute URIs are refused here; `resolveDataFileKey` follows those that stay inside the store.
 */
export function decodeLogPath(path: string): string {
  // Fast path for the common case; runs once per file of every snapshot load.
  if (!path.includes('%') && !path.includes(':')) return path;
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path)) {
    throw new AppError('ERR_DELTA_UNSUPPORTED_FEATURE', `The Delta log references a data file by absolute URI (${path}); only paths relative to the table root are supported.`, { feature: 'absolutePaths', path });
  }
  try {
    return decodeURIComponent(path);
  } catch {
    throw new AppError('ERR_DELTA_LOG_CORRUPT', `The data file path ${JSON.stringify(path)} in the Delta log is not a valid URI.`, { path });
  }
}

function normalizeUri(uri: string): string {
  // Hadoop writes `file:/a/b`; URL serializers write `file:///a/b`. Compare in one form.
  return uri.replace(/^file:\/(?!\/)/, 'file:///').replace(/^file:\/\/localhost\//, 'file:///');
}

/**
 * Store key (relative to the store root) of a data file named in the log. Relative paths resolve
 * against the table root (`root + decodeLogPath(path)`). Absolute URIs (shallow clones, converted
 * tables) are followed when they point into the same store (`storeUrl` prefix, compared before
 * decoding; the rest is decoded once); anything outside the store is refused.
 */
export function resolveDataFileKey(path: string, root: string, storeUrl: string): string {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(path)) return root + decodeLogPath(path);
  const uri = normalizeUri(path);
  const base = normalizeUri(storeUrl.endsWith('/') ? storeUrl : `${storeUrl}/`);
  if (uri.startsWith(base) && uri.length > base.length) {
    try {
      return decodeURIComponent(uri.slice(base.length));
    } catch {
      throw new AppError('ERR_DELTA_LOG_CORRUPT', `The data file path ${JSON.stringify(path)} in the Delta log is not a valid URI.`, { path });
    }
  }
  throw new AppError('ERR_DELTA_UNSUPPORTED_FEATURE', `The Delta log references a data file outside this store (${path}); only files under ${storeUrl} can be read.`, { feature: 'absolutePaths', path });
}

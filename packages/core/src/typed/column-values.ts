/**
 * Column values of the typed data operations (docs/design/typed-operations.md): the JSON shape a
 * caller sends for a column of each of the eleven types (seeds 001, "Wire shape on Insert /
 * Merge") → the domain value bound to a placeholder (sql/statement-params.ts SqlParam). DuckDB
 * casts the bound value to the column's type; this module only refuses shapes that can never fit,
 * with the column and the expected shape named.
 *
 *   string → string          int / short → integer number (or integer string)
 *   long → number or string (exact beyond 2^53) or bigint
 *   float / double → number, or 'NaN' / 'Infinity' / '-Infinity' / a numeric string
 *   boolean → boolean        date → 'YYYY-MM-DD'
 *   timestamp → µs since the epoch (number, bigint or integer string) or text 'YYYY-MM-DD HH:MM:SS[.ffffff]'
 *   binary → base64 string (standard or URL-safe alphabet)
 *   json → any JSON value (stored as its text)
 *   any other DuckDB type (DECIMAL, LIST, STRUCT, …) → its text, number or boolean, nested values as
 *   JSON text; DuckDB casts it to the column's type
 *   null → NULL (NOT NULL columns refuse it when the statement runs)
 */
import { ColumnType, type Column } from '../api/index.ts';
import { AppError } from '../errors/index.ts';
import type { SqlParam } from '../sql/statement-params.ts';

const INTEGER_TEXT = /^-?\d+$/;
const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const SPECIAL_FLOATS = new Set(['nan', 'infinity', '-infinity', 'inf', '-inf']);
const DATE_TEXT = /^\d{4,}-\d{2}-\d{2}$/;
const TIMESTAMP_TEXT = /^\d{4,}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;
const RANGES: Partial<Record<ColumnType, readonly [number, number]>> = {
  [ColumnType.INT]: [-(2 ** 31), 2 ** 31 - 1],
  [ColumnType.SHORT]: [-(2 ** 15), 2 ** 15 - 1],
};

/** The bound value for `value` in `column`; ERR_TYPE_MISMATCH when its JSON shape cannot fit the type. */
export function columnParam(column: Pick<Column, 'name' | 'type'>, value: unknown): SqlParam {
  if (value === null || value === undefined) return null;
  const fail = (expected: string): never => {
    throw new AppError('ERR_TYPE_MISMATCH', `Column "${column.name}" (${column.type}) expects ${expected}; got ${shapeOf(value)}.`, { column: column.name, type: column.type });
  };
  switch (column.type) {
    case ColumnType.STRING:
      return typeof value === 'string' ? value : fail('a JSON string');
    case ColumnType.INT:
    case ColumnType.SHORT: {
      const n = typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value;
      const [lo, hi] = RANGES[column.type]!;
      if (typeof n !== 'number' || !Number.isInteger(n)) return fail('an integer JSON number');
      return n >= lo && n <= hi ? n : fail(`an integer between ${lo} and ${hi}`);
    }
    case ColumnType.LONG: {
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      if (typeof value === 'string' && INTEGER_TEXT.test(value)) return BigInt(value);
      return fail('an integer JSON number, or a JSON string of digits beyond ±2^53');
    }
    case ColumnType.FLOAT:
    case ColumnType.DOUBLE: {
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && (NUMBER_TEXT.test(value) || SPECIAL_FLOATS.has(value.toLowerCase()))) return value;
      return fail("a JSON number (or 'NaN', 'Infinity', '-Infinity')");
    }
    case ColumnType.BOOLEAN:
      return typeof value === 'boolean' ? value : fail('true or false');
    case ColumnType.DATE:
      return typeof value === 'string' && DATE_TEXT.test(value) ? value : fail("a date string 'YYYY-MM-DD'");
    case ColumnType.TIMESTAMP:
      return timestampParam(value) ?? fail("microseconds since the epoch (a JSON number or string) or a timestamp string 'YYYY-MM-DD HH:MM:SS[.ffffff]'");
    case ColumnType.BINARY:
      return typeof value === 'string' && BASE64.test(value) ? new Uint8Array(Buffer.from(value, 'base64')) : fail('a base64 string');
    case ColumnType.JSON:
      return JSON.stringify(value);
    default:
      // Any other DuckDB type (DECIMAL, TINYINT, UUID, LIST, STRUCT, MAP, …; the column's duckdbType):
      // the value is bound as text, a number or a boolean (nested values as their JSON text) and
      // DuckDB casts it to the column's type, refusing what does not fit (ERR_TYPE_MISMATCH).
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value;
      return JSON.stringify(value);
  }
}

/** A timestamp as DuckDB text: µs since the epoch are printed exactly (a Date would drop the µs). */
function timestampParam(value: unknown): string | undefined {
  let micros: bigint | undefined;
  if (typeof value === 'bigint') micros = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) micros = BigInt(value);
  else if (typeof value === 'string' && INTEGER_TEXT.test(value)) micros = BigInt(value);
  else if (typeof value === 'string' && TIMESTAMP_TEXT.test(value)) return value;
  if (micros === undefined) return undefined;
  const frac = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const seconds = (micros - frac) / 1_000_000n;
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z (or ±YYYYYY for far years)
  return `${iso.slice(0, iso.indexOf('T'))} ${iso.slice(iso.indexOf('T') + 1, iso.indexOf('.'))}.${frac.toString().padStart(6, '0')}`;
}

function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return 'a JSON array';
  if (typeof value === 'object') return 'a JSON object';
  const text = JSON.stringify(value) ?? String(value);
  return `${typeof value} ${text.length > 40 ? `${text.slice(0, 37)}…` : text}`;
}

/**
 * Time-travel targets as users write them: a version number or a point in time. Shared by RESTORE,
 * `AS OF` and the HTTP forms so that every entry point accepts and refuses the same inputs.
 *
 * Timestamps: ISO-8601 / DuckDB-style text (`2026-05-18T00:00Z`, `2026-05-21 11:42:08`, a date
 * alone) or epoch milliseconds. Text without a zone is UTC — the log's in-commit timestamps are
 * UTC epoch ms, and a server's local zone must never change which version a query reads.
 */
import { AppError } from '../errors/index.ts';

export type TimeTravelTarget = { readonly version: number } | { readonly timestamp: number };

const ZONE = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

/** Epoch ms of a timestamp text or number; ERR_BAD_REQUEST when it is not a time. */
export function parseTimestampMs(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new AppError('ERR_BAD_REQUEST', `The timestamp ${String(input)} is not a valid time; give epoch milliseconds or ISO-8601 text such as '2026-05-18T00:00:00Z'.`);
    return input;
  }
  const text = input.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return checked(Date.parse(`${text}T00:00:00Z`), input);
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)\s*(.*)$/.exec(text);
  if (m === null) return checked(Number.NaN, input);
  const [, date, time, zoneRaw] = m;
  const zone = (zoneRaw ?? '').replace(/^UTC$/i, 'Z');
  if (zone !== '' && !ZONE.test(zone)) return checked(Number.NaN, input);
  // Date.parse understands at most milliseconds.
  const [hms, frac] = (time ?? '').split('.');
  const millis = frac === undefined ? '' : `.${frac.slice(0, 3).padEnd(3, '0')}`;
  return checked(Date.parse(`${date}T${hms}${millis}${zone === '' ? 'Z' : zone}`), input);
}

function checked(ms: number, input: string): number {
  if (!Number.isFinite(ms)) {
    throw new AppError('ERR_BAD_REQUEST', `${JSON.stringify(input)} is not a timestamp; write it as ISO-8601, e.g. '2026-05-18T00:00:00Z' (no zone means UTC).`, { timestamp: input });
  }
  return ms;
}

/** A version given as a number or as decimal text (a SQL argument); ERR_BAD_REQUEST unless a non-negative integer. */
export function parseVersion(input: string | number, what = 'version'): number {
  const n = typeof input === 'number' ? input : /^\s*\d+\s*$/.test(input) ? Number(input) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new AppError('ERR_BAD_REQUEST', `The ${what} ${JSON.stringify(input)} is not a table version; give a non-negative integer such as 3.`, { [what]: input });
  }
  return n;
}

/** Exactly one of version / timestamp, as both the HTTP body and RESTORE require. */
export function timeTravelTarget(input: { version?: string | number | undefined; timestamp?: string | number | undefined }): TimeTravelTarget {
  const hasVersion = input.version !== undefined && input.version !== '';
  const hasTimestamp = input.timestamp !== undefined && input.timestamp !== '';
  if (hasVersion === hasTimestamp) {
    throw new AppError('ERR_BAD_REQUEST', 'Give exactly one of a version or a timestamp to travel to (for example {"version": "40"} or {"restoreTimestamp": "2026-05-27T08:00:00Z"}).', {});
  }
  return hasVersion ? { version: parseVersion(input.version as string | number) } : { timestamp: parseTimestampMs(input.timestamp as string | number) };
}

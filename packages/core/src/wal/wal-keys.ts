/**
 * Key layout of the write-ahead log under `<table root>/_k3_wal/` (docs/design/wal-and-compaction.md).
 * Built on `walPrefix` from object-store/paths.ts; kept here because only the WAL uses these keys.
 *
 *   <seq 20 digits>.rec            one record per keyed write statement
 *   _drained/<tableId>/<seq 20d>   "records ≤ seq may have been deleted" markers
 *   _epochs/<epoch 20 digits>      compactor epoch claims
 *   rejected/<seq 20 digits>.json  rows a drain ending at seq rejected
 *
 * Digits sort before '_' and 'r', so a listing of records ends at the first non-record key.
 */
import { AppError } from '../errors/index.ts';
import { walPrefix } from '../object-store/paths.ts';

const DIGITS = 20;
const RECORD = /^(\d{20})\.rec$/;

function pad(n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new AppError('ERR_INTERNAL', `${what} must be a non-negative safe integer, got ${String(n)}`);
  return String(n).padStart(DIGITS, '0');
}

export function walRecordKey(root: string, seq: number): string {
  return `${walPrefix(root)}${pad(seq, 'WAL seq')}.rec`;
}

/** The seq of a record key (full key or file name), or undefined for any other key. */
export function parseWalRecordSeq(key: string): number | undefined {
  const m = RECORD.exec(key.slice(key.lastIndexOf('/') + 1));
  if (m === null) return undefined;
  const seq = Number(m[1]);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/** Markers are per table id, so a dropped-and-recreated table never sees the old table's markers. */
export function drainedMarkerPrefix(root: string, tableId: string): string {
  if (tableId === '' || tableId.includes('/')) throw new AppError('ERR_INTERNAL', `table id ${JSON.stringify(tableId)} cannot be a key segment`);
  return `${walPrefix(root)}_drained/${tableId}/`;
}

export function drainedMarkerKey(root: string, tableId: string, seq: number): string {
  return `${drainedMarkerPrefix(root, tableId)}${pad(seq, 'drained seq')}`;
}

export function epochPrefix(root: string): string {
  return `${walPrefix(root)}_epochs/`;
}

export function epochKey(root: string, epoch: number): string {
  return `${epochPrefix(root)}${pad(epoch, 'epoch')}`;
}

export function rejectedKey(root: string, lastSeq: number): string {
  return `${walPrefix(root)}rejected/${pad(lastSeq, 'WAL seq')}.json`;
}

/** The number at the end of a `_drained/` or `_epochs/` key, or undefined. */
export function parseTrailingNumber(key: string): number | undefined {
  const m = /(\d{20})$/.exec(key);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

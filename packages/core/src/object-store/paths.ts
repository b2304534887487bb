/**
 * Every key layout in one place (design note: docs/design/object-store.md).
 *
 * Layout inside a bucket store:
 *   <tablesPrefix><table>/                          table root (a Delta table root)
 *   <root>_delta_log/<20-digit version>.json        commits
 *   <root>_delta_log/<v>.checkpoint.parquet         single-file checkpoints
 *   <root>_delta_log/<v>.checkpoint.<10d>.<10d>.parquet   multi-part checkpoints (part, parts)
 *   <root>_delta_log/_last_checkpoint
 *   <root>_k3_wal/                                  k3's write-ahead log; Delta readers skip `_` dirs
 *
 * Invariants: roots and prefixes always end with '/'; keys never start with '/'. Functions are pure
 * and do no I/O. Versions are non-negative safe integers (Delta pads them to 20 digits so that
 * lexicographic listing order equals version order).
 */
import { AppError } from '../errors/index.ts';

const VERSION_DIGITS = 20;
const PART_DIGITS = 10;

function pad(n: number, digits: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new AppError('ERR_INTERNAL', `${what} must be a non-negative integer, got ${String(n)}`);
  }
  return String(n).padStart(digits, '0');
}

function asDir(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/** Joins key segments with single slashes; empty segments vanish; a trailing '/' on the last one is kept. */
export function joinKey(...parts: string[]): string {
  const kept = parts.filter((p) => p !== '' && p !== '/');
  if (kept.length === 0) return '';
  const last = kept[kept.length - 1] ?? '';
  const inner = kept.map((p) => p.replace(/^\/+|\/+$/g, '')).filter((p) => p !== '');
  const joined = inner.join('/');
  return last.endsWith('/') && joined !== '' ? `${joined}/` : joined;
}

/** The Delta root of `table` inside a bucket store, ending with '/'. */
export function tableRoot(tablesPrefix: string, table: string): string {
  if (table === '' || table.includes('/') || table === '.' || table === '..') {
    throw new AppError('ERR_INVALID_NAME', `Table name ${JSON.stringify(table)} is not valid: it must be non-empty and contain no '/'.`, { table });
  }
  return `${asDir(tablesPrefix.replace(/^\/+/, ''))}${table}/`;
}

export function deltaLogPrefix(root: string): string {
  return `${asDir(root)}_delta_log/`;
}

export function commitKey(root: string, version: number): string {
  return `${deltaLogPrefix(root)}${pad(version, VERSION_DIGITS, 'version')}.json`;
}

export function checkpointKey(root: string, version: number): string {
  return `${deltaLogPrefix(root)}${pad(version, VERSION_DIGITS, 'version')}.checkpoint.parquet`;
}

/** `part` is 1-based, as in the Delta protocol. */
export function multiPartCheckpointKey(root: string, version: number, part: number, parts: number): string {
  if (part < 1 || part > parts) throw new AppError('ERR_INTERNAL', `checkpoint part ${part} is outside 1..${parts}`);
  const v = pad(version, VERSION_DIGITS, 'version');
  return `${deltaLogPrefix(root)}${v}.checkpoint.${pad(part, PART_DIGITS, 'part')}.${pad(parts, PART_DIGITS, 'parts')}.parquet`;
}

export function lastCheckpointKey(root: string): string {
  return `${deltaLogPrefix(root)}_last_checkpoint`;
}

export function walPrefix(root: string): string {
  return `${asDir(root)}_k3_wal/`;
}

export const LOG_FILE_KINDS = ['commit', 'checkpoint', 'multipart-checkpoint', 'uuid-checkpoint', 'crc', 'compacted'] as const;
export type LogFileKind = (typeof LOG_FILE_KINDS)[number];

export interface LogFileName {
  readonly version: number;
  readonly kind: LogFileKind;
  /** Multi-part checkpoints: 1-based part number and part count. */
  readonly part?: number;
  readonly parts?: number;
  /** Log compaction files `x.y.compacted.json`: `version` is x, `endVersion` is y (inclusive). */
  readonly endVersion?: number;
  /** V2 checkpoints `v.checkpoint.<uuid>.json|parquet`. */
  readonly uuid?: string;
}

const V = String.raw`(\d{20})`;
const COMMIT = new RegExp(`^${V}\\.json$`);
const CHECKPOINT = new RegExp(`^${V}\\.checkpoint\\.parquet$`);
const MULTIPART = new RegExp(`^${V}\\.checkpoint\\.(\\d{10})\\.(\\d{10})\\.parquet$`);
const UUID_CHECKPOINT = new RegExp(`^${V}\\.checkpoint\\.([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\\.(json|parquet)$`);
const CRC = new RegExp(`^${V}\\.crc$`);
const COMPACTED = new RegExp(`^${V}\\.${V}\\.compacted\\.json$`);

/**
 * Classifies a file name (the last key segment, or a full key) inside `_delta_log/`.
 * Returns undefined for anything else (`_last_checkpoint`, temp files, sidecar dirs).
 */
export function parseLogFileName(name: string): LogFileName | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const parsed = classify(base);
  // A 20-digit version beyond 2^53 cannot be represented exactly; no real table gets there.
  if (parsed === undefined || !Number.isSafeInteger(parsed.version)) return undefined;
  return parsed;
}

function classify(base: string): LogFileName | undefined {
  let m: RegExpExecArray | null;
  if ((m = COMMIT.exec(base))) return { version: Number(m[1]), kind: 'commit' };
  if ((m = CHECKPOINT.exec(base))) return { version: Number(m[1]), kind: 'checkpoint' };
  if ((m = MULTIPART.exec(base))) {
    const part = Number(m[2]);
    const parts = Number(m[3]);
    if (part < 1 || part > parts) return undefined;
    return { version: Number(m[1]), kind: 'multipart-checkpoint', part, parts };
  }
  if ((m = UUID_CHECKPOINT.exec(base))) return { version: Number(m[1]), kind: 'uuid-checkpoint', uuid: m[2] ?? '' };
  if ((m = CRC.exec(base))) return { version: Number(m[1]), kind: 'crc' };
  if ((m = COMPACTED.exec(base))) return { version: Number(m[1]), kind: 'compacted', endVersion: Number(m[2]) };
  return undefined;
}

/**
 * The bucket's Engine state (bucket-engine/): one object per generation,
 * `__k3_engine/<20-digit generation>.json`, each created by put-if-absent. `__k3_` names are
 * reserved, so the prefix can never be a table, whatever K3_TABLES_PREFIX is.
 */
export const ENGINE_STATE_PREFIX = '__k3_engine/';

export function engineStateKey(generation: number): string {
  return `${ENGINE_STATE_PREFIX}${pad(generation, VERSION_DIGITS, 'engine generation')}.json`;
}

/**
 * Pipeline-generated tables (pipeline/, docs/design/pipeline-tables.md): the ingest rules, scan
 * cursors, failed-object marks and run records of a bucket, under the reserved `__k3_pipeline/`
 * prefix (never a table, never matched by a rule's globs):
 *   __k3_pipeline/rules/<table>.json
 *   __k3_pipeline/state/<table>/cursor.json
 *   __k3_pipeline/state/<table>/failed/<sha256(key)>.json
 *   __k3_pipeline/state/<table>/runs/<inverted 16-digit ms>-<id>.json   (newest first when listed)
 */
export const PIPELINE_PREFIX = '__k3_pipeline/';

export function pipelineRuleKey(table: string): string {
  return `${PIPELINE_PREFIX}rules/${table}.json`;
}

export function pipelineStatePrefix(table: string): string {
  return `${PIPELINE_PREFIX}state/${table}/`;
}

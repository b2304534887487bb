/**
 * Checkpoint writer: a classic single-file Parquet checkpoint (`<v>.checkpoint.parquet`) of a
 * snapshot, then the `_last_checkpoint` hint.
 *
 * Contents (PROTOCOL.md "Checkpoints"): one row per action — protocol, metaData, txn per appId,
 * live add files, and the remove tombstones still inside `delta.deletedFileRetentionDuration`
 * (default 1 week; VACUUM needs them). Never commitInfo. Columns follow the protocol's checkpoint
 * schema (Spark's field names and order) with every field nullable: maps are Parquet MAPs of
 * string → string, `add.stats` is the JSON string (writeStatsAsJson; no stats_parsed), feature
 * lists are null below reader 3 / writer 7. Built as an Arrow table (apache-arrow) and written by
 * parquet-wasm, so it needs no DuckDB and is readable by Spark, delta-rs, DuckDB and our reader.
 *
 * Invariants: written only after the commit it covers exists; a classic checkpoint may be
 * rewritten by a racing writer with identical content ("latest writer wins", PROTOCOL.md), so a
 * plain put is enough. `_last_checkpoint` is only a hint and never moves backwards.
 */
import * as arrow from 'apache-arrow';
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import type { ObjectStore } from '../object-store/index.ts';
import { checkpointKey, lastCheckpointKey } from '../object-store/paths.ts';
import type { Metadata, Protocol, RemoveFile } from './actions.ts';
import { loadSnapshot, type Snapshot } from './snapshot.ts';
import { isExpiredRequestTxn } from './request-txns.ts';

const f = (name: string, type: arrow.DataType): arrow.Field => new arrow.Field(name, type, true);
const str = new arrow.Utf8();
const i64 = new arrow.Int64();
const i32 = new arrow.Int32();
const bool = new arrow.Bool();
const stringMap = (): arrow.Map_ => new arrow.Map_(new arrow.Field('key_value', new arrow.Struct([new arrow.Field('key', str, false), f('value', str)]), false));
const stringList = (): arrow.List => new arrow.List(f('element', str));

export const CHECKPOINT_SCHEMA = {
  txn: new arrow.Struct([f('appId', str), f('version', i64), f('lastUpdated', i64)]),
  add: new arrow.Struct([f('path', str), f('partitionValues', stringMap()), f('size', i64), f('modificationTime', i64), f('dataChange', bool), f('tags', stringMap()), f('stats', str)]),
  remove: new arrow.Struct([f('path', str), f('deletionTimestamp', i64), f('dataChange', bool), f('extendedFileMetadata', bool), f('partitionValues', stringMap()), f('size', i64)]),
  metaData: new arrow.Struct([
    f('id', str), f('name', str), f('description', str), f('format', new arrow.Struct([f('provider', str), f('options', stringMap())])),
    f('schemaString', str), f('partitionColumns', stringList()), f('configuration', stringMap()), f('createdTime', i64),
  ]),
  protocol: new arrow.Struct([f('minReaderVersion', i32), f('minWriterVersion', i32), f('readerFeatures', stringList()), f('writerFeatures', stringList())]),
} as const;

export const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 3600 * 1000;
const UNIT_MS: Record<string, number> = { millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

/** `interval 1 week` / `interval 168 hours` (Delta's CalendarInterval text) → ms; undefined when unparsable. */
export function parseDeltaInterval(text: string | undefined): number | undefined {
  const m = /^\s*(?:interval\s+)?(\d+)\s+(millisecond|second|minute|hour|day|week)s?\s*$/i.exec(text ?? '');
  if (!m) return undefined;
  return Number(m[1]) * (UNIT_MS[(m[2] ?? '').toLowerCase()] ?? 0);
}

const big = (n: number | null | undefined): bigint | null => (n === null || n === undefined ? null : BigInt(n));
const map = (r: Readonly<Record<string, string | null>> | null | undefined): Map<string, string | null> | null => (r ? new Map(Object.entries(r)) : null);

export interface CheckpointInfo {
  version: number;
  /** Number of actions (rows) in the checkpoint. */
  size: number;
  sizeInBytes: number;
  numOfAddFiles: number;
}

/** Tombstones a checkpoint must keep: removes newer than the retention cutoff. */
export function liveTombstones(snapshot: Snapshot, now: number): RemoveFile[] {
  const retention = parseDeltaInterval(snapshot.metadata.configuration['delta.deletedFileRetentionDuration']) ?? DEFAULT_TOMBSTONE_RETENTION_MS;
  return snapshot.tombstones.filter((t) => (t.deletionTimestamp ?? 0) > now - retention);
}

/** The checkpoint Parquet bytes and its row count. */
export function encodeCheckpoint(snapshot: Snapshot, now: number): { bytes: Uint8Array; size: number } {
  const rows: { txn?: unknown; add?: unknown; remove?: unknown; metaData?: unknown; protocol?: unknown }[] = [];
  const p: Protocol = snapshot.protocol;
  rows.push({ protocol: { minReaderVersion: p.minReaderVersion, minWriterVersion: p.minWriterVersion, readerFeatures: p.readerFeatures ?? null, writerFeatures: p.writerFeatures ?? null } });
  const m = snapshot.metadata;
  rows.push({ metaData: {
    id: m.id, name: m.name ?? null, description: m.description ?? null, format: { provider: m.format.provider, options: map(m.format.options ?? {}) },
    schemaString: m.schemaString, partitionColumns: [...m.partitionColumns], configuration: map(m.configuration ?? {}), createdTime: big(m.createdTime),
  } });
  for (const t of snapshot.txns.values()) if (!isExpiredRequestTxn(t, now)) rows.push({ txn: { appId: t.appId, version: big(t.version), lastUpdated: big(t.lastUpdated) } });
  for (const { add: a } of snapshot.files) {
    rows.push({ add: { path: a.path, partitionValues: map(a.partitionValues ?? {}), size: big(a.size), modificationTime: big(a.modificationTime), dataChange: a.dataChange, tags: map(a.tags), stats: a.stats ?? null } });
  }
  for (const r of liveTombstones(snapshot, now)) {
    rows.push({ remove: { path: r.path, deletionTimestamp: big(r.deletionTimestamp), dataChange: r.dataChange, extendedFileMetadata: r.extendedFileMetadata ?? null, partitionValues: map(r.partitionValues), size: big(r.size) } });
  }
  const columns: Record<string, arrow.Vector> = {};
  for (const [name, type] of Object.entries(CHECKPOINT_SCHEMA)) {
    columns[name] = arrow.vectorFromArray(rows.map((r) => (r as Record<string, unknown>)[name] ?? null), type);
  }
  const table = new arrow.Table(columns);
  const props = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).build();
  const bytes = writeParquet(WasmTable.fromIPCStream(arrow.tableToIPC(table, 'stream')), props);
  return { bytes, size: rows.length };
}

/** Writes `<v>.checkpoint.parquet` for the snapshot, then `_last_checkpoint` unless a newer one exists. */
export async function writeCheckpoint(store: ObjectStore, snapshot: Snapshot, now: number = Date.now()): Promise<CheckpointInfo> {
  const { bytes, size } = encodeCheckpoint(snapshot, now);
  await store.put(checkpointKey(snapshot.root, snapshot.version), bytes);
  const info: CheckpointInfo = { version: snapshot.version, size, sizeInBytes: bytes.byteLength, numOfAddFiles: snapshot.files.length };
  const hintKey = lastCheckpointKey(snapshot.root);
  const current = await store.get(hintKey);
  let currentVersion = -1;
  try {
    if (current !== undefined) currentVersion = Number((JSON.parse(new TextDecoder().decode(current)) as { version?: unknown }).version ?? -1);
  } catch {
    currentVersion = -1; // an unreadable hint is replaced
  }
  if (!(currentVersion > snapshot.version)) await store.put(hintKey, new TextEncoder().encode(JSON.stringify(info)));
  return info;
}

/**
 * Post-commit hook: checkpoint `version` when it is due (`version != 0 && version % interval == 0`,
 * interval from `delta.checkpointInterval`, else `defaultInterval`; Spark's cadence). Best effort:
 * errors go to `onError` and never reach the committer, whose commit has already succeeded.
 */
export async function checkpointIfDue(
  store: ObjectStore, root: string, version: number, metadata: Metadata, defaultInterval: number, now: number,
  onError?: (err: unknown, version: number) => void,
): Promise<CheckpointInfo | undefined> {
  const configured = Number(metadata.configuration?.['delta.checkpointInterval']);
  const interval = Number.isSafeInteger(configured) && configured > 0 ? configured : defaultInterval;
  if (version === 0 || !(interval > 0) || version % interval !== 0) return undefined;
  try {
    return await writeCheckpoint(store, await loadSnapshot(store, root, { version }), now);
  } catch (err) {
    onError?.(err, version);
    return undefined;
  }
}

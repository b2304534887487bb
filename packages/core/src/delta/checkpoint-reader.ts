/**
 * Read a classic (single-file or multi-part) Parquet checkpoint into actions.
 *
 * Decoding: parquet-wasm `readParquet` → Arrow IPC → apache-arrow `tableFromIPC`, then a
 * column-wise walk over the `add`, `remove`, `txn`, `protocol` and `metaData` struct columns
 * (missing columns read as null, as the protocol says). `add` rows, the bulk of a checkpoint, take
 * a fast path reading child vectors by index; the rare rows go through the generic `toPlain`.
 * When a checkpoint has `add.stats_parsed` but no JSON `stats`, the struct is converted to the
 * JSON stats shape (dates as 'YYYY-MM-DD', timestamps as ISO-8601 UTC, decimals as numbers) and
 * stored in `add.stats`, so that every consumer sees one stats format.
 */
import { tableFromIPC, type Vector } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { AppError } from '../errors/index.ts';
import type { ObjectStore } from '../object-store/index.ts';
import type { AddFile, DeletionVectorDescriptor, Metadata, Protocol, RemoveFile, Txn } from './actions.ts';
import { child, mapToRecord, num, readStringMaps, toPlain } from './arrow-values.ts';
import type { LogFile } from './log-segment.ts';

export interface CheckpointActions {
  readonly version: number;
  readonly adds: AddFile[];
  readonly removes: RemoveFile[];
  readonly txns: Txn[];
  protocol: Protocol | undefined;
  metadata: Metadata | undefined;
}

function readAdds(add: Vector, out: AddFile[]): void {
  const path = child(add, 'path');
  if (!path) return;
  const pv = child(add, 'partitionValues');
  const size = child(add, 'size');
  const mtime = child(add, 'modificationTime');
  const dataChange = child(add, 'dataChange');
  const stats = child(add, 'stats');
  const statsParsed = child(add, 'stats_parsed');
  const tags = child(add, 'tags');
  const dv = child(add, 'deletionVector');
  const n = add.length;
  const pvRows = pv ? readStringMaps(pv) : undefined;
  for (let i = 0; i < n; i++) {
    const p = path.get(i) as string | null;
    if (p === null) continue;
    const a: AddFile = {
      path: p,
      partitionValues: pvRows?.[i] ?? {},
      size: num(size?.get(i) ?? 0),
      modificationTime: num(mtime?.get(i) ?? 0),
      dataChange: (dataChange?.get(i) as boolean | null) ?? false,
    };
    const s = stats?.get(i) as string | null | undefined;
    if (s !== null && s !== undefined) a.stats = s;
    else if (statsParsed) {
      const sp = statsParsed.get(i);
      if (sp !== null && sp !== undefined) a.stats = JSON.stringify(toPlain(sp, statsParsed.type), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v));
    }
    const t = tags?.get(i);
    if (t !== null && t !== undefined) a.tags = mapToRecord(t) as Record<string, string>;
    const d = dv?.get(i);
    if (d !== null && d !== undefined && dv) a.deletionVector = toPlain(d, dv.type) as DeletionVectorDescriptor;
    out.push(a);
  }
}

function readRows<T>(col: Vector | null, out: T[], keep: (row: Record<string, unknown>) => boolean): void {
  if (!col) return;
  for (let i = 0; i < col.length; i++) {
    const r = col.get(i);
    if (r === null || r === undefined) continue;
    const plain = toPlain(r, col.type) as Record<string, unknown>;
    if (keep(plain)) out.push(plain as T);
  }
}

/** Decode one checkpoint part's bytes and append its actions to `into`. */
export function decodeCheckpointPart(bytes: Uint8Array, into: CheckpointActions, key = '?'): void {
  let table;
  try {
    table = tableFromIPC(readParquet(bytes).intoIPCStream());
  } catch (err) {
    throw new AppError('ERR_DELTA_LOG_CORRUPT', `Checkpoint ${key} is not a readable Parquet file: ${(err as Error).message ?? String(err)}`, { key }, { cause: err });
  }
  // Per record batch: indexing a many-chunk Vector binary-searches the chunk on every get().
  for (const batch of table.batches) {
    const add = batch.getChild('add');
    if (add) readAdds(add as Vector, into.adds);
  }
  readRows<RemoveFile>(table.getChild('remove') as Vector | null, into.removes, (r) => typeof r.path === 'string');
  readRows<Txn>(table.getChild('txn') as Vector | null, into.txns, (r) => typeof r.appId === 'string');
  const protocols: Protocol[] = [];
  readRows<Protocol>(table.getChild('protocol') as Vector | null, protocols, (r) => typeof r.minReaderVersion === 'number');
  for (const p of protocols) {
    // Null feature lists in checkpoints mean "absent" (PROTOCOL.md: must be null below reader 3 / writer 7).
    if (p.readerFeatures === null) delete p.readerFeatures;
    if (p.writerFeatures === null) delete p.writerFeatures;
    into.protocol = p;
  }
  const metas: Metadata[] = [];
  readRows<Metadata>(table.getChild('metaData') as Vector | null, metas, (r) => typeof r.id === 'string');
  for (const m of metas) into.metadata = m;
}

/** Fetch and decode every part of a checkpoint. */
export async function readCheckpoint(store: ObjectStore, version: number, files: readonly LogFile[]): Promise<CheckpointActions> {
  const out: CheckpointActions = { version, adds: [], removes: [], txns: [], protocol: undefined, metadata: undefined };
  const parts = await Promise.all(files.map(async (f) => ({ f, bytes: await store.get(f.key) })));
  for (const { f, bytes } of parts) {
    if (bytes === undefined) {
      throw new AppError('ERR_DELTA_LOG_CORRUPT', `Checkpoint part ${f.key} disappeared while reading; retry, and if it persists the log is damaged.`, { key: f.key });
    }
    decodeCheckpointPart(bytes, out, f.key);
  }
  return out;
}


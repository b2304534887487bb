/**
 * Cheap long Delta logs for paging and time-travel tests: commits written as JSON lines directly
 * (no data files; the adds point at names that never existed), checkpoints encoded by the real
 * checkpoint writer every `checkpointInterval` versions. Commit timestamps are
 * `baseTime + version * 1000` (in-commit timestamps), so version ↔ time is known exactly.
 * Each commit adds one file and removes the one added `liveFiles` versions earlier, so snapshots
 * stay small while the log grows. Checkpoints hold no tombstones (as if they were past retention).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Action, AddFile, Metadata } from '../../../src/delta/actions.ts';
import { encodeCheckpoint } from '../../../src/delta/checkpoint-writer.ts';
import { serializeActions } from '../../../src/delta/commit.ts';
import type { Snapshot } from '../../../src/delta/snapshot.ts';
import type { ObjectStore } from '../../../src/object-store/object-store.ts';
import { checkpointKey, commitKey, lastCheckpointKey } from '../../../src/object-store/paths.ts';
import { LocalObjectStore } from '../../../src/object-store/local-object-store.ts';

export const SYNTHETIC_BASE_TIME = Date.UTC(2025, 0, 1);

export interface SyntheticLogOptions {
  readonly versions: number;
  readonly checkpointInterval: number;
  readonly liveFiles?: number;
}

/** Writes without fsync on a LocalObjectStore (test speed); plain put elsewhere. */
function fastPut(store: ObjectStore): (key: string, body: Uint8Array) => Promise<void> {
  if (store instanceof LocalObjectStore) {
    return async (key, body) => {
      const file = join(store.rootDir, ...key.split('/'));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, body);
    };
  }
  return (key, body) => store.put(key, body);
}

const schemaString = JSON.stringify({ type: 'struct', fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }] });
const fileName = (v: number): string => `part-${String(v).padStart(6, '0')}.parquet`;

export function syntheticTimestamp(version: number): number {
  return SYNTHETIC_BASE_TIME + version * 1000;
}

export async function writeSyntheticLog(store: ObjectStore, root: string, opts: SyntheticLogOptions): Promise<void> {
  const put = fastPut(store);
  const live = opts.liveFiles ?? 3;
  const protocol = { minReaderVersion: 1, minWriterVersion: 2 };
  const metadata: Metadata = { id: 'synthetic', format: { provider: 'parquet', options: {} }, schemaString, partitionColumns: [], configuration: {}, createdTime: SYNTHETIC_BASE_TIME };
  const liveAdds = new Map<string, AddFile>();
  for (let v = 0; v < opts.versions; v++) {
    const ts = syntheticTimestamp(v);
    const actions: Action[] = [];
    if (v === 0) {
      actions.push({ commitInfo: { timestamp: ts, inCommitTimestamp: ts, operation: 'CREATE TABLE', operationParameters: {}, operationMetrics: {}, engineInfo: 'synthetic' } });
      actions.push({ protocol }, { metaData: metadata });
    } else {
      actions.push({ commitInfo: { timestamp: ts, inCommitTimestamp: ts, operation: 'WRITE', operationParameters: { mode: 'Append' }, operationMetrics: { numFiles: '1', numOutputRows: String(v) }, readVersion: v - 1, engineInfo: 'synthetic', userMetadata: `{"batch":${v}}` } });
      if (v - live >= 1) {
        actions.push({ remove: { path: fileName(v - live), deletionTimestamp: ts, dataChange: true } });
        liveAdds.delete(fileName(v - live));
      }
      const add: AddFile = { path: fileName(v), partitionValues: {}, size: 100 + v, modificationTime: ts, dataChange: true, stats: `{"numRecords":${v},"minValues":{"id":0},"maxValues":{"id":${v}},"nullCount":{"id":0}}` };
      actions.push({ add });
      liveAdds.set(add.path, add);
    }
    await put(commitKey(root, v), serializeActions(actions));
    if (v > 0 && v % opts.checkpointInterval === 0) {
      // The live state is known here, so the checkpoint is encoded from it without replaying the log.
      const snapshot = { root, version: v, protocol, metadata, txns: new Map(), tombstones: [], files: [...liveAdds.values()].map((add) => ({ add })) } as unknown as Snapshot;
      const { bytes, size } = encodeCheckpoint(snapshot, ts);
      await put(checkpointKey(root, v), bytes);
      await put(lastCheckpointKey(root), new TextEncoder().encode(JSON.stringify({ version: v, size })));
    }
  }
}

/**
 * The housekeeping after a drain's commit: write the drained marker for `watermark`, then delete
 * drained record objects (seq ≤ watermark). Order matters: a writer that wins a freed slot must be
 * able to see a marker ≥ that slot (wal-writer.ts), so no slot is freed before its marker exists.
 * Idempotent: a crash anywhere here is finished by the next drain.
 */
import type { ObjectStore } from '../object-store/index.ts';
import { maxDrainedMarker, writeDrainedMarker } from '../wal/drained-markers.ts';
import type { DrainHooks } from './drain-hooks.ts';

export async function finishDrain(store: ObjectStore, root: string, tableId: string, watermark: number, drainedKeys: readonly string[], opts: { hooks?: DrainHooks; deleteChunkSize?: number } = {}): Promise<void> {
  const chunk = Math.max(1, opts.deleteChunkSize ?? 500);
  if (watermark > 0 && (drainedKeys.length > 0 || (await maxDrainedMarker(store, root, tableId)) < watermark)) {
    await writeDrainedMarker(store, root, tableId, watermark);
  }
  for (let i = 0; i < drainedKeys.length; i += chunk) {
    await store.deleteMany(drainedKeys.slice(i, i + chunk));
    if (i === 0) await opts.hooks?.duringDelete?.();
  }
}

/**
 * sweepJobResults: deletes spilled scan results (`_k3/results/`) older than `maxAgeMs`, which only
 * exist when a coordinator died between a worker's put and its own delete. Run periodically by a
 * long-lived process (the worker service does, per bucket it has seen). Returns the keys deleted.
 */
import { JOB_RESULTS_PREFIX } from '../jobs/index.ts';
import type { ObjectStore } from '../object-store/index.ts';

export async function sweepJobResults(store: ObjectStore, maxAgeMs: number, now = Date.now()): Promise<string[]> {
  const listed = await store.list(JOB_RESULTS_PREFIX);
  const stale = listed.objects.filter((o) => now - o.lastModified > maxAgeMs).map((o) => o.key);
  if (stale.length > 0) await store.deleteMany(stale);
  return stale;
}

/**
 * checkDeltaLog: the whole-table log check the fault tests end with — every commit file from the
 * first one the snapshot needs passes the protocol validator, versions are contiguous, the snapshot
 * loads, and every live data file exists. Returns the problems found ([] = healthy).
 */
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { resolveDataFileKey } from '../../src/delta/partition-values.ts';
import { validateCommit } from '../../src/delta/validator.ts';
import type { ObjectStore } from '../../src/object-store/index.ts';
import { deltaLogPrefix, parseLogFileName } from '../../src/object-store/paths.ts';

export async function checkDeltaLog(store: ObjectStore, root: string): Promise<string[]> {
  const issues: string[] = [];
  const snapshot = await loadSnapshot(store, root);
  const { objects } = await store.list(deltaLogPrefix(root));
  const versions: number[] = [];
  for (const o of objects) {
    const name = parseLogFileName(o.key.slice(deltaLogPrefix(root).length));
    if (name?.kind !== 'commit') continue;
    versions.push(name.version);
    const body = await store.get(o.key);
    if (body === undefined) continue;
    for (const issue of validateCommit(body, name.version, { partitionColumns: snapshot.partitionColumns })) issues.push(`v${name.version}: ${issue}`);
  }
  versions.forEach((v, i) => {
    if (i > 0 && v !== versions[i - 1]! + 1) issues.push(`gap in versions before ${v}`);
  });
  if (versions.at(-1) !== snapshot.version) issues.push(`latest commit ${String(versions.at(-1))} but snapshot version ${snapshot.version}`);
  for (const f of snapshot.files) {
    const key = resolveDataFileKey(f.add.path, snapshot.root, store.url);
    if ((await store.head(key)) === undefined) issues.push(`live file missing: ${key}`);
  }
  return issues;
}

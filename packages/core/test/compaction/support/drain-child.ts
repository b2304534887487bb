/**
 * A compactor process for crash tests: drains `root` in a LocalObjectStore directory and, at the
 * given step, writes `<dir>/reached` and then hangs until the parent SIGKILLs it.
 * Usage: node drain-child.ts <storeDir> <root> <workDir> <step>
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drainTable } from '../../../src/compaction/drain.ts';
import type { DrainHooks } from '../../../src/compaction/drain-hooks.ts';
import { createDuckDB } from '../../../src/exec/duckdb-instance.ts';
import { FileCache } from '../../../src/exec/file-cache.ts';
import { LocalObjectStore } from '../../../src/object-store/local-object-store.ts';

const [storeDir, root, workDir, step] = process.argv.slice(2) as [string, string, string, keyof DrainHooks];
const store = new LocalObjectStore(storeDir);
const db = await createDuckDB({ threads: 1 });
const cache = new FileCache({ dir: join(workDir, 'cache'), maxBytes: 1 << 30 });
const hang = (): Promise<void> => {
  writeFileSync(join(workDir, 'reached'), step);
  return new Promise(() => setInterval(() => undefined, 1000));
};
await drainTable(store, root, { batchSize: 1000, deleteChunkSize: 1, hooks: { [step]: hang } }, { transaction: { maxRetries: 10, checkpointInterval: 10 }, db, cache, tmpDir: join(workDir, 'tmp') });
writeFileSync(join(workDir, 'reached'), 'finished');

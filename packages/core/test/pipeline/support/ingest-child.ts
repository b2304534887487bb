/**
 * An ingesting process for the kill -9 test: an Engine over the bucket store the parent describes
 * in the environment (K3_STORE=local + K3_DATA_DIR, or K3_STORE=s3 + endpoint and credentials),
 * scanning every pipeline rule of `bucket` in a loop (small batches, so it is usually in the middle
 * of a commit), printing one line per scan, until the parent SIGKILLs it.
 * Usage: K3_STORE=… node ingest-child.ts <cacheDir> <bucket>
 */
import { loadConfig } from '../../../src/config/index.ts';
import { createDuckDB, FileCache } from '../../../src/exec/index.ts';
import { createBucketStoreFactory } from '../../../src/object-store/index.ts';
import { Engine } from '../../../src/sql/index.ts';

const [cacheDir, bucket] = process.argv.slice(2) as [string, string];
const config = loadConfig({ ...process.env, K3_CACHE_DIR: cacheDir, K3_PIPELINE_BATCH_OBJECTS: '7', K3_PIPELINE_SCAN_PAGE: '50' });
const db = await createDuckDB({ threads: 1, allowedDirectories: [config.K3_DATA_DIR, cacheDir] });
const engine = new Engine({ stores: createBucketStoreFactory(config), db, cache: new FileCache({ dir: `${cacheDir}/files`, maxBytes: 1 << 30 }), config });
for (;;) {
  const out = await engine.pipelines.scanBucket(bucket);
  process.stdout.write(`${JSON.stringify(out.map((o) => o.outcome?.runs.length ?? String(o.error)))}\n`);
}

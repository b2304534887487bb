/**
 * A compactor crash at every step of a drain of a table with the Change Data Feed on — including
 * right after the change data files were uploaded but before the commit — then a re-run: every
 * change is recorded exactly once (the feed equals the differences between consecutive versions,
 * and the batch lands in one MERGE version). Why it holds: the `cdc` actions are part of the
 * drain's single Delta commit (put-if-absent), so before it nothing is recorded (uploaded change
 * files are orphans no commit references) and after it the watermark says "drained".
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChangeDataStager } from '../../src/cdf/index.ts';
import { drainTable } from '../../src/compaction/drain.ts';
import type { DrainHooks } from '../../src/compaction/drain-hooks.ts';
import type { ChangeDataStager, TransactionOptions } from '../../src/delta/index.ts';
import { createDuckDB, FileCache, type K3DuckDB } from '../../src/exec/index.ts';
import type { RewriteDeps } from '../../src/maintenance/maintenance-deps.ts';
import { LocalObjectStore } from '../../src/object-store/index.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';
import { expectFeedLaw } from './support/feed-law.ts';

type Step = keyof DrainHooks | 'afterChangeData';
const STEPS: Step[] = ['afterRead', 'afterWrite', 'afterChangeData', 'afterCommit', 'duringDelete'];

let h: Harness;
let db: K3DuckDB;
let store: LocalObjectStore;
let cache: FileCache;
let tmpDir: string;

beforeAll(async () => {
  h = await createHarness({}, { drainLogWrites: false });
  db = await createDuckDB({ threads: 1 });
  store = new LocalObjectStore(path.join(h.dir, 'data', h.bucket));
  tmpDir = path.join(h.dir, 'crash-tmp');
  await mkdir(tmpDir, { recursive: true });
  cache = new FileCache({ dir: path.join(h.dir, 'crash-cache'), maxBytes: 1 << 30 });
});
afterAll(async () => {
  db?.closeSync();
  await h?.close();
});

function deps(changeData: ChangeDataStager): RewriteDeps {
  const transaction: TransactionOptions = { maxRetries: 10, checkpointInterval: 10, changeData };
  return { db, cache, tmpDir, transaction };
}

describe('drain crash with the Change Data Feed on', () => {
  // Both folds: the JS one (small batches) and the DuckDB one (compaction/drain-fold.ts, forced here).
  for (const [mode, fold] of [['', {}], [' (folded in DuckDB)', { duckdbFoldMinRows: 1 }]] as const) for (const step of STEPS) {
    it(`crash ${step}${mode}, then re-run: each change recorded once`, async () => {
      const t = `crash_${step.toLowerCase()}${mode === '' ? '' : '_duckdb'}`;
      await h.ddl(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name VARCHAR, n INTEGER) WITH ('delta.enableChangeDataFeed' = true)`);
      await h.exec(`INSERT INTO ${t} VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0)`);
      const root = `tables/${t}/`;
      const stager = createChangeDataStager({ db, cache, tmpDir });
      await drainTable(store, root, { ...fold, batchSize: 100 }, deps(stager));
      // The batch under test: an update, a delete, an insert and an upsert of an existing key.
      await h.exec(`UPDATE ${t} SET name = 'z', n = n + 1 WHERE id = 1`);
      await h.exec(`DELETE FROM ${t} WHERE id = 2`);
      await h.exec(`INSERT INTO ${t} VALUES (4, 'd', 0)`);
      await h.exec(`INSERT OR REPLACE INTO ${t} VALUES (3, 'c', 7)`);
      const crash = (): never => {
        throw new Error(`crash ${step}`);
      };
      const crashing: ChangeDataStager = step === 'afterChangeData' ? async (req) => { await stager(req); return crash(); } : stager;
      const hooks: DrainHooks = step === 'afterChangeData' ? {} : { [step]: crash };
      await expect(drainTable(store, root, { ...fold, batchSize: 100, deleteChunkSize: 1, hooks }, deps(crashing))).rejects.toThrow(`crash ${step}`);
      const rerun = await drainTable(store, root, { ...fold, batchSize: 100 }, deps(stager));
      const committed = step === 'afterCommit' || step === 'duringDelete';
      expect(rerun.walEntriesProcessed).toBe(committed ? 0 : 4);
      const counts = await expectFeedLaw(h, t, true, `crash ${step}`);
      const merges = (await h.query(`SELECT version FROM k3_history('${t}') WHERE operation = 'MERGE' ORDER BY version`)).rows.map((r) => Number(r[0]));
      expect(merges).toHaveLength(2);
      const batch = await h.query(`SELECT id, name, n, _change_type FROM table_changes('${t}', ${merges[1]}) ORDER BY id, _change_type`);
      expect(batch.rows).toEqual([
        [1, 'z', 1, 'update_postimage'], [1, 'a', 0, 'update_preimage'],
        [2, 'b', 0, 'delete'],
        [3, 'c', 7, 'update_postimage'], [3, 'c', 0, 'update_preimage'],
        [4, 'd', 0, 'insert'],
      ]);
      expect(counts.get('insert')).toBe(4);
    });
  }
});

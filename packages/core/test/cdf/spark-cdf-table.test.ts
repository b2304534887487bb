/**
 * The Change Data Feed of a table Spark wrote (shared conformance table `rs-cdf-table`: Spark
 * 3.5 / Delta 3.0, partitioned by `birthday`, UPDATEs and a DELETE with `_change_data/` files)
 * read through `table_changes`: rows, change types, versions and commit timestamps exactly as
 * delta-rs's `load_cdf` tests state them (crates/core/src/operations/load_cdf.rs). Then k3 writes
 * to the same (writer version 4) table and its own changes continue the feed.
 */
import { cp, utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';

const SOURCE = path.resolve(import.meta.dirname, '../../../../../shared/delta-tables/rs-cdf-table');

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  const root = path.join(h.dir, 'data', h.bucket, 'tables', 'cdf');
  await cp(SOURCE, root, { recursive: true });
  // Spark's tables have no in-commit timestamps: timestamp resolution uses the commit files'
  // mtimes, which git does not keep (INDEX.md). Set them to the commits' timestamps.
  const times = [1703265018828, 1703265021675, 1703886093785, 1704559499570];
  for (const [v, ms] of times.entries()) await utimes(path.join(root, '_delta_log', `${String(v).padStart(20, '0')}.json`), ms / 1000, ms / 1000);
});
afterAll(async () => {
  await h?.close();
});

const sorted = (rows: unknown[][]): string[] => rows.map((r) => r.join('|')).sort();

/** delta-rs load_cdf expectations: id | name | birthday | _change_type | _commit_version | _commit_timestamp (UTC). */
const SPARK_FEED = [
  '1|Steve|2023-12-22|insert|0|2023-12-22 17:10:18.828', '2|Bob|2023-12-23|insert|0|2023-12-22 17:10:18.828',
  '3|Dave|2023-12-23|insert|0|2023-12-22 17:10:18.828', '4|Kate|2023-12-23|insert|0|2023-12-22 17:10:18.828',
  '5|Emily|2023-12-24|insert|0|2023-12-22 17:10:18.828', '6|Carl|2023-12-24|insert|0|2023-12-22 17:10:18.828',
  '7|Dennis|2023-12-24|insert|0|2023-12-22 17:10:18.828', '8|Claire|2023-12-25|insert|0|2023-12-22 17:10:18.828',
  '9|Ada|2023-12-25|insert|0|2023-12-22 17:10:18.828', '10|Borb|2023-12-25|insert|0|2023-12-22 17:10:18.828',
  '2|Bob|2023-12-22|update_postimage|1|2023-12-22 17:10:21.675', '2|Bob|2023-12-23|update_preimage|1|2023-12-22 17:10:21.675',
  '3|Dave|2023-12-22|update_postimage|1|2023-12-22 17:10:21.675', '3|Dave|2023-12-23|update_preimage|1|2023-12-22 17:10:21.675',
  '4|Kate|2023-12-22|update_postimage|1|2023-12-22 17:10:21.675', '4|Kate|2023-12-23|update_preimage|1|2023-12-22 17:10:21.675',
  '5|Emily|2023-12-24|update_preimage|2|2023-12-29 21:41:33.785', '5|Emily|2023-12-29|update_postimage|2|2023-12-29 21:41:33.785',
  '6|Carl|2023-12-24|update_preimage|2|2023-12-29 21:41:33.785', '6|Carl|2023-12-29|update_postimage|2|2023-12-29 21:41:33.785',
  '7|Dennis|2023-12-24|update_preimage|2|2023-12-29 21:41:33.785', '7|Dennis|2023-12-29|update_postimage|2|2023-12-29 21:41:33.785',
  '7|Dennis|2023-12-29|delete|3|2024-01-06 16:44:59.57',
];

describe('rs-cdf-table (written by Spark)', () => {
  it('reads every version as Spark wrote it', async () => {
    const q = await h.query("SELECT id, name, birthday, _change_type, _commit_version, _commit_timestamp FROM table_changes('cdf', 0)");
    expect(q.columns.map((c) => c.name)).toEqual(['id', 'name', 'birthday', '_change_type', '_commit_version', '_commit_timestamp']);
    expect(sorted(q.rows)).toEqual([...SPARK_FEED].sort());
  });

  it('reads a sub-range, by version and by timestamp', async () => {
    const v12 = await h.query("SELECT id, _change_type, _commit_version FROM table_changes('cdf', 1, 2)");
    expect(sorted(v12.rows)).toEqual(SPARK_FEED.filter((r) => /\|[12]\|20/.test(r)).map((r) => { const c = r.split('|'); return [c[0], c[3], c[4]].join('|'); }).sort());
    // delta-rs test_load_local_datetime: starting at version 0, ending at 2023-12-22T17:10:21.675 → versions 0 and 1.
    const byTime = await h.query("SELECT DISTINCT _commit_version FROM table_changes('cdf', 0, '2023-12-22T17:10:21.675Z') ORDER BY 1");
    expect(byTime.rows).toEqual([['0'], ['1']]);
    const fromTime = await h.query("SELECT DISTINCT _commit_version FROM table_changes('cdf', '2023-12-22T17:10:20Z') ORDER BY 1");
    expect(fromTime.rows).toEqual([['1'], ['2'], ['3']]);
  });

  it('works anywhere in a SELECT (join with the table, aggregate, CTE)', async () => {
    const q = await h.query(`WITH c AS (SELECT * FROM table_changes('cdf', 2, 3))
      SELECT c._change_type, count(*) AS n, count(t.id) AS still_there FROM c LEFT JOIN cdf t USING (id) GROUP BY ALL ORDER BY 1`);
    expect(q.rows).toEqual([['delete', '1', '0'], ['update_postimage', '3', '2'], ['update_preimage', '3', '2']]);
  });

  it('k3 writes to the writer-4 table and records its own changes the same way', async () => {
    const w = await h.write("UPDATE cdf SET name = 'Robert' WHERE id = 2");
    expect(w.version).toBe(4);
    await h.write("INSERT INTO cdf VALUES (11, 'Zed', DATE '2024-01-01')");
    const q = await h.query("SELECT id, name, birthday, _change_type, _commit_version FROM table_changes('cdf', 4) ORDER BY _commit_version, _change_type");
    // No primary key: the UPDATE pairs its images by DuckDB rowid, as Spark pairs them physically.
    expect(q.rows).toEqual([
      [2, 'Robert', '2023-12-22', 'update_postimage', '4'],
      [2, 'Bob', '2023-12-22', 'update_preimage', '4'],
      [11, 'Zed', '2024-01-01', 'insert', '5'],
    ]);
  });

  it('refuses a range beyond the latest version', async () => {
    try {
      await h.query("SELECT * FROM table_changes('cdf', 0, 99)");
      throw new Error('expected an error');
    } catch (err) {
      expect(isAppError(err) ? err.code : err).toBe('ERR_DELTA_VERSION_NOT_FOUND');
    }
  });
});

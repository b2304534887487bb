/**
 * A hot file's successor is hot (issue 14, STRONG point lookups right after a drain;
 * docs/design/hot-path.md, "Round 8"). A keyed table of two Delta files with disjoint key ranges;
 * one is held in the point lookups' decoded-file cache. A drain then rewrites that file: the first
 * lookup that reads the table at the new snapshot (here a key of the OTHER file) drops the old
 * table and loads the new file covering its key range in the background, so the new file's FIRST
 * lookup is answered from the cache — exactly (the drained update is there, the old file's table
 * is never asked). Without the successor load it reads Parquet (a file is built on its second read).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await createHarness({}, { drainLogWrites: false });
});
afterAll(async () => {
  await h?.close();
});

async function lookup(id: number): Promise<{ rows: number[][]; reason: string }> {
  const r = await h.engine.execute({ bucket: h.bucket, sql: `SELECT id, v FROM kv WHERE id = ${id}`, freshness: Freshness.STRONG });
  if (!('query' in r)) throw new Error('not a query');
  const reason = r.query.strategyReason;
  expect(reason, 'the point-lookup fast path answered').toContain('point lookup');
  return { rows: r.query.rows.map((row) => row.map(Number)), reason };
}

const drain = async (): Promise<void> => {
  while ((await h.engine.compact(h.bucket, 'kv')).truncated);
};

describe('decoded-file cache: the successor of a cached file', () => {
  it('is served from the cache on its first lookup after a drain rewrites the cached file', async () => {
    await h.ddl('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT)');
    await h.write('INSERT INTO kv SELECT i, i FROM range(1, 3001) t(i)');
    await drain();
    await h.write('INSERT INTO kv SELECT i, i FROM range(100001, 103001) t(i)');
    await drain();

    // The low file: read twice from Parquet, then built; the third lookup hits.
    expect((await lookup(5)).rows).toEqual([[5, 5]]);
    expect((await lookup(6)).rows).toEqual([[6, 6]]);
    await h.engine.lookupCacheSettled();
    const hot = await lookup(7);
    expect(hot.rows).toEqual([[7, 7]]);
    expect(hot.reason).toContain('decoded-file cache');

    // A drain rewrites the low file (an update and a delete in its range).
    await h.write('UPDATE kv SET v = 1005 WHERE id = 5');
    await h.write('DELETE FROM kv WHERE id = 9');
    await drain();

    // A lookup of the other file moves the lookups to the new snapshot; the successor loads meanwhile.
    const other = await lookup(100_002);
    expect(other.rows).toEqual([[100_002, 100_002]]);
    expect(other.reason).not.toContain('decoded-file cache');
    await h.engine.lookupCacheSettled();

    // The successor's first lookup: from the cache, and exact.
    const first = await lookup(5);
    expect(first.rows).toEqual([[5, 1005]]);
    expect(first.reason).toContain('decoded-file cache');
    expect(await lookup(9)).toMatchObject({ rows: [] });
    const again = await lookup(8);
    expect(again.rows).toEqual([[8, 8]]);
    expect(again.reason).toContain('decoded-file cache');
  }, 60_000);
});

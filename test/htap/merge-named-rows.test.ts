/**
 * A scoped keyed MERGE loads the STRONG rows of the keys its source names from the warm state's
 * overlay and the Delta files that may hold them, without binding a STRONG view
 * (packages/core/src/sql/named-rows-load.ts; docs/design/hot-path.md, "Concurrent MERGE ingest").
 * Proven against DuckDB itself over Delta rows in two files, un-drained updates, tombstones, rows a
 * SECOND coordinator wrote (its own engine and warm state on the same bucket), new keys, keys the
 * MERGE creates without naming them (clash check), duplicate source keys, conditions and an unscoped
 * MERGE (NOT MATCHED BY SOURCE); then the other coordinator must read exactly the same table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import type { Engine } from '../../packages/core/src/sql/index.ts';
import type { Harness } from '../../packages/core/test/sql/engine-harness.ts';
import type { DuckDBCalls } from '../../packages/core/test/sql/duckdb-call-counter.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';
import type { DuckDBReference } from '../support/duckdb-reference.ts';
import { countedEngine, otherCoordinator, type CountedEngine } from './counted-engine.ts';

let c: CountedEngine;
let h: Harness;
let ref: DuckDBReference;
let counter: DuckDBCalls;
let rows: CountedEngine['rows'];
let other: Awaited<ReturnType<typeof otherCoordinator>>;
beforeAll(async () => {
  c = await countedEngine();
  ({ h, ref, counter, rows } = c);
  // A second coordinator: its own engine, DuckDB, warm state and write-log writer on the same bucket.
  other = await otherCoordinator(h);
});
afterAll(async () => {
  await other?.close();
  await c?.close();
});

/** The statement on k3 and on DuckDB: same rows affected, or both refuse (k3 with a stable code). */
async function both(sql: string, engine: Engine = h.engine): Promise<string[]> {
  const expected = await ref.rowsAffected(sql).then((n) => String(n), (e: Error) => `error: ${e.message.split('\n')[0]}`);
  counter.reset();
  const got = await engine.execute({ bucket: h.bucket, sql }).then((r) => ('write' in r ? String(r.write.rowsAffected) : 'no write'), (e: { code?: string }) => `error ${e.code}`);
  if (expected.startsWith('error')) expect(got, `${sql}\nDuckDB: ${expected}`).toMatch(/^error ERR_/);
  else expect(got, sql).toBe(expected);
  return [...counter.calls];
}

const namedLoad = (calls: readonly string[]): boolean => calls.some((s) => s.includes('__k3_named_')) && !calls.some((s) => s.includes('__k3_strong_'));

describe('a scoped keyed MERGE', () => {
  it('loads the named keys without a STRONG view and leaves the table as DuckDB would', async () => {
    const create = 'CREATE TABLE mg (id BIGINT PRIMARY KEY, name VARCHAR, n INTEGER)';
    await h.ddl(create);
    await ref.run(create);
    // Two Delta files with disjoint key ranges (the key locator picks between them).
    await both("INSERT INTO mg SELECT i, 'delta' || i, i FROM range(1, 501) t(i)");
    while ((await h.engine.compact(h.bucket, 'mg')).truncated);
    await both("INSERT INTO mg SELECT i, 'delta' || i, i FROM range(501, 1001) t(i)");
    while ((await h.engine.compact(h.bucket, 'mg')).truncated);
    for (const sql of [
      "UPDATE mg SET name = 'log' || id WHERE id BETWEEN 10 AND 20", // un-drained updates of Delta keys
      'DELETE FROM mg WHERE id BETWEEN 30 AND 35', // tombstones
      "INSERT INTO mg SELECT i, 'new' || i, i FROM range(2001, 2011) t(i)", // un-drained new keys
    ]) await both(sql);
    // Acknowledged by the other coordinator: this one's warm state must see them.
    await both("INSERT OR REPLACE INTO mg VALUES (40, 'other', 4), (2020, 'other', 5)", other.engine);
    await both("UPDATE mg SET n = -1 WHERE id = 2005", other.engine);

    const ingest = "MERGE INTO mg AS t USING (VALUES (5, 'a', 1), (12, 'b', 2), (31, 'c', 3), (40, 'd', 4), (700, 'e', 5), (2005, 'f', 6), (2020, 'g', 7), (3000, 'h', 8)) AS s(id, name, n) ON t.id = s.id WHEN MATCHED AND t.n > 600 THEN DELETE WHEN MATCHED THEN UPDATE SET name = s.name, n = t.n + s.n WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, s.n)";
    expect(namedLoad(await both(ingest)), 'the MERGE loads its keys without a STRONG view').toBe(true);
    expect(await rows('SELECT id, name, n FROM mg WHERE id IN (5, 12, 31, 40, 700, 2005, 2020, 3000) ORDER BY id')).toEqual((await ref.run('SELECT id, name, n FROM mg WHERE id IN (5, 12, 31, 40, 700, 2005, 2020, 3000) ORDER BY id')).rows);
    for (const sql of [
      // the source inserts a key twice: refused (a source row updating one target row twice is not
      // compared: DuckDB then keeps either row, with or without the PRIMARY KEY)
      "MERGE INTO mg AS t USING (VALUES (3001, 'x', 1), (3001, 'y', 2)) AS s(id, name, n) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, s.n)",
      // creates keys it did not name: 101 (Delta) and 2003 (un-drained) clash, 4500 does not
      "MERGE INTO mg AS t USING (VALUES (4001, 'z', 0)) AS s(id, name, n) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id - 3900, s.name, s.n)",
      "MERGE INTO mg AS t USING (VALUES (4003, 'z', 0)) AS s(id, name, n) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id - 2000, s.name, s.n)",
      "MERGE INTO mg AS t USING (VALUES (4004, 'z', 0)) AS s(id, name, n) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id + 496, s.name, s.n)",
      // an UPDATE assigning the key moves the row (its old key is a tombstone; merge-keeps-keys.ts
      // must not skip it), quoted and upper-cased too; a MERGE assigning no key removes none
      "MERGE INTO mg AS t USING (VALUES (12, 'moved', 0)) AS s(id, name, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name, id = s.id + 6000",
      "MERGE INTO mg AS t USING (VALUES (40, 'moved', 0)) AS s(id, name, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET \"ID\" = CASE WHEN s.n = 0 THEN s.id + 6000 ELSE s.id END",
      "MERGE INTO mg AS t USING (VALUES (41, 'kept', 0), (6041, 'new', 1)) AS s(id, name, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name, n = CAST(s.n AS INTEGER) WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, s.n)",
      // a tombstoned key comes back; a new key re-inserted after the other coordinator's write
      "MERGE INTO mg AS t USING (VALUES (33, 'back', 0), (2020, 'again', 0)) AS s(id, name, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, s.n)",
    ]) await both(sql);
    // Unscoped (NOT MATCHED BY SOURCE reads every row): a STRONG view over a full state.
    const unscoped = await both("MERGE INTO mg AS t USING (VALUES (900, 'u', 0)) AS s(id, name, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED BY SOURCE AND t.id BETWEEN 950 AND 955 THEN DELETE");
    expect(namedLoad(unscoped)).toBe(false);

    const expected = (await ref.run('SELECT id, name, n FROM mg ORDER BY id')).rows;
    expect(await rows('SELECT id, name, n FROM mg ORDER BY id')).toEqual(expected);
    // The other coordinator reads every write acknowledged before its read began.
    const fromOther = await other.engine.execute({ bucket: h.bucket, sql: 'SELECT id, name, n FROM mg ORDER BY id', freshness: Freshness.STRONG });
    expect('query' in fromOther ? wireRows(fromOther.query) : undefined).toEqual(expected);
    while ((await h.engine.compact(h.bucket, 'mg')).truncated);
    expect(await rows('SELECT id, name, n FROM mg ORDER BY id', Freshness.EVENTUAL)).toEqual(expected);
  });
});

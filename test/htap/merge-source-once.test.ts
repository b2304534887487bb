/**
 * A scoped keyed MERGE runs its source ONCE (docs/design/hot-path.md, "MERGE: the source runs
 * once"): materialized as a TEMP table, its keys read from there and the MERGE rewritten to read
 * it. Proven against DuckDB itself over Delta rows and un-drained rows: VALUES with column aliases,
 * a source alias without AS, a source reading another bucket table (binder path: runs
 * the source as written), a source whose alias does not name every column distinctly (runs as
 * written), inserts of keys the source did not name, and a refused statement (nothing written).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../../packages/core/test/sql/engine-harness.ts';
import type { DuckDBCalls } from '../../packages/core/test/sql/duckdb-call-counter.ts';
import type { DuckDBReference } from '../support/duckdb-reference.ts';
import { countedEngine, type CountedEngine } from './counted-engine.ts';
import { mergeImagesTaken } from '../../packages/core/src/sql/merge-images.ts';

let c: CountedEngine;
let h: Harness;
let ref: DuckDBReference;
let counter: DuckDBCalls;
beforeAll(async () => {
  c = await countedEngine();
  ({ h, ref, counter } = c);
});
afterAll(async () => {
  await c?.close();
});

/** The statement on k3 and on DuckDB (same rows affected, or both refuse); whether k3 ran the source once. */
async function both(sql: string): Promise<{ once: boolean; got: string }> {
  const expected = await ref.rowsAffected(sql).then((n) => n, (e: Error) => `error: ${e.message.split('\n')[0]}`);
  counter.reset();
  const images = mergeImagesTaken();
  const got = await h.engine.execute({ bucket: h.bucket, sql }).then((r) => ('write' in r ? String(r.write.rowsAffected) : 'no write'), (e: { code?: string }) => `error ${e.code}`);
  if (expected.startsWith('error')) expect(got, `${sql}\nDuckDB: ${expected}`).toMatch(/^error ERR_/);
  else expect(got, sql).toBe(expected);
  if (process.env.DEBUG_CALLS) console.log(sql, counter.calls);
  // The MERGE reading the materialized source, or (wip/ingest11) the row images' SELECT reading it.
  const once = counter.calls.some((call) => /^run\w*: MERGE INTO .* USING __k3_merge_src AS /.test(call)) || mergeImagesTaken() > images;
  return { once, got };
}

describe('a keyed MERGE runs its source once', () => {
  it('leaves the table as DuckDB would, whether the source ran once or as written', async () => {
    const setup = ['CREATE TABLE mt (id INTEGER PRIMARY KEY, name VARCHAR, n BIGINT DEFAULT 7)', 'CREATE TABLE feed (id INTEGER, name VARCHAR)'];
    for (const sql of setup) await h.ddl(sql);
    await ref.runAll(setup);
    for (const sql of ["INSERT INTO mt SELECT i, 'd' || i, i FROM range(1, 40) t(i)", "INSERT INTO feed VALUES (3, 'f3'), (50, 'f50')"]) {
      await h.write(sql);
      await ref.rowsAffected(sql);
    }
    await h.engine.compact(h.bucket, 'mt');
    // Some keys un-drained (updated and deleted in the log) over the Delta rows.
    for (const sql of ["INSERT OR REPLACE INTO mt VALUES (5, 'log5', 50), (41, 'log41', 41)", 'DELETE FROM mt WHERE id = 6']) {
      await h.write(sql);
      await ref.rowsAffected(sql);
    }
    const cases: [string, boolean][] = [
      // VALUES with column aliases: updates (Delta, log), a deleted key re-inserted, new keys.
      ["MERGE INTO mt AS t USING (VALUES (4, 'm4'), (5, 'm5'), (6, 'm6'), (60, 'm60')) AS s(id, name) ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name, n = t.n + 1 WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)", true],
      // No AS before the source's alias.
      ["MERGE INTO mt t USING (SELECT 7 AS id, 'q7' AS name UNION ALL SELECT 61, 'q61') src(id, name) ON t.id = src.id WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT VALUES (src.id, src.name, 0)", true],
      // A new key the source did not name (the clash check still sees every STRONG key).
      ["MERGE INTO mt AS t USING (VALUES (8, 'x')) AS s(id, name) ON t.id = s.id WHEN MATCHED THEN INSERT VALUES (s.id + 2, s.name, 0)", true],
      ["MERGE INTO mt AS t USING (VALUES (70, 'y')) AS s(id, name) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id + 1, s.name, 0)", true],
      // Another bucket table: the source runs as written through the binder.
      ['MERGE INTO mt AS t USING feed AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = t.n * 2 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, 9)', false],
      // Columns the alias does not name (they might repeat a name) or an alias repeating one: runs as written.
      ["MERGE INTO mt AS t USING (SELECT 9 AS id, 'a' AS name, 'b' AS name) AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = 99", false],
      ["MERGE INTO mt AS t USING (SELECT 9 AS id, 'a' AS name, 'b' AS name) AS s(id, name) ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = 98", false],
      ["MERGE INTO mt AS t USING (VALUES (11, 'a', 'b')) AS s(id, name, NAME) ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = 97", false],
      // Source keys of another type than the target's (text, decimals): the keys table casts them as an INSERT into it did (wip/ingest8).
      ["MERGE INTO mt AS t USING (VALUES ('13', 'v13'), ('71', 'v71'), ('13', 'again')) AS s(id, name) ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = 13 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, 71)", true],
      ["MERGE INTO mt AS t USING (VALUES (14.0, 'd14'), (72.0, 'd72')) AS s(id, name) ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = 14 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, 72)", true],
      // A statement DuckDB refuses (NOT NULL key): the error comes from the statement as written.
      ["MERGE INTO mt AS t USING (VALUES (12, 'r'), (NULL, 's')) AS s(id, name) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, 1)", true],
    ];
    for (const [sql, once] of cases) {
      const got = await both(sql);
      if (!got.got.startsWith('error')) expect(got.once, sql).toBe(once);
    }
    const expected = (await ref.run('SELECT id, name, n FROM mt ORDER BY id')).rows;
    expect(await c.rows('SELECT id, name, n FROM mt ORDER BY id')).toEqual(expected);
    await h.engine.compact(h.bucket, 'mt');
    expect(await c.rows('SELECT id, name, n FROM mt ORDER BY id')).toEqual(expected);
  });
});

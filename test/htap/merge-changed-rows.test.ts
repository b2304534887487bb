/**
 * A keyed MERGE / INSERT … ON CONFLICT finds the rows it changed with an anti join on every column
 * (NULL-equal) instead of `target EXCEPT before` (packages/core/src/sql/changed-rows.ts;
 * docs/design/hot-path.md, "MERGE ingest: the changed rows without EXCEPT (wip/ingest7)").
 * Differential against DuckDB itself, with a second coordinator (own engine, own warm state, same
 * bucket) running K3_MERGE_CHANGED_ANTI_JOIN=false between the statements: updates that set a
 * value to NULL, keep NULLs, set the same value, change only a DOUBLE's sign of zero, conditional
 * deletes, new keys, un-drained and Delta rows; duplicate source keys refused with the same code
 * both ways. Then both coordinators read STRONG exactly the same table, and after a drain EVENTUAL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import type { Engine } from '../../packages/core/src/sql/index.ts';
import { changedRowsJoins } from '../../packages/core/src/sql/changed-rows.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';
import { countedEngine, otherCoordinator, sameAsDuckDB, type CountedEngine } from './counted-engine.ts';

let c: CountedEngine;
let other: Awaited<ReturnType<typeof otherCoordinator>>;
beforeAll(async () => {
  // The MERGE path (its anti join) is what this file proves: the row images (wip/ingest11) are off.
  c = await countedEngine({ K3_MERGE_ROW_IMAGES: 'false' });
  other = await otherCoordinator(c.h, { K3_MERGE_CHANGED_ANTI_JOIN: 'false' });
});
afterAll(async () => {
  await other?.close();
  await c?.close();
});

async function both(sql: string, engine: Engine = c.h.engine): Promise<{ joined: boolean; got: string }> {
  const before = changedRowsJoins();
  const got = await sameAsDuckDB(c, sql, engine);
  return { joined: changedRowsJoins() > before, got };
}

const read = async (engine: Engine, freshness: Freshness): Promise<unknown[][]> => {
  const r = await engine.execute({ bucket: c.h.bucket, sql: 'SELECT * FROM ev ORDER BY id', freshness });
  return 'query' in r ? wireRows(r.query) : [];
};

describe('the changed rows of a keyed write by an anti join', () => {
  it('leaves the table as DuckDB (and the EXCEPT path) would, seen STRONG from a second coordinator', async () => {
    const create = 'CREATE TABLE ev (id BIGINT PRIMARY KEY, a INTEGER, v DOUBLE, note VARCHAR)';
    await c.h.ddl(create);
    await c.ref.run(create);
    await both("INSERT INTO ev SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE i END, CASE WHEN i % 5 = 0 THEN 0.0 ELSE i * 0.5 END, CASE WHEN i % 4 = 0 THEN NULL ELSE 'n' || i END FROM range(1, 201) t(i)", c.h.engine);
    while ((await c.h.engine.compact(c.h.bucket, 'ev')).truncated);
    await both("UPDATE ev SET note = NULL WHERE id BETWEEN 10 AND 20", c.h.engine);
    const merge = (source: string, extra = ''): string => `MERGE INTO ev AS t USING (VALUES ${source}) AS s(id, a, v, note) ON t.id = s.id
      ${extra}WHEN MATCHED THEN UPDATE SET a = s.a, v = s.v, note = s.note WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.a, s.v, s.note)`;
    const cases: [string, Engine][] = [
      // same values (NULLs included): nothing changes; to NULL; from NULL; -0.0 for 0.0; new keys; Delta and log rows
      [merge("(3, NULL, 1.5, 'n3'), (4, 4, 2.0, NULL), (5, 5, -0.0, 'n5'), (6, 7, 3.0, NULL), (12, 12, 6.0, NULL), (15, NULL, -0.0, 'x'), (500, NULL, NULL, NULL), (501, 1, CAST('NaN' AS DOUBLE), '')"), c.h.engine],
      [merge("(3, 1, 1.5, 'n3'), (500, NULL, NULL, NULL), (502, 2, 2.0, 'b')"), other.engine],
      [merge("(500, NULL, NULL, NULL), (501, 1, CAST('NaN' AS DOUBLE), ''), (16, 16, 8.0, NULL), (30, NULL, 0.0, 'n30')", 'WHEN MATCHED AND s.a IS NULL THEN DELETE '), c.h.engine],
      [merge("(600, 1, 1.0, 'a'), (600, 2, 2.0, 'b')"), c.h.engine], // duplicate source keys: refused
      [merge("(600, 1, 1.0, 'a'), (600, 2, 2.0, 'b')"), other.engine],
      ['INSERT INTO ev VALUES (41, NULL, NULL, NULL), (42, 42, 21.0, NULL), (503, 3, 3.0, NULL) ON CONFLICT (id) DO UPDATE SET a = excluded.a, note = excluded.note', c.h.engine],
      ['INSERT INTO ev VALUES (41, NULL, NULL, NULL), (44, 44, 22.0, NULL) ON CONFLICT (id) DO UPDATE SET a = excluded.a, note = excluded.note', other.engine],
    ];
    const joined: boolean[] = [];
    const refused: boolean[] = [];
    for (const [sql, engine] of cases) {
      const r = await both(sql, engine);
      joined.push(r.joined);
      refused.push(r.got.startsWith('error'));
    }
    expect(refused).toEqual([false, false, false, true, true, false, false]);
    // The anti join ran for this coordinator's successful writes, never for the EXCEPT one's.
    expect(joined).toEqual([true, false, true, true, false, true, false]);
    const want = (await c.ref.run('SELECT * FROM ev ORDER BY id')).rows;
    expect(await read(other.engine, Freshness.STRONG)).toEqual(want);
    expect(await read(c.h.engine, Freshness.STRONG)).toEqual(want);
    while ((await c.h.engine.compact(c.h.bucket, 'ev')).truncated);
    expect(await read(other.engine, Freshness.EVENTUAL)).toEqual(want);
  });
});

/**
 * Keyed writes over a long un-drained tail (docs/design/hot-path.md, "Keyed writes read only what
 * they touch"): with more than 64 tail keys, a MERGE, an INSERT … ON CONFLICT and a multi-row
 * INSERT bind their STRONG view over the tail entries of the keys they name (wal/tail-subset.ts)
 * instead of the whole tail. Proven against DuckDB itself: keys updated or tombstoned in the tail,
 * Delta keys shadowed by the tail, new keys clashing with tail keys the statement did not name
 * (the view must then be exact for them too), and the table after a drain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import type { Harness } from '../../packages/core/test/sql/engine-harness.ts';
import type { DuckDBCalls } from '../../packages/core/test/sql/duckdb-call-counter.ts';
import type { DuckDBReference } from '../support/duckdb-reference.ts';
import { countedEngine, type CountedEngine } from './counted-engine.ts';

let c: CountedEngine;
let h: Harness;
let ref: DuckDBReference;
let counter: DuckDBCalls;
let rows: CountedEngine['rows'];
beforeAll(async () => {
  // A large tail limit keeps every un-drained key in the tail (no base file).
  c = await countedEngine({ K3_WARM_TAIL_KEYS: '100000' });
  ({ h, ref, counter, rows } = c);
});
afterAll(async () => {
  await c?.close();
});

/** The statement on k3 and on DuckDB: same rows affected, or both refuse (k3 with a stable code). */
async function both(sql: string): Promise<{ narrowed: boolean }> {
  const expected = await ref.rowsAffected(sql).then((n) => n, (e: Error) => `error: ${e.message.split('\n')[0]}`);
  counter.reset();
  const got = await h.engine.execute({ bucket: h.bucket, sql }).then((r) => ('write' in r ? String(r.write.rowsAffected) : 'no write'), (e: { code?: string }) => `error ${e.code}`);
  // The whole 200-key tail travels through the appender ("…__wal_up_raw"); a narrowed one (≤ 64 rows)
  // as literals in a STRONG view; the single-row fast path (keyed-row-fast-path.ts) binds no view and
  // reads only the keys it names from the warm state — narrowed too.
  const narrowed = !counter.calls.some((c) => c.includes('__wal_up_raw'));
  if (expected.startsWith('error')) expect(got, `${sql}\nDuckDB: ${expected}`).toBe('error ERR_CONSTRAINT_PRIMARY_KEY');
  else expect(got, sql).toBe(expected);
  return { narrowed };
}

describe('keyed writes over a long un-drained tail', () => {
  it('leave the table as DuckDB would', async () => {
    const setup = ['CREATE TABLE nt (id INTEGER PRIMARY KEY, name VARCHAR, n BIGINT)', 'CREATE TABLE feed (id INTEGER, name VARCHAR)'];
    for (const sql of setup) await h.ddl(sql);
    await ref.runAll(setup);
    await both("INSERT INTO nt SELECT i, 'delta' || i, i FROM range(1, 101) t(i)");
    while ((await h.engine.compact(h.bucket, 'nt')).truncated);
    for (const sql of [
      "INSERT INTO nt SELECT i, 'log' || i, i FROM range(101, 301) t(i)", // 200 tail keys
      'DELETE FROM nt WHERE id BETWEEN 150 AND 160', // tombstones in the tail
      "UPDATE nt SET name = 'upd' || id WHERE id BETWEEN 5 AND 20", // tail entries over Delta keys
      "INSERT INTO feed VALUES (11, 'f11'), (155, 'f155'), (200, 'f200'), (400, 'f400')",
    ]) await both(sql);
    const whole: string[] = [];
    const statements = [
      "MERGE INTO nt AS t USING (VALUES (10, 'm10'), (12, 'm12'), (155, 'm155'), (200, 'm200'), (400, 'm400')) AS s(id, name) ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name, n = t.n + 1000 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, -1)",
      // an un-named key of the tail (252) is created: must clash
      "MERGE INTO nt AS t USING (VALUES (152, 'x')) AS s(id, name) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id + 100, s.name, 0)",
      // un-named new keys (1154, 2051) are created: checked against the whole tail, no clash
      "MERGE INTO nt AS t USING (VALUES (154, 'y'), (1051, 'z')) AS s(id, name) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id + 1000, s.name, 0)",
      'MERGE INTO nt AS t USING feed AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = t.n * 2 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, 7)',
      "INSERT INTO nt VALUES (250, 'clash', 1), (500, 'new', 1)",
      "INSERT INTO nt VALUES (156, 'was deleted', 1), (501, 'new', 1)",
      "INSERT INTO nt SELECT i, 'bulk', i FROM range(600, 700) t(i)",
      "INSERT INTO nt VALUES (15, 'shadowed delta key', 1)",
      "INSERT INTO nt (id, name) VALUES (201, 'x'), (157, 'y') ON CONFLICT DO NOTHING",
      "INSERT INTO nt (id, name, n) VALUES (202, 'x', 5), (19, 'y', 5), (158, 'z', 5) ON CONFLICT (id) DO UPDATE SET n = nt.n + excluded.n",
      "INSERT OR REPLACE INTO nt (id, name) VALUES (203, 'r'), (7, 'r')",
      'UPDATE nt SET n = n + 1 WHERE id BETWEEN 95 AND 105',
    ];
    for (const sql of statements) {
      if (!(await both(sql)).narrowed) whole.push(sql);
    }
    // Every MERGE, INSERT and upsert read a narrowed tail, except: the MERGE creating a key it did
    // not name (its clash check needs the whole tail), the upsert reading the old row through
    // its own table (loads everything) and the UPDATE (its WHERE decides the rows).
    expect(whole).toEqual([statements[1], statements[2], statements[9], statements[11]]);
    const expected = (await ref.run('SELECT id, name, n FROM nt ORDER BY id')).rows;
    expect(await rows('SELECT id, name, n FROM nt ORDER BY id')).toEqual(expected);
    while ((await h.engine.compact(h.bucket, 'nt')).truncated);
    expect(await rows('SELECT id, name, n FROM nt ORDER BY id', Freshness.EVENTUAL)).toEqual(expected);
  });
});

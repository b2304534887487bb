/**
 * A keyed MERGE whose `USING (VALUES …) AS s(…)` source is literals loads the rows as typed
 * columns instead of binding the text (packages/core/src/sql/values-source-load.ts;
 * docs/design/hot-path.md, "MERGE ingest: a VALUES source without binding its text (wip/ingest6)").
 * Differential against DuckDB itself, and against this engine with K3_MERGE_VALUES_LOAD=false on
 * the same statements: type edge cases (integer widths mixed across rows, decimals of different
 * scales into DOUBLE / DECIMAL columns, NULL in the first row, strings with quotes, timestamps as
 * typed strings and as the ingest bench's `TIMESTAMP '…' + to_seconds(n)`), updates of Delta and
 * un-drained rows, duplicate inserted keys and a NOT NULL violation (refused with the same code
 * both ways, nothing written), a volatile source (not loaded). A second coordinator (own engine,
 * own warm state, same bucket) then reads STRONG exactly the same table, and after a drain EVENTUAL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import type { Engine } from '../../packages/core/src/sql/index.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';
import { valuesSourceLoads } from '../../packages/core/src/sql/values-source-load.ts';
import { countedEngine, otherCoordinator, outcome, sameAsDuckDB, type CountedEngine } from './counted-engine.ts';

let c: CountedEngine;
/** A second coordinator on the same bucket, with the VALUES load off: the general path. */
let other: Awaited<ReturnType<typeof otherCoordinator>>;
beforeAll(async () => {
  c = await countedEngine();
  other = await otherCoordinator(c.h, { K3_MERGE_VALUES_LOAD: 'false' });
});
afterAll(async () => {
  await other?.close();
  await c?.close();
});

/** The statement on k3 (engine) and on DuckDB: same rows affected, or both refuse; whether k3 loaded the source. */
async function both(sql: string, engine: Engine = c.h.engine): Promise<{ loaded: boolean; got: string }> {
  const before = valuesSourceLoads();
  const got = await sameAsDuckDB(c, sql, engine);
  return { loaded: valuesSourceLoads() > before, got };
}

const rows = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => `(${f(i)})`).join(', ');

describe('a MERGE VALUES source loaded as typed columns', () => {
  it('leaves the table as DuckDB (and the general path) would, seen STRONG from a second coordinator', async () => {
    const create = 'CREATE TABLE ev (id BIGINT PRIMARY KEY, device INTEGER, v DOUBLE, d DECIMAL(12,3), ts TIMESTAMP, note VARCHAR NOT NULL)';
    await c.h.ddl(create);
    await c.ref.run(create);
    await both("INSERT INTO ev SELECT i, i % 1000, i * 0.5, i / 8, TIMESTAMP '2026-01-01' + to_seconds(i), 'seed' || i FROM range(1, 401) t(i)");
    while ((await c.h.engine.compact(c.h.bucket, 'ev')).truncated);
    await both("UPDATE ev SET note = 'log' || id WHERE id BETWEEN 10 AND 30");
    await both('DELETE FROM ev WHERE id BETWEEN 40 AND 45');

    const merge = (source: string): string => `MERGE INTO ev AS t USING (VALUES ${source}) AS s(id, device, v, d, ts, note) ON t.id = s.id
      WHEN MATCHED THEN UPDATE SET v = s.v, d = s.d, ts = s.ts, note = s.note WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.device, s.v, s.d, s.ts, s.note)`;
    const cases: [string, boolean, Engine?][] = [
      // The ingest bench's shape: per-batch expression and decimal, updates of Delta / log / tombstoned keys and new keys.
      [merge(rows(40, (i) => `${i * 3 + 5}, ${i % 300}, 7.5, 7.5, TIMESTAMP '2026-06-01' + to_seconds(7), 'b''7 ${i}'`)), true],
      // Integer widths across rows (into BIGINT / INTEGER / DOUBLE), decimals of different scales, NULL in the first row.
      [merge(`(1000, NULL, NULL, NULL, NULL, 'n'), ${rows(20, (i) => `${3_000_000_000 + i}, ${i === 3 ? 70000 : i}, ${i % 2 ? '0.25' : '12'}, ${i % 3 ? '1.5' : '-0.125'}, TIMESTAMP '2026-06-02 01:02:03.5', 'x'`)}`), true],
      // Typed-string timestamps per row, strings with quotes and unicode.
      [merge(rows(20, (i) => `${500 + (i % 10)}, -${i}, -1, 0.001, TIMESTAMP '2026-06-03 00:00:0${i % 10}', '''q'' ü ${i}'`)), true],
      // Refused both ways with nothing written: a key inserted twice, a NULL into NOT NULL.
      [merge(rows(20, (i) => `${6000 + (i % 19)}, 1, 1, 1, NULL, 'dup'`)), true],
      [merge(rows(20, (i) => `${7000 + i}, 1, 1, 1, NULL, ${i === 9 ? 'NULL' : "'ok'"}`)), true],
      // Volatile: DuckDB binds it (evaluated once, when the source is materialized).
      [merge(rows(20, (i) => `${8000 + i}, 1, random() * 0, 1, NULL, 'r'`)), false],
      // The second coordinator (load off) on the same kind of statement: the general path.
      [merge(rows(20, (i) => `${9000 + i}, ${i}, 2.5, 2.5, TIMESTAMP '2026-06-01' + to_seconds(9), 'other'`)), false, other.engine],
      // Then this one updates what the other wrote (its warm state must see those rows).
      [merge(rows(20, (i) => `${9000 + i * 2}, ${i}, 3.5, 3.5, TIMESTAMP '2026-06-01' + to_seconds(10), 'again'`)), true],
    ];
    for (const [sql, loaded, engine] of cases) {
      const r = await both(sql, engine);
      if (!r.got.startsWith('error')) expect(r.loaded, sql.slice(0, 200)).toBe(loaded);
    }
    const all = 'SELECT id, device, v, d, ts, note FROM ev ORDER BY id';
    const expected = (await c.ref.run(all)).rows;
    expect(await c.rows(all)).toEqual(expected);
    const fromOther = await other.engine.execute({ bucket: c.h.bucket, sql: all, freshness: Freshness.STRONG });
    expect('query' in fromOther ? wireRows(fromOther.query) : undefined).toEqual(expected);
    while ((await c.h.engine.compact(c.h.bucket, 'ev')).truncated);
    expect(await c.rows(all, Freshness.EVENTUAL)).toEqual(expected);
  });

  it('refuses with the same code as the general path', async () => {
    const create = 'CREATE TABLE ev2 (id INTEGER PRIMARY KEY, n SMALLINT)';
    await c.h.ddl(create);
    // 70000 does not fit SMALLINT; a duplicate key: the loaded source and the general path answer alike.
    for (const source of [rows(20, (i) => `${i}, ${i === 4 ? 70000 : i}`), rows(20, (i) => `${i % 10}, 1`), rows(20, (i) => `${i}, 'x'`)]) {
      const sql = `MERGE INTO ev2 AS t USING (VALUES ${source}) AS s(id, n) ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.n)`;
      const mine = await outcome(c.h.engine.execute({ bucket: c.h.bucket, sql }));
      const general = await outcome(other.engine.execute({ bucket: c.h.bucket, sql }));
      expect(mine, sql).toMatch(/^error ERR_/);
      expect(mine, sql).toBe(general);
    }
    expect(await c.rows('SELECT count(*) FROM ev2')).toEqual([['0']]);
  });
});

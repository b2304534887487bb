/**
 * Keyed writes, freshness and drains through the real Engine (local store, real DuckDB): each of
 * the seeds' write shapes on a table with merge keys takes its WriteStrategy and leaves the table
 * in the state DuckDB itself would produce; STRONG shows every acknowledged write at once,
 * EVENTUAL only after a drain; PRIMARY KEY semantics hold across Delta and the un-drained log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness, WriteStrategy } from '../../packages/core/src/api/index.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';
import { DuckDBReference } from '../support/duckdb-reference.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';

let h: Harness;
let ref: DuckDBReference;
beforeAll(async () => {
  h = await createHarness({}, { drainLogWrites: false });
  ref = await DuckDBReference.create();
});
afterAll(async () => {
  await h.close();
  ref.close();
});

/** The statement on k3 and on plain DuckDB: same changed-row count. */
async function both(sql: string) {
  const w = await h.write(sql);
  expect(String(w.rowsAffected), sql).toBe(await ref.rowsAffected(sql));
  return w;
}

async function rows(sql: string, freshness: Freshness = Freshness.STRONG): Promise<unknown[][]> {
  const r = await h.engine.execute({ bucket: h.bucket, sql, freshness });
  if (!('query' in r)) throw new Error('expected a query');
  return wireRows(r.query);
}

describe('keyed writes through the log', () => {
  it('routes each write shape and leaves the table as DuckDB would', async () => {
    const setup = ['CREATE TABLE kv (id INTEGER PRIMARY KEY, name VARCHAR, n BIGINT DEFAULT 7)', 'CREATE TABLE src (id INTEGER, name VARCHAR)'];
    for (const sql of setup) await h.ddl(sql);
    await ref.runAll(setup);
    await both("INSERT INTO src VALUES (10, 'ten'), (11, 'eleven'), (2, 'two')");
    const cases: [string, string][] = [
      ["INSERT INTO kv (id, name) VALUES (1, 'a')", WriteStrategy.KEYED_INSERT_SINGLE],
      ["INSERT INTO kv (id, name) VALUES (2, 'b'), (3, 'c'), (4, 'd')", WriteStrategy.KEYED_INSERT_BULK],
      ['INSERT INTO kv (id, name) SELECT id, name FROM src WHERE id >= 10', WriteStrategy.KEYED_INSERT_FROM_SELECT],
      ["UPDATE kv SET name = 'A' WHERE id = 1", WriteStrategy.KEYED_UPDATE],
      ['UPDATE kv SET n = n + 1 WHERE id BETWEEN 2 AND 3', WriteStrategy.KEYED_RANGE],
      ['UPDATE kv SET n = 0 WHERE id IN (SELECT id FROM src)', WriteStrategy.KEYED_FROM_SUBQUERY],
      ["UPDATE kv SET name = upper(name) WHERE name = 'd'", WriteStrategy.NON_KEYED_UPDATE],
      ['DELETE FROM kv WHERE id = 4', WriteStrategy.KEYED_DELETE],
      ['DELETE FROM kv WHERE id > 10', WriteStrategy.KEYED_RANGE_DELETE],
      ['DELETE FROM kv WHERE id IN (SELECT id FROM src WHERE id = 10)', WriteStrategy.KEYED_DELETE_FROM_SUBQUERY],
      ["MERGE INTO kv USING (VALUES (1, 'm1'), (5, 'm5')) AS s(id, name) ON kv.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)", WriteStrategy.MERGE_ROWS],
      ["MERGE INTO kv USING (SELECT 6 AS id, 'm6' AS name) AS s ON kv.id = s.id WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)", WriteStrategy.MERGE_QUERY],
      ['MERGE INTO kv USING src ON kv.id = src.id WHEN MATCHED THEN UPDATE SET name = src.name', WriteStrategy.MERGE_TABLE],
      // hot path: a keyed MERGE loads only the STRONG rows its source names (merge-scope.ts) — aliased target, computed key side, BY SOURCE.
      ["MERGE INTO kv AS t USING src AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = t.n + 100 WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)", WriteStrategy.MERGE_TABLE],
      ["MERGE INTO kv AS t USING (SELECT 1 AS j, 'j1' AS name) AS s ON t.id = s.j + 4 WHEN MATCHED THEN UPDATE SET name = s.name", WriteStrategy.MERGE_QUERY],
      ["MERGE INTO kv AS t USING (VALUES (2, 'z2'), (7, 'z7')) AS s(id, name) ON t.id = s.id AND t.n > 0 WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT (id, name, n) VALUES (s.id, s.name, 70)", WriteStrategy.MERGE_ROWS],
      ["MERGE INTO kv AS t USING (SELECT 5 AS id) AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET n = 1 WHEN NOT MATCHED BY SOURCE AND t.id = 2 THEN DELETE", WriteStrategy.MERGE_QUERY],
      ["INSERT OR REPLACE INTO kv (id, name) VALUES (3, 'C')", WriteStrategy.KEYED_INSERT_SINGLE],
      ["INSERT INTO kv (id, name) VALUES (3, 'x') ON CONFLICT DO NOTHING", WriteStrategy.KEYED_INSERT_SINGLE],
      ["INSERT INTO kv (id, name, n) VALUES (3, 'x', 5) ON CONFLICT (id) DO UPDATE SET n = kv.n + excluded.n", WriteStrategy.KEYED_INSERT_SINGLE],
      ['UPDATE kv SET id = 30 WHERE id = 3', WriteStrategy.KEYED_UPDATE],
      ['DELETE FROM kv WHERE n = 999', WriteStrategy.NON_KEYED_DELETE],
    ];
    for (const [sql, strategy] of cases) {
      const w = await both(sql);
      expect(w.strategy, sql).toBe(strategy);
      expect(String(w.version), sql).toMatch(/^\d+$/);
    }
    const expected = (await ref.run('SELECT id, name, n FROM kv ORDER BY id')).rows;
    expect(expected.length).toBe(7);
    expect(await rows('SELECT id, name, n FROM kv ORDER BY id')).toEqual(expected);
    await h.engine.compact(h.bucket, 'kv');
    expect(await rows('SELECT id, name, n FROM kv ORDER BY id', Freshness.EVENTUAL)).toEqual(expected);
  });
});

describe('primary keys and freshness', () => {
  it('refuses INSERT of a key that exists in Delta or in the un-drained log, writing nothing', async () => {
    await h.ddl('CREATE TABLE pk (id INTEGER PRIMARY KEY, v VARCHAR)');
    await h.write("INSERT INTO pk VALUES (1, 'delta')");
    await h.engine.compact(h.bucket, 'pk');
    await h.write("INSERT INTO pk VALUES (2, 'log')");
    for (const sql of ["INSERT INTO pk VALUES (1, 'again')", "INSERT INTO pk VALUES (3, 'new'), (2, 'again')", "INSERT INTO pk VALUES (4, 'x'), (4, 'y')", 'UPDATE pk SET id = 1 WHERE id = 2']) {
      await expect(h.exec(sql), sql).rejects.toMatchObject({ code: 'ERR_CONSTRAINT_PRIMARY_KEY' });
    }
    expect(await rows('SELECT id, v FROM pk ORDER BY id')).toEqual([[1, 'delta'], [2, 'log']]);
    const t = await h.engine.describeTable(h.bucket, 'pk');
    expect(t.walBacklogEntries).toBe(1);
    expect(Number(t.lastDrainTargetVersion)).toBeGreaterThan(0);
  });

  it('read-your-writes: STRONG at once, EVENTUAL after a drain, OLTP_ONLY the log only', async () => {
    await h.ddl('CREATE TABLE ryw (id INTEGER PRIMARY KEY, v INTEGER)');
    const state = new Map<number, number>();
    for (let i = 1; i <= 6; i++) {
      const sql = i % 3 === 0 ? `DELETE FROM ryw WHERE id = ${i - 1}` : `INSERT OR REPLACE INTO ryw VALUES (${i % 4}, ${i})`;
      await h.write(sql);
      if (i % 3 === 0) state.delete(i - 1);
      else state.set(i % 4, i);
      const expected = [...state].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v]);
      const strong = await h.engine.execute({ bucket: h.bucket, sql: 'SELECT id, v FROM ryw ORDER BY id', freshness: Freshness.STRONG });
      expect('query' in strong && strong.query.rows).toEqual(expected);
      expect('query' in strong && strong.query.strategy).toBe('QUERY_STRATEGY_UNARY_MERGED_STRONG');
      expect('query' in strong && strong.query.servedBy).toBe('SERVED_BY_MERGED');
      if (i === 4) {
        const before = await rows('SELECT id, v FROM ryw ORDER BY id', Freshness.EVENTUAL);
        expect(before).not.toEqual(expected);
        const c = await h.engine.compact(h.bucket, 'ryw');
        expect(Number(c.walEntriesProcessed)).toBeGreaterThan(0);
        expect(await rows('SELECT id, v FROM ryw ORDER BY id', Freshness.EVENTUAL)).toEqual(expected);
        expect(await rows('SELECT id, v FROM ryw ORDER BY id', Freshness.OLTP_ONLY)).toEqual([]);
      }
    }
    const oltp = await h.engine.execute({ bucket: h.bucket, sql: 'SELECT count(*) FROM ryw', freshness: Freshness.OLTP_ONLY });
    expect('query' in oltp && oltp.query.servedBy).toBe('SERVED_BY_OLTP');
  });
});

describe('concurrent writers (docs/api.md "Concurrent writers")', () => {
  it('two concurrent INSERTs of one new key leave exactly one row, from an acknowledged writer', async () => {
    await h.ddl('CREATE TABLE race (id INTEGER PRIMARY KEY, who VARCHAR)');
    for (let round = 0; round < 5; round++) {
      const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((who) => h.write(`INSERT INTO race VALUES (${round}, '${who}')`)));
      const acked = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [['a', 'b', 'c'][i]!] : []));
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'ERR_CONSTRAINT_PRIMARY_KEY' });
      expect(acked.length).toBeGreaterThan(0);
      const got = await rows(`SELECT who FROM race WHERE id = ${round}`);
      expect(got.length).toBe(1);
      expect(acked).toContain(got[0]![0]);
    }
    while ((await h.engine.compact(h.bucket, 'race')).truncated);
    expect(await rows('SELECT count(*) = count(DISTINCT id), count(*) FROM race', Freshness.EVENTUAL)).toEqual([[true, '5']]);
  });
});

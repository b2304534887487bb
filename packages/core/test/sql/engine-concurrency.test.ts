/**
 * Concurrent writers through the engine lose nothing: blind appends are retried by the
 * Transaction; an UPDATE / DELETE / MERGE that loses a conflicting race is re-run by the engine on
 * a fresh snapshot. Reads pin one snapshot and are never affected by a concurrent commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './engine-harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
});

afterAll(async () => {
  await h.close();
});

describe('concurrent writes', () => {
  it('8 writers × 10 INSERTs each lose no row', async () => {
    await h.ddl('CREATE TABLE ins (w INTEGER, i INTEGER)');
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 10; i++) await h.write(`INSERT INTO ins VALUES (${w}, ${i})`);
    }));
    const q = await h.query('SELECT count(*) AS n, count(DISTINCT (w, i)) AS d FROM ins');
    expect(q.rows).toEqual([['80', '80']]);
    const t = await h.engine.describeTable(h.bucket, 'ins');
    expect(t.deltaVersion).toBe(80);
    expect(t.rowCount).toBe(80);
  });

  it('concurrent UPDATEs of the same rows and INSERTs: every update and every insert lands', async () => {
    await h.ddl('CREATE TABLE counters (id INTEGER, n INTEGER)');
    await h.write('INSERT INTO counters SELECT i, 0 FROM range(4) t(i)');
    const updates = Array.from({ length: 6 }, () => h.write('UPDATE counters SET n = n + 1'));
    const inserts = Array.from({ length: 6 }, (_, i) => h.write(`INSERT INTO counters VALUES (${100 + i}, 0)`));
    const results = await Promise.all([...updates, ...inserts]);
    for (const r of results.slice(0, 6)) expect(Number(r.rowsAffected)).toBeGreaterThanOrEqual(4);
    const q = await h.query('SELECT id, n FROM counters WHERE id < 100 ORDER BY id');
    expect(q.rows).toEqual([[0, 6], [1, 6], [2, 6], [3, 6]]);
    const inserted = await h.query('SELECT count(*) FROM counters WHERE id >= 100');
    expect(inserted.rows).toEqual([['6']]);
  });

  it('concurrent DELETE and MERGE on one table serialize without losing either', async () => {
    await h.ddl('CREATE TABLE kv (k INTEGER, v VARCHAR)');
    await h.write("INSERT INTO kv SELECT i, 'v' || i FROM range(20) t(i)");
    await Promise.all([
      h.write('DELETE FROM kv WHERE k % 2 = 0'),
      h.write("MERGE INTO kv USING (SELECT 1 AS k, 'merged' AS v UNION ALL SELECT 99, 'new') s ON kv.k = s.k WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.k, s.v)"),
      h.write('UPDATE kv SET v = upper(v) WHERE k = 3'),
    ]);
    const q = await h.query('SELECT k, v FROM kv WHERE k IN (0, 1, 2, 3, 99) ORDER BY k');
    expect(q.rows).toEqual([[1, 'merged'], [3, 'V3'], [99, 'new']]);
    expect((await h.query('SELECT count(*) FROM kv')).rows).toEqual([['11']]);
  });

  it('a read pins its snapshot: the version it reports matches the rows it saw', async () => {
    await h.ddl('CREATE TABLE grow (i INTEGER)');
    const writers = Array.from({ length: 5 }, (_, i) => h.write(`INSERT INTO grow VALUES (${i})`));
    const reads = Array.from({ length: 5 }, () => h.query('SELECT count(*) FROM grow'));
    const [, readResults] = await Promise.all([Promise.all(writers), Promise.all(reads)]);
    for (const r of readResults) expect(r.rows[0]?.[0]).toBe(String(r.version));
  });
});

describe('write scope', () => {
  it('an UPDATE rewrites only the files holding matching rows and commits nothing when none match', async () => {
    await h.ddl('CREATE TABLE scoped (p VARCHAR, v INTEGER) PARTITIONED BY (p)');
    await h.write("INSERT INTO scoped SELECT ['a', 'b', 'c'][i % 3 + 1], i FROM range(30) t(i)");
    const before = await h.engine.describeTable(h.bucket, 'scoped');
    const none = await h.write("UPDATE scoped SET v = 0 WHERE p = 'zzz'");
    expect(none).toMatchObject({ rowsAffected: 0, version: before.deltaVersion });
    const one = await h.write("UPDATE scoped SET v = -v WHERE p = 'b' AND v < 10");
    expect(one.rowsAffected).toBe(3);
    const store = (await import('../../src/object-store/index.ts')).LocalObjectStore;
    const { readCommitActions } = await import('../../src/delta/commit.ts');
    const log = await readCommitActions(new store(`${h.dir}/data/${h.bucket}`), 'tables/scoped/', Number(one.version));
    const removes = (log ?? []).filter((a) => 'remove' in a);
    const adds = (log ?? []).filter((a) => 'add' in a);
    expect(removes).toHaveLength(1);
    expect(adds).toHaveLength(1);
    const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 === 1).reduce((sum, i) => sum + (i < 10 ? -i : i), 0);
    expect((await h.query("SELECT sum(v) FROM scoped WHERE p = 'b'")).rows).toEqual([[String(expected)]]);
  });

  it('a MERGE rewrites only the files holding matched rows and appends its inserts', async () => {
    const before = await h.engine.describeTable(h.bucket, 'scoped');
    const merged = await h.write("MERGE INTO scoped t USING (VALUES ('c', 2, 200), ('d', 99, 990)) s(p, v, nv) ON t.p = s.p AND t.v = s.v WHEN MATCHED THEN UPDATE SET v = s.nv WHEN NOT MATCHED THEN INSERT VALUES (s.p, s.nv)");
    expect(merged).toMatchObject({ rowsAffected: 2, strategy: 'WRITE_STRATEGY_MERGE_ROWS' });
    const { LocalObjectStore } = await import('../../src/object-store/index.ts');
    const { readCommitActions } = await import('../../src/delta/commit.ts');
    const log = await readCommitActions(new LocalObjectStore(`${h.dir}/data/${h.bucket}`), 'tables/scoped/', Number(merged.version));
    expect((log ?? []).filter((a) => 'remove' in a)).toHaveLength(1);
    expect((log ?? []).find((a) => 'commitInfo' in a)).toMatchObject({ commitInfo: { operation: 'MERGE', operationMetrics: { numTargetRowsInserted: '1', numTargetRowsUpdated: '1', numTargetRowsDeleted: '0' } } });
    expect((await h.query("SELECT p, v FROM scoped WHERE v >= 200 OR p = 'd' ORDER BY p")).rows).toEqual([['c', 200], ['d', 990]]);
    expect(Number((await h.engine.describeTable(h.bucket, 'scoped')).rowCount)).toBe(Number(before.rowCount) + 1);
  });
});

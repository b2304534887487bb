/**
 * Keyed writes (through the write log) stop at K3_QUERY_TIMEOUT like every other statement: the
 * interrupted DuckDB call is not retried by a fallback path (stoppable-connection.ts), the answer is
 * ERR_QUERY_TIMEOUT, and nothing is logged. Before the guard, each shape below ran to its end
 * (minutes) and was acknowledged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../src/api/index.ts';
import { createHarness, type Harness } from './engine-harness.ts';

let h: Harness;
const SLOW_SCAN = 'range(100000000000) r(a)';

beforeAll(async () => {
  h = await createHarness({ K3_QUERY_TIMEOUT: '1s' }, { drainLogWrites: false });
  await h.ddl('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT)');
  await h.write('INSERT INTO kv VALUES (1, 10), (2, 20), (3, 30)');
});

afterAll(async () => {
  await h.close();
});

/** The table as STRONG reads it (the writes stay in the log: nothing drains here). */
const strongRows = async (sql: string): Promise<unknown[][]> => {
  const r = await h.engine.execute({ bucket: h.bucket, sql, freshness: Freshness.STRONG });
  if (!('query' in r)) throw new Error('expected rows');
  return r.query.rows.map((row) => row.map(String));
};
const backlog = async (): Promise<unknown> => (await h.engine.describeTable(h.bucket, 'kv') as unknown as Record<string, unknown>).walBacklogEntries;

describe('keyed writes past K3_QUERY_TIMEOUT', () => {
  const cases: [string, string][] = [
    ['INSERT … SELECT', `INSERT INTO kv SELECT a, a FROM ${SLOW_SCAN} WHERE a < 0`],
    ['INSERT OR REPLACE … SELECT', `INSERT OR REPLACE INTO kv SELECT a, a FROM ${SLOW_SCAN} WHERE a < 0`],
    ['UPDATE with a slow subquery', `UPDATE kv SET v = (SELECT count(*) FROM ${SLOW_SCAN} WHERE a % 7 = 3) WHERE id = 1`],
    ['DELETE with a slow subquery', `DELETE FROM kv WHERE id IN (SELECT a FROM ${SLOW_SCAN} WHERE a % 7 = 3 AND a < 0)`],
    ['MERGE with a slow source', `MERGE INTO kv AS t USING (SELECT 1 AS id, count(*) AS v FROM ${SLOW_SCAN} WHERE a % 7 = 3) AS s(id, v) ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`],
  ];
  for (const [name, sql] of cases) {
    it(`${name}: ERR_QUERY_TIMEOUT, nothing logged`, async () => {
      const before = await backlog();
      const started = Date.now();
      await expect(h.exec(sql)).rejects.toMatchObject({ code: 'ERR_QUERY_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await backlog()).toEqual(before);
      expect(await strongRows('SELECT id, v FROM kv ORDER BY id')).toEqual([['1', '10'], ['2', '20'], ['3', '30']]);
    }, 30_000);
  }

  it('a keyed write within the deadline still answers after the timeouts', async () => {
    expect((await h.write('INSERT OR REPLACE INTO kv VALUES (2, 21)')).rowsAffected).toBe(1);
    expect(await strongRows('SELECT v FROM kv WHERE id = 2')).toEqual([['21']]);
  });
});

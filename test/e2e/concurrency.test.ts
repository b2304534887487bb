/**
 * Concurrent writers through the API lose no write (issue "SQL on tables", item 5): many
 * simultaneous HTTP requests against one table, each must succeed (commit races are retried by
 * the engine) and every effect must be visible afterwards, with versions strictly increasing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, startServer, type StartedServer } from '../support/server.ts';

const BUCKET = 'e2e-concurrency';
let server: StartedServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
});

async function ok(sql: string) {
  const res = await execute(server.url, BUCKET, sql);
  expect(res.status, `${sql}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

describe('concurrent writers', () => {
  // 16 writers: even a writer that loses every race retries at most 15 times (< K3_DELTA_MAX_COMMIT_RETRIES).
  it('keeps every one of 16 concurrent INSERTs into a partitioned table', async () => {
    await ok('CREATE TABLE c (id INTEGER, p VARCHAR) PARTITIONED BY (p)');
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => ok(`INSERT INTO c VALUES (${i}, 'p${i % 3}'), (${i + 100}, 'p${i % 3}')`)));
    const versions = results.map((r) => Number(r.write!.version)).sort((a, b) => a - b);
    expect(new Set(versions).size).toBe(16);
    const rows = (await ok('SELECT count(*), count(DISTINCT id), sum(id) FROM c')).query!.rows;
    const expectedSum = Array.from({ length: 16 }, (_, i) => 2 * i + 100).reduce((a, b) => a + b, 0);
    expect(rows).toEqual([['32', '32', String(expectedSum)]]);
  });

  it('applies every one of 12 concurrent read-modify-write UPDATEs of the same row', async () => {
    await ok('CREATE TABLE counter (k INTEGER, v INTEGER)');
    await ok('INSERT INTO counter VALUES (1, 0), (2, 0)');
    await Promise.all(Array.from({ length: 12 }, (_, i) => ok(`UPDATE counter SET v = v + 1 WHERE k = ${1 + (i % 2)}`)));
    expect((await ok('SELECT k, v FROM counter ORDER BY k')).query!.rows).toEqual([
      [1, 6],
      [2, 6],
    ]);
  });

  it('mixes concurrent INSERT, UPDATE, DELETE and MERGE without losing any of them', async () => {
    await ok('CREATE TABLE mix (id INTEGER, v INTEGER)');
    await ok('INSERT INTO mix SELECT range, 0 FROM range(10)');
    await Promise.all([
      ok('INSERT INTO mix VALUES (100, 1)'),
      ok('UPDATE mix SET v = v + 10 WHERE id < 5'),
      ok('DELETE FROM mix WHERE id = 9'),
      ok('MERGE INTO mix t USING (VALUES (8, 7), (200, 2)) s(id, v) ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)'),
      ok('INSERT INTO mix VALUES (101, 1)'),
    ]);
    expect((await ok('SELECT id, v FROM mix ORDER BY id')).query!.rows).toEqual([
      [0, 10], [1, 10], [2, 10], [3, 10], [4, 10], [5, 0], [6, 0], [7, 0], [8, 7], [100, 1], [101, 1], [200, 2],
    ]);
  });
});

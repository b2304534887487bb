/**
 * K3_KEYED_WRITE_DUCKDB=separate (packages/core/src/sql/keyed-write-duckdb.ts; docs/design/hot-path.md,
 * "wip/scratch11"): a keyed write through the write log runs on a second, one-thread DuckDB database
 * sandboxed like the main one. Proven here, each against an engine with the key off on the same
 * statements: the routing is live (the written `current_setting('threads')` is the separate
 * database's 1, and the attempt counter moves only for write-log writes); keyed writes that read
 * other bucket tables (keyed with un-drained log rows, and plain Delta tables) bind their views there
 * and leave the same rows; errors keep their codes and messages (primary key, missing table, DuckDB's
 * own, the sandbox); a statement there can be interrupted (what the attempt's timeout / cancel
 * calls); the database closes with the engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';

let sep: Harness;
let shared: Harness;
beforeAll(async () => {
  sep = await createHarness({ K3_KEYED_WRITE_DUCKDB: 'separate' }, { drainLogWrites: false });
  shared = await createHarness({ K3_KEYED_WRITE_DUCKDB: 'shared' }, { drainLogWrites: false });
  for (const h of [sep, shared]) {
    await h.ddl('CREATE TABLE kt (id BIGINT PRIMARY KEY, v VARCHAR)');
    await h.ddl('CREATE TABLE src (id BIGINT PRIMARY KEY, n INTEGER)');
    await h.ddl('CREATE TABLE plain (id BIGINT, n INTEGER)');
    await h.write('INSERT INTO src SELECT i, i * 10 FROM range(1, 21) t(i)');
    while ((await h.engine.compact(h.bucket, 'src')).truncated);
    // Un-drained log rows of src: an update of a Delta key, a new key and a tombstone.
    await h.write('UPDATE src SET n = 999 WHERE id = 3');
    await h.write('INSERT INTO src VALUES (21, 210)');
    await h.write('DELETE FROM src WHERE id = 4');
    await h.write('INSERT INTO plain SELECT i, i FROM range(1, 6) t(i)');
  }
}, 120_000);
afterAll(async () => {
  await sep?.close();
  await shared?.close();
});

const rows = async (h: Harness, sql: string): Promise<unknown[][]> => {
  const r = await h.engine.execute({ bucket: h.bucket, sql, freshness: Freshness.STRONG });
  if (!('query' in r)) throw new Error('expected a query');
  return wireRows(r.query);
};
/** The statement's outcome on an engine: rows affected, or its error's code and message. */
const outcome = (h: Harness, sql: string): Promise<string> => h.engine.execute({ bucket: h.bucket, sql }).then(
  (r) => ('write' in r ? `rows ${r.write.rowsAffected}` : 'no write'),
  (e: { code?: string; message?: string }) => `error ${e.code}: ${e.message}`,
);
/** Runs `sql` on both engines: the same outcome; returns it and how many attempts the separate database took. */
async function both(sql: string): Promise<{ outcome: string; separateAttempts: number }> {
  const before = sep.engine.keyedWriteDb.separateAttempts;
  const got = await outcome(sep, sql);
  const separateAttempts = sep.engine.keyedWriteDb.separateAttempts - before;
  expect(got, sql).toBe(await outcome(shared, sql));
  expect(shared.engine.keyedWriteDb.separateAttempts).toBe(0);
  return { outcome: got, separateAttempts };
}

describe('K3_KEYED_WRITE_DUCKDB=separate', () => {
  it('runs a write-log write on the one-thread database (threads as the statement sees them)', async () => {
    const sql = "INSERT INTO kt SELECT 1, current_setting('threads')::VARCHAR";
    await sep.write(sql);
    await shared.write(sql);
    expect(await rows(sep, 'SELECT v FROM kt WHERE id = 1')).toEqual([['1']]);
    expect(await rows(shared, 'SELECT v FROM kt WHERE id = 1')).toEqual([['2']]);
    expect(sep.engine.keyedWriteDb.instance).toBeDefined();
    expect(shared.engine.keyedWriteDb.instance).toBeUndefined();
  });

  it('keyed writes reading other tables (keyed with un-drained rows, plain Delta) bind them there and write the same rows', async () => {
    const statements = [
      'INSERT INTO kt SELECT id + 100, CAST(n AS VARCHAR) FROM src WHERE id BETWEEN 2 AND 5', // STRONG src: 3 updated, 4 deleted
      "MERGE INTO kt AS t USING (SELECT s.id + 100 AS id, 'm' || s.n || '-' || p.n AS v FROM src s JOIN plain p ON p.id = s.id - 1) AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)",
      'UPDATE kt SET v = (SELECT max(n) FROM src)::VARCHAR WHERE id = 1',
      'DELETE FROM kt WHERE id IN (SELECT id + 100 FROM src WHERE n = 999)',
      "INSERT OR REPLACE INTO kt SELECT id, 'p' || n FROM plain WHERE id <= 2",
    ];
    for (const sql of statements) expect((await both(sql)).separateAttempts, sql).toBe(1);
    const all = 'SELECT id, v FROM kt ORDER BY id';
    expect(await rows(sep, all)).toEqual(await rows(shared, all));
    expect(await rows(sep, all)).toEqual([
      ['1', 'p1'], ['2', 'p2'], ['102', 'm20-1'], ['105', 'm50-4'], ['106', 'm60-5'],
    ]);
  });

  it('keeps the main database for statements that are not write-log writes', async () => {
    const before = sep.engine.keyedWriteDb.separateAttempts;
    await both("UPDATE kt SET v = v || '!' WHERE v LIKE 'm%'"); // no key predicate: NON_KEYED_UPDATE on Delta
    await both('INSERT INTO plain VALUES (9, 9)'); // a table without keys
    await rows(sep, 'SELECT count(*) FROM kt');
    expect(sep.engine.keyedWriteDb.separateAttempts).toBe(before);
    expect(await rows(sep, 'SELECT id, v FROM kt WHERE id > 100 ORDER BY id')).toEqual([['102', 'm20-1!'], ['105', 'm50-4!'], ['106', 'm60-5!']]);
  });

  it('errors keep their codes and messages', async () => {
    for (const sql of [
      "INSERT INTO kt VALUES (1, 'dup')", // ERR_CONSTRAINT_PRIMARY_KEY
      "INSERT INTO kt SELECT id, 'x' FROM no_such_table", // ERR_TABLE_NOT_FOUND
      "INSERT INTO no_such_table VALUES (1, 'x')",
      "INSERT INTO kt VALUES ('not a number', 'x')", // DuckDB's conversion error
      "INSERT INTO kt SELECT 500, content FROM read_text('/etc/hostname')", // the sandbox
      'UPDATE kt SET id = 2 WHERE id = 1', // moves a key onto an existing one: ERR_CONSTRAINT_PRIMARY_KEY
    ]) {
      const { outcome: got } = await both(sql);
      expect(got, sql).toMatch(/^error ERR_/);
    }
  });

  it('a statement on the separate database is interrupted (the attempt interrupts whichever connection it holds)', async () => {
    const db = sep.engine.keyedWriteDb.instance!;
    const conn = await db.connect();
    try {
      const started = Date.now();
      const running = conn.run('SELECT count(*) FROM range(100000000000) r(a) WHERE a % 7 = 3 AND a < 0');
      setTimeout(() => conn.interrupt(), 200);
      await expect(running).rejects.toThrow(/INTERRUPT/i);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      conn.closeSync();
    }
  }, 60_000);

  it('closes with the engine; later writes use the main database', async () => {
    const h = await createHarness({ K3_KEYED_WRITE_DUCKDB: 'separate' }, { drainLogWrites: false });
    let closed = false;
    try {
      await h.ddl('CREATE TABLE c (id BIGINT PRIMARY KEY, n BIGINT)');
      await h.write('INSERT INTO c VALUES (1, 1)');
      expect(h.engine.keyedWriteDb.separateAttempts).toBe(1);
      const db = h.engine.keyedWriteDb.instance!;
      closed = true;
      await h.close();
      expect(h.engine.keyedWriteDb.instance).toBeUndefined();
      expect(h.engine.keyedWriteDb.enabled).toBe(false);
      await expect(db.connect()).rejects.toThrow();
    } finally {
      if (!closed) await h.close();
    }
  });
});

/**
 * HTAP over HTTP (issue "HTAP"): the seeds' write shapes on a keyed table name their WriteStrategy
 * and leave the state plain DuckDB leaves; read-your-writes (STRONG at once, EVENTUAL after a
 * drain); the Compact RPC and DescribeTable's write-log fields; the embedded compactor drains on
 * its own; and the overwrite hazard: keyed writes, non-keyed UPDATE/DELETE and drains (background
 * compactor + Compact RPCs fired concurrently) never lose or resurrect an acknowledged write —
 * the final table equals the serial replay of every acknowledged statement in DuckDB.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBReference } from '../support/duckdb-reference.ts';
import { k3fetch, execute, keepWriteLogUndrained, startServer, type StartedServer } from '../support/server.ts';

// These tests assert what EVENTUAL shows before a drain.
keepWriteLogUndrained();

const BUCKET = 'e2e-htap';

async function ok(server: StartedServer, sql: string, freshness?: string) {
  const res = await execute(server.url, BUCKET, sql, freshness === undefined ? {} : { freshness });
  expect(res.status, `${sql}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

async function compact(server: StartedServer, table: string, body: Record<string, unknown> = {}) {
  const res = await k3fetch(`${server.url}/${BUCKET}/tables/${table}/_compact`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function describeTable(server: StartedServer, table: string) {
  const res = await k3fetch(`${server.url}/${BUCKET}/tables/${table}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

describe('keyed writes, freshness and Compact (manual drains only)', () => {
  let server: StartedServer;
  let ref: DuckDBReference;
  beforeAll(async () => {
    server = await startServer({ K3_COMPACTOR_INTERVAL: '1h' });
    ref = await DuckDBReference.create();
  });
  afterAll(async () => {
    await server?.stop();
    ref?.close();
  });

  it('routes each seed write shape and matches DuckDB; STRONG sees each write at once, EVENTUAL after Compact', async () => {
    const setup = ['CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR, score INTEGER DEFAULT 0)', 'CREATE TABLE staging (id INTEGER, email VARCHAR)'];
    for (const sql of setup) await ok(server, sql);
    await ref.runAll(setup);
    const staging = "INSERT INTO staging VALUES (7, 's7'), (8, 's8'), (1, 's1')";
    await ok(server, staging);
    await ref.run(staging);
    const shapes: [string, string][] = [
      ["INSERT INTO users (id, email) VALUES (1, 'a@x')", 'WRITE_STRATEGY_KEYED_INSERT_SINGLE'],
      ["INSERT INTO users (id, email) VALUES (2, 'b@x'), (3, 'c@x'), (4, 'd@x')", 'WRITE_STRATEGY_KEYED_INSERT_BULK'],
      ['INSERT INTO users (id, email) SELECT id, email FROM staging WHERE id > 5', 'WRITE_STRATEGY_KEYED_INSERT_FROM_SELECT'],
      ['UPDATE users SET score = 10 WHERE id = 1', 'WRITE_STRATEGY_KEYED_UPDATE'],
      ['UPDATE users SET score = score + 1 WHERE id BETWEEN 2 AND 4', 'WRITE_STRATEGY_KEYED_RANGE'],
      ['UPDATE users SET score = -1 WHERE id IN (SELECT id FROM staging)', 'WRITE_STRATEGY_KEYED_FROM_SUBQUERY'],
      ["UPDATE users SET email = 'vip' WHERE score >= 10", 'WRITE_STRATEGY_NON_KEYED_UPDATE'],
      ['DELETE FROM users WHERE email = \'zzz\'', 'WRITE_STRATEGY_NON_KEYED_DELETE'],
      ['DELETE FROM users WHERE id = 4', 'WRITE_STRATEGY_KEYED_DELETE'],
      ['DELETE FROM users WHERE id >= 8', 'WRITE_STRATEGY_KEYED_RANGE_DELETE'],
      ['DELETE FROM users WHERE id IN (SELECT id FROM staging WHERE id = 7)', 'WRITE_STRATEGY_KEYED_DELETE_FROM_SUBQUERY'],
      ["MERGE INTO users USING (VALUES (2, 'm2'), (9, 'm9')) AS s(id, email) ON users.id = s.id WHEN MATCHED THEN UPDATE SET email = s.email WHEN NOT MATCHED THEN INSERT (id, email) VALUES (s.id, s.email)", 'WRITE_STRATEGY_MERGE_ROWS'],
      ["MERGE INTO users USING (SELECT id + 100 AS id, email FROM staging) AS s ON users.id = s.id WHEN NOT MATCHED THEN INSERT (id, email) VALUES (s.id, s.email)", 'WRITE_STRATEGY_MERGE_QUERY'],
      ['MERGE INTO users USING staging ON users.id = staging.id WHEN MATCHED THEN UPDATE SET email = staging.email', 'WRITE_STRATEGY_MERGE_TABLE'],
      ["INSERT OR REPLACE INTO users VALUES (3, 'c2', 30)", 'WRITE_STRATEGY_KEYED_INSERT_SINGLE'],
      ["INSERT INTO users VALUES (3, 'ignored', 0) ON CONFLICT DO NOTHING", 'WRITE_STRATEGY_KEYED_INSERT_SINGLE'],
      ["INSERT INTO users VALUES (3, 'c3', 5), (50, 'n50', 5) ON CONFLICT (id) DO UPDATE SET score = users.score + excluded.score", 'WRITE_STRATEGY_KEYED_INSERT_BULK'],
      ['UPDATE users SET id = 33 WHERE id = 3', 'WRITE_STRATEGY_KEYED_UPDATE'],
    ];
    for (const [sql, strategy] of shapes) {
      const w = (await ok(server, sql)).write!;
      expect(w.strategy, sql).toBe(strategy);
      expect(w.rowsAffected, sql).toBe(await ref.rowsAffected(sql));
      const expected = (await ref.run('SELECT * FROM users ORDER BY id')).rows;
      const strong = (await ok(server, 'SELECT * FROM users ORDER BY id', 'FRESHNESS_STRONG')).query!;
      expect(strong.rows, `STRONG after ${sql}`).toEqual(expected);
      expect(strong.strategy).toBe('QUERY_STRATEGY_UNARY_MERGED_STRONG');
      expect(strong.servedBy).toBe('SERVED_BY_MERGED');
    }
    const expected = (await ref.run('SELECT * FROM users ORDER BY id')).rows;
    // The last non-keyed statement drained the log first (overwrite-hazard protocol); the keyed ones after it are pending.
    const backlog = await describeTable(server, 'users');
    expect(Number(backlog.walBacklogEntries)).toBeGreaterThan(0);
    expect((await ok(server, 'SELECT * FROM users ORDER BY id', 'FRESHNESS_EVENTUAL')).query!.rows).not.toEqual(expected);
    const c = await compact(server, 'users', { batchSize: 100_000 });
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ tableName: 'users', truncated: false, rowsRejected: '0' });
    expect(Number(c.body.walEntriesProcessed)).toBe(Number(backlog.walBacklogEntries));
    expect((await ok(server, 'SELECT * FROM users ORDER BY id', 'FRESHNESS_EVENTUAL')).query!.rows).toEqual(expected);
    expect((await ok(server, 'SELECT * FROM users ORDER BY id', 'FRESHNESS_OLTP_ONLY')).query!.rows).toEqual([]);
    const after = await describeTable(server, 'users');
    expect(after).toMatchObject({ walBacklogEntries: '0', lastDrainTargetVersion: c.body.lastDrainTargetVersion, lastDrainRowsRejected: '0' });
    expect(Number(after.lastDrainAt)).toBeGreaterThan(0);
  });

  it('refuses a duplicate key with 409 and writes nothing; Compact validates its body', async () => {
    await ok(server, 'CREATE TABLE pk (id INTEGER PRIMARY KEY, v VARCHAR)');
    await ok(server, "INSERT INTO pk VALUES (1, 'one')");
    const dup = await execute(server.url, BUCKET, "INSERT INTO pk VALUES (2, 'two'), (1, 'again')");
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('ERR_CONSTRAINT_PRIMARY_KEY');
    expect((await ok(server, 'SELECT * FROM pk ORDER BY id', 'FRESHNESS_STRONG')).query!.rows).toEqual([[1, 'one']]);
    expect((await compact(server, 'pk', { batchSize: 0 })).status).toBe(400);
    expect((await compact(server, 'pk', { nope: 1 })).status).toBe(400);
    expect((await compact(server, 'missing')).status).toBe(404);
  });
});

describe('embedded compactor and the overwrite hazard', () => {
  let server: StartedServer;
  let ref: DuckDBReference;
  beforeAll(async () => {
    // Slow enough that keyed records are often pending when a direct write runs (the hazard's precondition).
    server = await startServer({ K3_COMPACTOR_INTERVAL: '300ms', K3_COMPACTOR_BACKLOG_AGE: '1s', K3_COMPACTOR_BACKLOG_ENTRIES: '6' });
    ref = await DuckDBReference.create();
  });
  afterAll(async () => {
    await server?.stop();
    ref?.close();
  });

  it('drains on its own: EVENTUAL catches up without a Compact call', async () => {
    await ok(server, 'CREATE TABLE auto (id INTEGER PRIMARY KEY, v INTEGER)');
    await ok(server, 'INSERT INTO auto VALUES (1, 1), (2, 2)');
    const deadline = Date.now() + 20_000;
    let rows: unknown[][] = [];
    while (Date.now() < deadline) {
      rows = (await ok(server, 'SELECT * FROM auto ORDER BY id', 'FRESHNESS_EVENTUAL')).query!.rows;
      if (rows.length === 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows).toEqual([[1, 1], [2, 2]]);
    expect((await describeTable(server, 'auto')).walBacklogEntries).toBe('0');
  });

  it('concurrent clients: keyed writers, a non-keyed writer and drains — every key ends at its last acknowledged write', async () => {
    await ok(server, 'CREATE TABLE cz (id INTEGER PRIMARY KEY, v INTEGER, touched INTEGER)');
    // Keyed writers own disjoint keys and write `v` (upserts and deletes); the non-keyed writer only
    // bumps `touched` on every row. A direct write built on a stale snapshot, or a drain applying an
    // older record over a newer state, would bring back an older `v` or a deleted row.
    const last = new Map<number, number | undefined>();
    let done = false;
    const keyed = async (w: number): Promise<void> => {
      for (let j = 0; j < 15; j++) {
        const k = w * 100 + (j % 4);
        const del = j % 5 === 4;
        const sql = del ? `DELETE FROM cz WHERE id = ${k}` : `INSERT OR REPLACE INTO cz VALUES (${k}, ${j + 1}, 0)`;
        const res = await execute(server.url, BUCKET, sql);
        expect(res.status, `${sql}: ${JSON.stringify(res.body)}`).toBe(200);
        last.set(k, del ? undefined : j + 1);
      }
    };
    const direct = async (): Promise<number> => {
      let n = 0;
      while (!done) {
        const res = await execute(server.url, BUCKET, 'UPDATE cz SET touched = touched + 1 WHERE v > 0');
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.write!.strategy).toBe('WRITE_STRATEGY_NON_KEYED_UPDATE');
        n++;
      }
      return n;
    };
    const drains = async (): Promise<void> => {
      while (!done) {
        // A Compact that loses a race with a concurrent drain or commit answers a retryable 409
        // (ERR_WRITE_CONTENTION / a Delta conflict; docs/design/faults.md): nothing was applied by it.
        const c = await compact(server, 'cz', { batchSize: 2 });
        if (c.status !== 200) expect({ status: c.status, retryable: c.body.retryable }, JSON.stringify(c.body)).toEqual({ status: 409, retryable: true });
        await new Promise((r) => setTimeout(r, 30));
      }
    };
    const background = Promise.all([direct(), drains()]);
    await Promise.all([0, 1, 2].map(keyed));
    done = true;
    const [directWrites] = await background;
    expect(directWrites).toBeGreaterThan(0);
    const want = [...last].filter(([, v]) => v !== undefined).sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v]);
    expect((await ok(server, 'SELECT id, v FROM cz ORDER BY id', 'FRESHNESS_STRONG')).query!.rows).toEqual(want);
    let c;
    do c = await compact(server, 'cz');
    while (c.body.truncated === true);
    expect((await ok(server, 'SELECT id, v FROM cz ORDER BY id', 'FRESHNESS_EVENTUAL')).query!.rows).toEqual(want);
  });

  it('never loses or resurrects an acknowledged write across keyed writes, direct writes and racing drains', async () => {
    const ddl = 'CREATE TABLE hz (id INTEGER PRIMARY KEY, v INTEGER, tag VARCHAR)';
    await ok(server, ddl);
    await ref.run(ddl);
    // A fixed-seed generator: a different but reproducible interleaving on every run would hide failures.
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const drains: Promise<unknown>[] = [];
    for (let i = 0; i < 60; i++) {
      const k = rand(12);
      const op = rand(7);
      const sql = [
        `INSERT OR REPLACE INTO hz VALUES (${k}, ${i}, 'k')`,
        `UPDATE hz SET v = v + 1000 WHERE id = ${k}`,
        `DELETE FROM hz WHERE id = ${k}`,
        `UPDATE hz SET tag = 'direct${i}' WHERE v % 2 = ${i % 2}`,
        `DELETE FROM hz WHERE v > ${500 + i * 20} AND tag <> 'k'`,
        `INSERT INTO hz VALUES (${100 + i}, ${i}, 'new')`,
        `MERGE INTO hz USING (VALUES (${k}, ${i})) AS s(id, v) ON hz.id = s.id WHEN MATCHED THEN UPDATE SET v = hz.v + s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v, 'm')`,
      ][op]!;
      const res = await execute(server.url, BUCKET, sql);
      expect(res.status, `${sql}: ${JSON.stringify(res.body)}`).toBe(200);
      await ref.run(sql);
      // Drains fired without waiting: they race the next statements (and the background compactor).
      if (rand(3) === 0) drains.push(compact(server, 'hz', { batchSize: 1 + rand(4) }));
    }
    for (const d of await Promise.all(drains)) expect((d as { status: number }).status).toBe(200);
    const expected = (await ref.run('SELECT * FROM hz ORDER BY id')).rows;
    expect((await ok(server, 'SELECT * FROM hz ORDER BY id', 'FRESHNESS_STRONG')).query!.rows).toEqual(expected);
    let c;
    do c = await compact(server, 'hz');
    while (c.body.truncated === true);
    expect((await ok(server, 'SELECT * FROM hz ORDER BY id', 'FRESHNESS_EVENTUAL')).query!.rows).toEqual(expected);
    expect((await ok(server, 'SELECT count(*) = count(DISTINCT id) FROM hz', 'FRESHNESS_EVENTUAL')).query!.rows).toEqual([[true]]);
  });
});

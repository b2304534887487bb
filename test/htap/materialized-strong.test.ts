/**
 * The materialized STRONG base is never stale (issue 14, "caches are never stale";
 * docs/design/hot-path.md, "Materialized STRONG base"): a reader COORDINATOR PROCESS holds a
 * keyed table's STRONG rows up to its warm base in memory and reuses them across statements,
 * while a writer in ANOTHER coordinator process writes, deletes, drains, alters, and drops and
 * recreates the table. Every STRONG read must equal the table as of every write acknowledged
 * before it began; reads after a tail-only change must come from the reused materialization
 * (the strategy reason names it), so the reuse itself is what is being checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainTable, execute, keepWriteLogUndrained, startServer, type StartedServer } from '../support/server.ts';

keepWriteLogUndrained();

const BUCKET = 'matstrong';
const STRONG = { freshness: 'FRESHNESS_STRONG' };

describe('materialized STRONG base with a writer in another coordinator process', () => {
  let reader: StartedServer;
  let writer: StartedServer;
  beforeAll(async () => {
    // A base file as soon as 4 keys are un-drained; no background drains (the test drains itself).
    reader = await startServer({ K3_WARM_TAIL_KEYS: '4', K3_COMPACTOR_INTERVAL: '1h' });
    writer = await startServer({ K3_COMPACTOR_INTERVAL: '1h' }, { dataDir: reader.dataDir });
  }, 60_000);
  afterAll(async () => {
    await writer?.stop();
    await reader?.stop();
  });

  const write = async (sql: string): Promise<void> => {
    const res = await execute(writer.url, BUCKET, sql);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  /** One STRONG read of the whole table on the reader: its rows as text, and whether the materialization answered. */
  const read = async (sql = 'SELECT * FROM kv ORDER BY id'): Promise<{ rows: string[][]; columns: string[]; materialized: boolean }> => {
    const res = await execute(reader.url, BUCKET, sql, STRONG);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const q = res.body.query!;
    return { rows: q.rows.map((r) => r.map((v) => (v === null ? 'NULL' : String(v)))), columns: q.columns.map((c) => c.name), materialized: q.strategyReason.includes('materialized base: kv') };
  };
  /** Reads (each must be exact) until the reader answers from a materialization; the build runs in the background. */
  const untilMaterialized = async (expected: string[][]): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      const got = await read();
      expect(got.rows).toEqual(expected);
      if (got.materialized) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the reader never answered from a materialized STRONG base');
  };
  const rowsOf = (m: Map<number, string>): string[][] => [...m].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]);

  it('reuses the materialization only for exactly the state the log names', async () => {
    await write('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT)');
    const table = new Map<number, string>();
    await write('INSERT INTO kv SELECT i, i FROM range(20) t(i)');
    for (let i = 0; i < 20; i++) table.set(i, String(i));
    await drainTable(writer.url, BUCKET, 'kv'); // Delta holds 0..19
    await write('INSERT OR REPLACE INTO kv SELECT i, 100 + i FROM range(10) t(i)'); // 10 un-drained keys > 4: a base
    for (let i = 0; i < 10; i++) table.set(i, String(100 + i));
    await untilMaterialized(rowsOf(table));

    // Tail-only changes from the other process: the same materialization answers, with the tail.
    await write('INSERT OR REPLACE INTO kv VALUES (15, 1500)');
    table.set(15, '1500');
    let got = await read();
    expect(got.rows).toEqual(rowsOf(table));
    expect(got.materialized).toBe(true);
    await write('DELETE FROM kv WHERE id = 3');
    table.delete(3);
    await write('INSERT INTO kv VALUES (50, 5000)');
    table.set(50, '5000');
    got = await read();
    expect(got.rows).toEqual(rowsOf(table));
    expect(got.materialized).toBe(true);
    expect((await read('SELECT count(*), sum(v) FROM kv')).rows).toEqual([[String(table.size), String([...table.values()].reduce((n, v) => n + Number(v), 0))]]);
    // Concurrent STRONG reads: one holds the lease, the others read the usual way; all exact.
    const concurrent = await Promise.all(Array.from({ length: 6 }, () => read()));
    for (const c of concurrent) expect(c.rows).toEqual(rowsOf(table));
    // A statement failing on the leased connection retires it; the next reads are still exact.
    expect((await execute(reader.url, BUCKET, 'SELECT v / 0 FROM kv WHERE CAST(id AS VARCHAR) = error(\'boom\')', STRONG)).status).toBe(400);
    await untilMaterialized(rowsOf(table));

    // A write that outgrows the tail makes a new base; the materialization (same version) is advanced to it.
    await write('INSERT OR REPLACE INTO kv SELECT i, 200 + i FROM range(10, 20) t(i)');
    for (let i = 10; i < 20; i++) table.set(i, String(200 + i));
    expect((await read()).rows).toEqual(rowsOf(table));
    await untilMaterialized(rowsOf(table));

    // A drain by the other process (new Delta version, watermark moved).
    await drainTable(writer.url, BUCKET, 'kv');
    expect((await read()).rows).toEqual(rowsOf(table));
    await write('INSERT OR REPLACE INTO kv SELECT i, 300 + i FROM range(0, 8) t(i)');
    for (let i = 0; i < 8; i++) table.set(i, String(300 + i));
    await untilMaterialized(rowsOf(table));

    // ALTER TABLE by the other process: the new column shows at once.
    await write('ALTER TABLE kv ADD COLUMN note VARCHAR');
    got = await read();
    expect(got.columns).toEqual(['id', 'v', 'note']);
    expect(got.rows).toEqual(rowsOf(table).map((r) => [...r, 'NULL']));
    expect(got.materialized).toBe(false);

    // DROP + CREATE under the same name, other content: nothing of the old table survives.
    await write('INSERT OR REPLACE INTO kv SELECT i, 400 + i, \'x\' FROM range(0, 8) t(i)');
    for (let i = 0; i < 8; i++) table.set(i, String(400 + i));
    await untilMaterialized(rowsOf(table).map((r) => [...r, table.has(Number(r[0])) && Number(r[0]) < 8 ? 'x' : 'NULL']));
    await write('DROP TABLE kv');
    await write('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT)');
    await write('INSERT INTO kv SELECT i, -i FROM range(6) t(i)');
    const fresh = new Map<number, string>();
    for (let i = 0; i < 6; i++) fresh.set(i, String(-i));
    got = await read();
    expect(got.columns).toEqual(['id', 'v']);
    expect(got.rows).toEqual(rowsOf(fresh));
    expect(got.materialized).toBe(false);
    await untilMaterialized(rowsOf(fresh));
  }, 120_000);
});

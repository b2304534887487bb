/**
 * The pooled EVENTUAL read (sql/bound-read-pool.ts) is never stale (issue 14, "caches are never
 * stale"; docs/design/hot-path.md, "Aggregates and fan-out"): a reader COORDINATOR PROCESS keeps
 * each table's bound view and prepared statements across reads, while a writer in ANOTHER
 * coordinator process appends files, deletes, alters, and drops and re-creates the table under the
 * same name, and drains a keyed table's log. Every EVENTUAL read that starts after a change was
 * acknowledged must answer from the snapshot that change committed — the same text is read twice
 * each time, so the second read is the reused view and statement.
 */
import { describe, expect, it } from 'vitest';
import { coordinatorPair } from '../support/coordinator-pair.ts';
import { drainTable, execute, keepWriteLogUndrained } from '../support/server.ts';

keepWriteLogUndrained();

const BUCKET = 'pooledreads';
const EVENTUAL = { freshness: 'FRESHNESS_EVENTUAL' };

describe('pooled EVENTUAL reads with a writer in another coordinator process', () => {
  const pair = coordinatorPair({ K3_COMPACTOR_INTERVAL: '1h' });

  const write = async (sql: string): Promise<void> => {
    const res = await execute(pair.writer.url, BUCKET, sql);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  };
  /** The same EVENTUAL read twice on the reader (the second reuses the first's view); both must be `expected`. */
  const expectRead = async (sql: string, expected: string[][], columns?: string[]): Promise<void> => {
    for (let i = 0; i < 2; i++) {
      const res = await execute(pair.reader.url, BUCKET, sql, EVENTUAL);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const q = res.body.query!;
      expect(q.strategy).toBe('QUERY_STRATEGY_FEDERATED_TO_SINGLE');
      expect(q.rows.map((r) => r.map((v) => (v === null ? 'NULL' : String(v))))).toEqual(expected);
      if (columns !== undefined) expect(q.columns.map((c) => c.name)).toEqual(columns);
    }
  };
  const BY_REGION = 'SELECT region, count(*), sum(v) FROM t GROUP BY region ORDER BY region';

  it('a partitioned table: new files, deletes, ALTER, DROP + CREATE — each read sees the committed snapshot', async () => {
    await write('CREATE TABLE t (id BIGINT, region VARCHAR, v BIGINT) PARTITIONED BY (region)');
    await write("INSERT INTO t SELECT i, ['eu', 'us'][i % 2 + 1], i FROM range(10) r(i)");
    await expectRead(BY_REGION, [['eu', '5', '20'], ['us', '5', '25']]);
    await write("INSERT INTO t VALUES (100, 'eu', 100), (101, 'apac', 1)");
    await expectRead(BY_REGION, [['apac', '1', '1'], ['eu', '6', '120'], ['us', '5', '25']]);
    await write("DELETE FROM t WHERE region = 'us' OR id = 100");
    await expectRead(BY_REGION, [['apac', '1', '1'], ['eu', '5', '20']]);
    await write('ALTER TABLE t ADD COLUMN w BIGINT');
    await write("INSERT INTO t VALUES (7, 'us', 7, 70)");
    await expectRead('SELECT * FROM t WHERE id >= 7 ORDER BY id', [['7', 'us', '7', '70'], ['8', 'eu', '8', 'NULL'], ['101', 'apac', '1', 'NULL']], ['id', 'region', 'v', 'w']);
    await write('DROP TABLE t');
    await write('CREATE TABLE t (id BIGINT, region VARCHAR, v BIGINT) PARTITIONED BY (region)');
    await write("INSERT INTO t VALUES (1, 'eu', 1000)");
    await expectRead(BY_REGION, [['eu', '1', '1000']]);
  }, 60_000);

  it('a keyed table: EVENTUAL sees a drain the other process made, never an older view', async () => {
    await write('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT)');
    await write('INSERT INTO kv SELECT i, i FROM range(100) r(i)');
    await drainTable(pair.writer.url, BUCKET, 'kv');
    await expectRead('SELECT count(*), sum(v) FROM kv', [['100', '4950']]);
    await write('INSERT OR REPLACE INTO kv VALUES (1, 1001), (200, 2)');
    // Un-drained: EVENTUAL reads Delta, which has not changed.
    await expectRead('SELECT count(*), sum(v) FROM kv', [['100', '4950']]);
    await drainTable(pair.writer.url, BUCKET, 'kv');
    await expectRead('SELECT count(*), sum(v) FROM kv', [['101', String(4950 + 1000 + 2)]]);
    await write('DELETE FROM kv WHERE id < 50');
    await drainTable(pair.writer.url, BUCKET, 'kv');
    await expectRead('SELECT count(*), sum(v) FROM kv', [['51', String(4950 - 1225 + 2)]]);
  }, 60_000);
});

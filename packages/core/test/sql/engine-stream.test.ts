/**
 * Streamed reads through the real Engine: batches of domain values straight from DuckDB's
 * streaming result, equal to what `execute` answers; connections released on exhaustion, break,
 * close and abort; non-reads answer like execute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../src/api/index.ts';
import type { RowStream } from '../../src/sql/index.ts';
import { createHarness, type Harness } from './engine-harness.ts';

let h: Harness;
const bucket = 'test-bucket';

async function stream(sql: string, extra: { params?: unknown[]; freshness?: Freshness; signal?: AbortSignal } = {}): Promise<RowStream> {
  const s = await h.engine.executeStream({ bucket, sql, ...extra });
  if (s.header === undefined) throw new Error(`expected a query stream for ${sql}`);
  return s;
}
async function collect(s: RowStream): Promise<{ rows: unknown[][]; batches: number[] }> {
  const rows: unknown[][] = [];
  const batches: number[] = [];
  for await (const b of s) {
    batches.push(b.rows.length);
    rows.push(...b.rows.map((r) => [...r]));
  }
  return { rows, batches };
}

beforeAll(async () => {
  h = await createHarness({ K3_FEDERATE_MIN_PARTITIONS: '1', K3_FEDERATE_MIN_BYTES: '0' }, { drainLogWrites: false });
  await h.ddl(`CREATE TABLE big AS SELECT range AS id, 'r' || (range % 7) AS tag, range * 0.5 AS half,
    TIMESTAMP '2026-01-01 00:00:00' + INTERVAL (range) MICROSECOND AS ts, DATE '2026-01-01' + (range % 3)::INTEGER AS day FROM range(30000)`);
  await h.ddl('CREATE TABLE typed (id BIGINT, b BLOB, j JSON, f FLOAT, big BIGINT)');
  await h.write(`INSERT INTO typed VALUES (1, '\\x00\\xFF'::BLOB, '{"a": [1, 2]}', 0.1, 9223372036854775807)`);
  await h.ddl('CREATE TABLE sales (region VARCHAR, amount BIGINT) PARTITIONED BY (region)');
  for (const r of ['EU', 'US']) await h.write(`INSERT INTO sales VALUES ('${r}', 1), ('${r}', 2)`);
  await h.ddl('CREATE TABLE kv (id BIGINT PRIMARY KEY, v VARCHAR)');
}, 120_000);

afterAll(async () => h?.close());

describe('executeStream', () => {
  it('yields every row in DuckDB-chunk batches, equal to execute', async () => {
    const s = await stream('SELECT id, tag, half, ts, day FROM big ORDER BY id');
    expect(s.header!.columns).toEqual([
      { name: 'id', type: 'BIGINT', duckdbType: 'BIGINT', columnType: 'COLUMN_TYPE_LONG' }, { name: 'tag', type: 'VARCHAR', duckdbType: 'VARCHAR', columnType: 'COLUMN_TYPE_STRING' },
      { name: 'half', type: 'DECIMAL(21,1)', duckdbType: 'DECIMAL(21,1)', columnType: 'COLUMN_TYPE_UNSPECIFIED' }, // CTAS keeps the query's DECIMAL (issue 15)
      { name: 'ts', type: 'TIMESTAMP', duckdbType: 'TIMESTAMP', columnType: 'COLUMN_TYPE_TIMESTAMP' }, { name: 'day', type: 'DATE', duckdbType: 'DATE', columnType: 'COLUMN_TYPE_DATE' },
    ]);
    const whole = await h.query('SELECT id, tag, half FROM big ORDER BY id');
    expect(s.header!.strategy).toBe(whole.strategy);
    const { rows, batches } = await collect(s);
    expect(rows.length).toBe(30000);
    expect(s.rowsRead).toBe(30000);
    expect(Math.max(...batches)).toBeLessThanOrEqual(2048);
    expect(batches.length).toBeGreaterThanOrEqual(15);
    expect(rows[12345]).toEqual([12345n, 'r4', '6172.5', 1767225600000000n + 12345n, new Date(Date.UTC(2026, 0, 1))]);
    expect(rows.map((r) => [String(r[0]), r[1], r[2]])).toEqual(whole.rows);
  });

  it('`batches` yields the domain rows of the iteration; summary() is Execute without rows', async () => {
    const sql = 'SELECT id, tag, ts, day FROM big WHERE id < 5000 ORDER BY id';
    const s = await stream(sql);
    const rows: unknown[][] = [];
    for await (const b of s.batches) rows.push(...b);
    expect(rows).toEqual((await collect(await stream(sql))).rows);
    const whole = await h.query(sql);
    expect(rows.map((r) => String(r[0]))).toEqual(whole.rows.map((r) => String(r[0])));
    const { rows: _r, timings: _t, ...rest } = whole;
    const summary = await s.summary();
    if (!('query' in summary)) throw new Error('expected a query summary');
    const { rows: none, timings: _t2, ...restStreamed } = summary.query;
    expect(none).toEqual([]);
    expect(restStreamed).toEqual(rest);
  });

  it('domain values: bytes, JSON text, float32, int64 extremes; bound parameters', async () => {
    const { rows } = await collect(await stream('SELECT b, j, f, big FROM typed WHERE id = $1', { params: [1] }));
    expect(rows).toEqual([[new Uint8Array([0, 255]), '{"a":[1,2]}', Math.fround(0.1), 9223372036854775807n]]);
  });

  it('a plan that would fan out streams on one node over the pruned files', async () => {
    const fanned = await h.query("SELECT region, amount FROM sales WHERE region <> 'EU'");
    expect(fanned.strategy).toBe('QUERY_STRATEGY_FEDERATED_SCAN');
    const s = await stream('SELECT region, amount FROM sales WHERE region <> $1 ORDER BY amount', { params: ['EU'] });
    expect(s.header).toMatchObject({ strategy: 'QUERY_STRATEGY_FEDERATED_TO_SINGLE', partitionsPruned: 1 });
    expect(s.header!.strategyReason).toContain('streamed');
    expect((await collect(s)).rows).toEqual([['US', 1n], ['US', 2n]]);
  });

  it('STRONG streams merge the write log', async () => {
    await h.write("INSERT INTO kv VALUES (1, 'a'), (2, 'b')");
    const s = await stream('SELECT id, v FROM kv ORDER BY id', { freshness: Freshness.STRONG });
    expect(s.header).toMatchObject({ strategy: 'QUERY_STRATEGY_UNARY_MERGED_STRONG', servedBy: 'SERVED_BY_MERGED' });
    expect((await collect(s)).rows).toEqual([[1n, 'a'], [2n, 'b']]);
  });

  it('break, close and abort release the connection; later requests run', async () => {
    const s1 = await stream('SELECT id FROM big');
    for await (const b of s1) {
      expect(b.rows.length).toBeGreaterThan(0);
      break;
    }
    const s2 = await stream('SELECT id FROM big');
    await s2.close();
    await s2.close();
    const controller = new AbortController();
    const s3 = await stream('SELECT a.id FROM big a, big b', { signal: controller.signal });
    let err: unknown;
    try {
      for await (const _b of s3) controller.abort();
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ERR_QUERY_CANCELLED' });
    expect((await h.query('SELECT count(*) FROM big')).rows).toEqual([['30000']]);
  });

  it('writes, DDL and SHOW answer exactly like execute; typed Query streams', async () => {
    const w = await h.engine.executeStream({ bucket, sql: 'INSERT INTO typed (id) VALUES ($1)', params: [2] });
    expect(w.columns).toEqual([]);
    expect((await collect(w)).rows).toEqual([]);
    expect(await w.summary()).toMatchObject({ write: { rowsAffected: 1, strategy: 'WRITE_STRATEGY_NON_KEYED_INSERT' } });
    const show = await h.engine.executeStream({ bucket, sql: 'SHOW TABLES' });
    expect(show.columns).toEqual([{ name: 'name', type: 'VARCHAR', duckdbType: 'VARCHAR', columnType: 'COLUMN_TYPE_STRING' }]);
    const shown: unknown[][] = [];
    for await (const b of show.batches) shown.push(...b);
    expect(shown).toContainEqual(['big']);
    expect(await show.summary()).toMatchObject({ query: { rows: [], rowCount: shown.length } });
    const q = await h.engine.queryRowsStream({ bucket, tableName: 'big', columns: ['id'], where: { column: 'id', op: 'LT', value: 3 }, orderBy: [{ column: 'id', descending: true }] });
    expect((await collect(q)).rows).toEqual([[2n], [1n], [0n]]);
  });
});

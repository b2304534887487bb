/**
 * Bound parameters through the real Engine (shared decision 2): every path — single-node and
 * federated reads, STRONG reads, Delta writes (probe-scoped and diffed), keyed writes through the
 * write log — binds `$1 … $n` / `?` through DuckDB prepared statements and answers exactly what
 * the same statement with literals answers (rows, strategy, pruning).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness, type ExecuteResponse } from '../../src/api/index.ts';
import { createHarness, type Harness } from './engine-harness.ts';
import { failure } from '../support/expect-failure.ts';
import { wireRows } from '../support/wire-rows.ts';

let h: Harness;

async function run(sql: string, params?: unknown[], freshness?: Freshness): Promise<ExecuteResponse> {
  return h.engine.execute({ bucket: h.bucket, sql, ...(params !== undefined ? { params } : {}), ...(freshness !== undefined ? { freshness } : {}) });
}
async function rows(sql: string, params?: unknown[], freshness?: Freshness): Promise<unknown[][]> {
  const r = await run(sql, params, freshness);
  if (!('query' in r)) throw new Error(`expected a query result for ${sql}`);
  return wireRows(r.query);
}
async function write(sql: string, params?: unknown[]) {
  const r = await run(sql, params);
  if (!('write' in r)) throw new Error(`expected a write result for ${sql}`);
  return r.write;
}
beforeAll(async () => {
  h = await createHarness({ K3_FEDERATE_MIN_PARTITIONS: '1', K3_FEDERATE_MIN_BYTES: '0' }, { drainLogWrites: false });
  await h.ddl('CREATE TABLE plain (id BIGINT, name VARCHAR, ts TIMESTAMP, b BLOB, amount DOUBLE)');
  await h.ddl('CREATE TABLE kv (id BIGINT PRIMARY KEY, name VARCHAR, n INTEGER)');
  await h.ddl('CREATE TABLE sales (region VARCHAR, amount BIGINT) PARTITIONED BY (region)');
  for (const region of ['EU', 'US', 'APAC']) await h.write(`INSERT INTO sales VALUES ('${region}', 1), ('${region}', 2)`);
}, 60_000);

afterAll(async () => h?.close());

describe('bound parameters: writes straight to Delta', () => {
  it('INSERT binds every value type; the text of a value is never SQL', async () => {
    const evil = "x'); DROP TABLE plain; --";
    const w = await write('INSERT INTO plain VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)', [
      9007199254740993n, evil, '2024-01-02 03:04:05.123456', new Uint8Array([0, 255, 39]), 1.5,
      2, 'two', new Date(Date.UTC(2025, 0, 1)), null, -0.25,
    ]);
    expect(w.rowsAffected).toBe(2);
    expect(await rows('SELECT id, name, ts, b, amount FROM plain ORDER BY id')).toEqual([
      ['2', 'two', '2025-01-01 00:00:00', null, -0.25],
      ['9007199254740993', evil, '2024-01-02 03:04:05.123456', 'AP8n', 1.5],
    ]);
  });

  it('? placeholders are numbered left to right', async () => {
    await write('INSERT INTO plain (id, name) VALUES (?, ?)', [3, 'three']);
    expect(await rows('SELECT name FROM plain WHERE id = ? OR name = ? ORDER BY id', [3, 'two'])).toEqual([['two'], ['three']]);
  });

  it('UPDATE and DELETE bind values in SET and WHERE (write-scope probe included)', async () => {
    const u = await write('UPDATE plain SET name = $1 WHERE id = $2', ['TWO', 2]);
    expect(u).toMatchObject({ rowsAffected: 1, strategy: 'WRITE_STRATEGY_NON_KEYED_UPDATE' });
    // $2 only in the WHERE clause: the probe built from that text binds it alone.
    const u2 = await write('UPDATE plain SET amount = $2 WHERE name = $1', ['TWO', 7]);
    expect(u2.rowsAffected).toBe(1);
    const d = await write('DELETE FROM plain WHERE id = ?', [3]);
    expect(d).toMatchObject({ rowsAffected: 1, strategy: 'WRITE_STRATEGY_NON_KEYED_DELETE' });
    expect(await rows('SELECT id, name, amount FROM plain ORDER BY id')).toEqual([['2', 'TWO', 7], ['9007199254740993', "x'); DROP TABLE plain; --", 1.5]]);
  });

  it('MERGE binds values of its source rows', async () => {
    const m = await write('MERGE INTO plain AS t USING (VALUES ($1::BIGINT, $2::VARCHAR), ($3, $4)) AS s(id, name) ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name)', [2, 'merged', 4, 'four']);
    expect(m).toMatchObject({ rowsAffected: 2, strategy: 'WRITE_STRATEGY_MERGE_ROWS' });
    expect(await rows('SELECT id, name FROM plain WHERE id IN ($1, $2) ORDER BY id', [2, 4])).toEqual([['2', 'merged'], ['4', 'four']]);
  });
});

describe('bound parameters: keyed writes and STRONG reads', () => {
  it('routes on bound key values exactly as on literals', async () => {
    expect((await write('INSERT INTO kv VALUES ($1, $2, $3)', [1, 'a', 10])).strategy).toBe('WRITE_STRATEGY_KEYED_INSERT_SINGLE');
    expect((await write('INSERT INTO kv VALUES ($1, $2, $3), ($4, $5, $6)', [2, 'b', 20, 3, 'c', 30])).strategy).toBe('WRITE_STRATEGY_KEYED_INSERT_BULK');
    expect((await write('UPDATE kv SET n = $1 WHERE id = $2', [11, 1])).strategy).toBe('WRITE_STRATEGY_KEYED_UPDATE');
    expect((await write('UPDATE kv SET name = $1 WHERE id BETWEEN $2 AND $3', ['bc', 2, 3])).strategy).toBe('WRITE_STRATEGY_KEYED_RANGE');
    expect((await write('DELETE FROM kv WHERE id = ?', [3])).strategy).toBe('WRITE_STRATEGY_KEYED_DELETE');
    expect(await rows('SELECT id, name, n FROM kv WHERE id >= $1 ORDER BY id', [0], Freshness.STRONG)).toEqual([['1', 'a', 11], ['2', 'bc', 20]]);
    const strong = await run('SELECT count(*) FROM kv WHERE name = $1', ['a'], Freshness.STRONG);
    expect('query' in strong && strong.query.strategy).toBe('QUERY_STRATEGY_UNARY_MERGED_STRONG');
    // A duplicate key bound as a parameter is refused like a literal one.
    expect((await failure(write('INSERT INTO kv VALUES ($1, $2, $3)', [1, 'dup', 0]))).code).toBe('ERR_CONSTRAINT_PRIMARY_KEY');
  });
});

describe('bound parameters: federated reads', () => {
  it('prunes and federates exactly like the literal statement', async () => {
    const bound = await run('SELECT region, sum(amount) AS total FROM sales WHERE region = $1 GROUP BY region', ['EU']);
    const literal = await run("SELECT region, sum(amount) AS total FROM sales WHERE region = 'EU' GROUP BY region");
    if (!('query' in bound) || !('query' in literal)) throw new Error('expected queries');
    expect(bound.query.rows).toEqual(literal.query.rows);
    expect(bound.query.strategy).toBe(literal.query.strategy);
    expect(bound.query.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
    expect(bound.query.partitionsPruned).toBe(literal.query.partitionsPruned);
    expect(bound.query.partitionsPruned).toBe(2);
    const scan = await run('SELECT region, amount FROM sales WHERE amount > ? ORDER BY region LIMIT ?', [1, 2]);
    if (!('query' in scan)) throw new Error('expected a query');
    expect(scan.query.strategy).toBe('QUERY_STRATEGY_FEDERATED_SCAN');
    expect(scan.query.rows).toEqual([['APAC', 2n], ['EU', 2n]]);
  });
});

describe('bound parameters: refusals', () => {
  it('counts, styles and statement kinds are checked before anything runs', async () => {
    expect((await failure(run('SELECT $1, $2', [1])))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect((await failure(run('SELECT 1', [1])))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect((await failure(run('SELECT $1, ?', [1, 2])))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect((await failure(run('SELECT $2', [1, 2])))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect((await failure(run('SELECT $name', ['x'])))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect((await failure(run('CREATE TABLE p2 (id BIGINT DEFAULT $1)', [1])))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect((await failure(run('OPTIMIZE plain', [1])))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect((await failure(run('SELECT $1', [[1, 2]])))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect((await failure(run('SELECT * FROM plain WHERE id = $1', ['not a number'])))).toMatchObject({ code: 'ERR_TYPE_MISMATCH' });
    // Without params a placeholder is refused as before.
    expect((await failure(run('SELECT * FROM plain WHERE id = $1')))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(await rows("SELECT '?' AS q, '$1' AS d")).toEqual([['?', '$1']]);
  });
});

describe('describeStatement', () => {
  it('answers placeholder types and result columns without executing', async () => {
    const before = await rows('SELECT count(*) FROM plain');
    expect(await h.engine.describeStatement({ bucket: h.bucket, sql: 'SELECT id, name, ts FROM plain WHERE id = $1 AND ts < $2' })).toEqual({
      kind: 'query',
      parameters: [{ type: 'BIGINT' }, { type: 'TIMESTAMP' }],
      columns: [{ name: 'id', type: 'BIGINT' }, { name: 'name', type: 'VARCHAR' }, { name: 'ts', type: 'TIMESTAMP' }],
    });
    expect(await h.engine.describeStatement({ bucket: h.bucket, sql: 'INSERT INTO plain (id, b) VALUES (?, ?) RETURNING id' })).toEqual({
      kind: 'write', parameters: [{ type: 'BIGINT' }, { type: 'BLOB' }], columns: [{ name: 'id', type: 'BIGINT' }],
    });
    expect(await h.engine.describeStatement({ bucket: h.bucket, sql: 'SELECT $1 AS x' })).toEqual({ kind: 'query', parameters: [{ type: 'UNKNOWN' }] });
    expect(await h.engine.describeStatement({ bucket: h.bucket, sql: 'CREATE TABLE zz (a INT)' })).toEqual({ kind: 'ddl', parameters: [], columns: [] });
    expect((await h.engine.listTables(h.bucket)).map((t) => t.name)).not.toContain('zz');
    expect(await rows('SELECT count(*) FROM plain')).toEqual(before);
    expect((await failure(h.engine.describeStatement({ bucket: h.bucket, sql: 'SELECT nope FROM plain' }))).code).toBe('ERR_SQL_BIND');
  });
});

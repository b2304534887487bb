/**
 * Typed data operations through the real Engine (local store, real DuckDB, real write log):
 * each answers what its equivalent SQL answers — strategy, rows, table contents — with every value
 * bound; bad columns, ops and value shapes are clear 4xx errors that write nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../src/api/index.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';
import { failure } from '../support/expect-failure.ts';
import { wireRows } from '../support/wire-rows.ts';

let h: Harness;
const bucket = 'test-bucket';

async function rows(sql: string, freshness: Freshness = Freshness.STRONG): Promise<unknown[][]> {
  const r = await h.engine.execute({ bucket, sql, freshness });
  if (!('query' in r)) throw new Error('expected a query');
  return wireRows(r.query);
}
beforeAll(async () => {
  h = await createHarness({ K3_FEDERATE_MIN_PARTITIONS: '1', K3_FEDERATE_MIN_BYTES: '0' }, { drainLogWrites: false });
  await h.ddl(`CREATE TABLE events (id BIGINT NOT NULL, user_id VARCHAR NOT NULL, occurred_at TIMESTAMP NOT NULL, event_type VARCHAR NOT NULL DEFAULT 'click',
    payload JSON, body BLOB, score DOUBLE, n INTEGER, day DATE, ok BOOLEAN, PRIMARY KEY (id, user_id))`);
  await h.ddl('CREATE TABLE logs (region VARCHAR, msg VARCHAR, level SMALLINT DEFAULT 3) PARTITIONED BY (region)');
}, 60_000);

afterAll(async () => h?.close());

describe('Insert', () => {
  it('binds every column type, applies defaults, routes like INSERT … VALUES', async () => {
    const one = await h.engine.insertRows({ bucket, tableName: 'events', rows: [
      { id: '9007199254740993', user_id: "u-'1", occurred_at: 1716805800123456, payload: { page: '/pricing', tags: [1, 2] }, body: 'AP8n', score: 1.5, n: 7, day: '2026-05-27', ok: true },
    ] });
    expect(one).toMatchObject({ tableName: 'events', strategy: 'WRITE_STRATEGY_KEYED_INSERT_SINGLE', rowsAffected: 1 });
    const bulk = await h.engine.insertRows({ bucket, tableName: 'EVENTS', rows: [
      { id: 2, user_id: 'u2', occurred_at: '2026-05-27 10:01:00', event_type: 'purchase', payload: 'just text' },
      { id: 3, user_id: 'u3', occurred_at: '2026-05-27T10:02:00.5', payload: null, score: 'NaN' },
    ] });
    expect(bulk).toMatchObject({ strategy: 'WRITE_STRATEGY_KEYED_INSERT_BULK', rowsAffected: 2 });
    expect(await rows('SELECT id, user_id, occurred_at, event_type, payload, body, score, n, day, ok FROM events ORDER BY id')).toEqual([
      ['2', 'u2', '2026-05-27 10:01:00', 'purchase', '"just text"', null, null, null, null, null],
      ['3', 'u3', '2026-05-27 10:02:00.5', 'click', null, null, 'NaN', null, null, null],
      ['9007199254740993', "u-'1", '2024-05-27 10:30:00.123456', 'click', '{"page":"/pricing","tags":[1,2]}', 'AP8n', 1.5, 7, '2026-05-27', true],
    ]);
    const plain = await h.engine.insertRows({ bucket, tableName: 'logs', rows: [{ region: 'EU', msg: 'a' }, { region: 'US', msg: 'b', level: 1 }, { region: 'EU' }] });
    expect(plain).toMatchObject({ strategy: 'WRITE_STRATEGY_NON_KEYED_INSERT', rowsAffected: 3 });
    expect(await rows('SELECT region, msg, level FROM logs ORDER BY region, msg NULLS LAST')).toEqual([['EU', 'a', 3], ['EU', null, 3], ['US', 'b', 1]]);
  });

  it('refuses unknown columns, wrong shapes and missing required columns; nothing is written', async () => {
    const before = await rows('SELECT count(*) FROM events');
    expect(await failure(h.engine.insertRows({ bucket, tableName: 'events', rows: [{ id: 10, user_id: 'x', occurred_at: 0, nope: 1 }] }))).toMatchObject({ code: 'ERR_COLUMN_NOT_FOUND' });
    expect(await failure(h.engine.insertRows({ bucket, tableName: 'events', rows: [{ id: 10.5, user_id: 'x', occurred_at: 0 }] }))).toMatchObject({ code: 'ERR_TYPE_MISMATCH' });
    expect(await failure(h.engine.insertRows({ bucket, tableName: 'events', rows: [{ id: 10, user_id: 7, occurred_at: 0 }] }))).toMatchObject({ code: 'ERR_TYPE_MISMATCH' });
    expect(await failure(h.engine.insertRows({ bucket, tableName: 'events', rows: [{ id: 10, user_id: 'x', occurred_at: 0, n: 2 ** 40 }] }))).toMatchObject({ code: 'ERR_TYPE_MISMATCH' });
    expect(await failure(h.engine.insertRows({ bucket, tableName: 'events', rows: [{ id: 10, user_id: 'x', occurred_at: 0, body: 'not base64!' }] }))).toMatchObject({ code: 'ERR_TYPE_MISMATCH' });
    expect(await failure(h.engine.insertRows({ bucket, tableName: 'events', rows: [{ id: 10, user_id: 'x' }] }))).toMatchObject({ code: 'ERR_CONSTRAINT_NOT_NULL' });
    expect(await failure(h.engine.insertRows({ bucket, tableName: 'events', rows: [{ id: 2, user_id: 'u2', occurred_at: 0 }] }))).toMatchObject({ code: 'ERR_CONSTRAINT_PRIMARY_KEY' });
    expect(await failure(h.engine.insertRows({ bucket, tableName: 'events', rows: [] }))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(await failure(h.engine.insertRows({ bucket, tableName: 'events', rows: [{ id: 11, ID: 12, user_id: 'x', occurred_at: 0 }] }))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(await failure(h.engine.insertRows({ bucket, tableName: 'nosuch', rows: [{ a: 1 }] }))).toMatchObject({ code: 'ERR_TABLE_NOT_FOUND' });
    expect(await rows('SELECT count(*) FROM events')).toEqual(before);
  });
});

describe('Merge, Update, DeleteRows', () => {
  it('Merge on the merge keys updates matches and inserts the rest (MERGE_ROWS through the log)', async () => {
    const m = await h.engine.mergeRows({ bucket, tableName: 'events', rows: [
      { id: 2, user_id: 'u2', occurred_at: '2026-05-27 11:00:00', event_type: 'refund' },
      { id: 4, user_id: 'u4', occurred_at: '2026-05-27 11:00:00', event_type: 'view' },
    ] });
    expect(m).toMatchObject({ strategy: 'WRITE_STRATEGY_MERGE_ROWS', rowsAffected: 2 });
    expect(await rows('SELECT id, event_type, occurred_at FROM events WHERE id IN (2, 4) ORDER BY id')).toEqual([['2', 'refund', '2026-05-27 11:00:00'], ['4', 'view', '2026-05-27 11:00:00']]);
    const byColumn = await h.engine.mergeRows({ bucket, tableName: 'logs', matchColumns: ['msg'], rows: [{ msg: 'a', level: 9, region: 'EU' }, { msg: 'c', level: 2, region: 'APAC' }] });
    expect(byColumn).toMatchObject({ strategy: 'WRITE_STRATEGY_MERGE_ROWS', rowsAffected: 2 });
    expect(await rows('SELECT region, msg, level FROM logs WHERE msg IS NOT NULL ORDER BY msg')).toEqual([['EU', 'a', 9], ['US', 'b', 1], ['APAC', 'c', 2]]);
    expect(await failure(h.engine.mergeRows({ bucket, tableName: 'logs', rows: [{ msg: 'z' }] }))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(await failure(h.engine.mergeRows({ bucket, tableName: 'events', rows: [{ id: 5, user_id: 'u5', occurred_at: 0 }, { id: 6, user_id: 'u6' }] }))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
  });

  it('Update and DeleteRows route on the predicate like the equivalent SQL', async () => {
    const point = await h.engine.updateRows({ bucket, tableName: 'events', set: { event_type: 'click_pricing', score: 2 }, where: { and: [{ column: 'id', op: 'EQ', value: 2 }, { column: 'user_id', op: 'EQ', value: 'u2' }] } });
    expect(point).toMatchObject({ strategy: 'WRITE_STRATEGY_KEYED_UPDATE', rowsAffected: 1 });
    const range = await h.engine.updateRows({ bucket, tableName: 'events', set: { n: 1 }, where: { column: 'id', op: 'BETWEEN', value: [3, 4] } });
    expect(range).toMatchObject({ strategy: 'WRITE_STRATEGY_KEYED_RANGE', rowsAffected: 2 });
    const nonKeyed = await h.engine.updateRows({ bucket, tableName: 'events', set: { ok: false }, where: { or: [{ column: 'event_type', op: 'LIKE', value: 'click%' }, { column: 'score', op: 'IS_NULL' }] } });
    expect(nonKeyed).toMatchObject({ strategy: 'WRITE_STRATEGY_NON_KEYED_UPDATE', rowsAffected: 4 });
    expect(await rows('SELECT id, event_type, score, n, ok FROM events ORDER BY id')).toEqual([
      ['2', 'click_pricing', 2, null, false], ['3', 'click', 'NaN', 1, false], ['4', 'view', null, 1, false], ['9007199254740993', 'click', 1.5, 7, false],
    ]);
    const del = await h.engine.deleteRows({ bucket, tableName: 'events', where: { column: 'id', op: 'IN', value: [3, '4'] } });
    expect(del).toMatchObject({ strategy: 'WRITE_STRATEGY_KEYED_RANGE_DELETE', rowsAffected: 2 });
    const delPlain = await h.engine.deleteRows({ bucket, tableName: 'logs', where: { not: { column: 'level', op: 'GE', value: 2 } } });
    expect(delPlain).toMatchObject({ strategy: 'WRITE_STRATEGY_NON_KEYED_DELETE', rowsAffected: 1 });
    expect(await rows('SELECT count(*) FROM events')).toEqual([['2']]);
  });

  it('refuses bad predicates and set maps', async () => {
    const update = (where: unknown, set: unknown = { n: 1 }) => h.engine.updateRows({ bucket, tableName: 'events', set, where } as never);
    expect(await failure(update({ column: 'id', op: 'SOUNDS_LIKE', value: 1 }))).toMatchObject({ code: 'ERR_PREDICATE_INVALID' });
    expect(await failure(update({ column: 'id', op: 'EQ', value: null }))).toMatchObject({ code: 'ERR_PREDICATE_INVALID' });
    expect(await failure(update({ column: 'id', op: 'IN', value: [] }))).toMatchObject({ code: 'ERR_PREDICATE_INVALID' });
    expect(await failure(update({ column: 'id', op: 'BETWEEN', value: [1] }))).toMatchObject({ code: 'ERR_PREDICATE_INVALID' });
    expect(await failure(update({ column: 'id', op: 'LIKE', value: '1%' }))).toMatchObject({ code: 'ERR_PREDICATE_INVALID' });
    expect(await failure(update({ and: [] }))).toMatchObject({ code: 'ERR_PREDICATE_INVALID' });
    expect(await failure(update({ column: 'id', op: 'EQ', value: 1, extra: true }))).toMatchObject({ code: 'ERR_PREDICATE_INVALID' });
    expect(await failure(update({ column: 'id"; DROP TABLE events; --', op: 'EQ', value: 1 }))).toMatchObject({ code: 'ERR_COLUMN_NOT_FOUND' });
    expect(await failure(update({ column: 'id', op: 'EQ', value: 'abc' }))).toMatchObject({ code: 'ERR_TYPE_MISMATCH' });
    expect(await failure(update(undefined))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(await failure(update({ column: 'id', op: 'EQ', value: 1 }, {}))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(await failure(h.engine.deleteRows({ bucket, tableName: 'events' } as never))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(await rows('SELECT count(*) FROM events')).toEqual([['2']]);
  });
});

describe('Query', () => {
  it('columns, predicate, order, limit/offset and freshness equal the SQL', async () => {
    const typed = await h.engine.queryRows({ bucket, tableName: 'logs', columns: ['msg', 'level'], where: { column: 'level', op: 'GT', value: 0 }, orderBy: [{ column: 'level', descending: true }], limit: '2', offset: 0 });
    const sql = await h.engine.execute({ bucket, sql: 'SELECT msg, level FROM logs WHERE level > 0 ORDER BY level DESC LIMIT 2 OFFSET 0' });
    if (!('query' in sql)) throw new Error('expected a query');
    expect(typed.rows).toEqual(sql.query.rows);
    expect(typed.columns).toEqual(sql.query.columns);
    expect(typed.strategy).toBe(sql.query.strategy);
    expect(typed.strategy).toMatch(/^QUERY_STRATEGY_FEDERATED_/);
    // STRONG reads the un-drained write log; EVENTUAL does not.
    await h.engine.insertRows({ bucket, tableName: 'events', rows: [{ id: 50, user_id: 'u50', occurred_at: 0 }] });
    const strong = await h.engine.queryRows({ bucket, tableName: 'events', columns: ['id'], orderBy: [{ column: 'id' }], freshness: Freshness.STRONG });
    expect(strong).toMatchObject({ strategy: 'QUERY_STRATEGY_UNARY_MERGED_STRONG', rows: [[2n], [50n], [9007199254740993n]] });
    const eventual = await h.engine.queryRows({ bucket, tableName: 'events', columns: ['id'], orderBy: [{ column: 'id' }] });
    // EVENTUAL is Delta only: the un-drained insert of 50 and deletes of 3, 4 are not in it yet.
    expect(eventual.rows).toEqual([[2n], [3n], [4n], [9007199254740993n]]);
    const nulls = await h.engine.queryRows({ bucket, tableName: 'logs', columns: ['msg'], orderBy: [{ column: 'msg', nullsFirst: true }] });
    expect(nulls.rows[0]).toEqual([null]);
  });

  it('AS OF a version or a timestamp reads that snapshot', async () => {
    const table = await h.engine.describeTable(bucket, 'logs');
    const v1 = await h.engine.queryRows({ bucket, tableName: 'logs', columns: ['region', 'msg', 'level'], asOfVersion: '1', orderBy: [{ column: 'region' }, { column: 'msg' }] });
    expect(v1.rows).toEqual([['EU', 'a', 3], ['EU', null, 3], ['US', 'b', 1]]);
    const now = await h.engine.queryRows({ bucket, tableName: 'logs', asOfTimestamp: new Date(Number(table.updatedAt)).toISOString() });
    expect(now.rows.length).toBe(Number(table.rowCount));
    expect(await failure(h.engine.queryRows({ bucket, tableName: 'logs', asOfVersion: 1, asOfTimestamp: '2026-01-01' }))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(await failure(h.engine.queryRows({ bucket, tableName: 'logs', limit: -1 }))).toMatchObject({ code: 'ERR_BAD_REQUEST' });
    expect(await failure(h.engine.queryRows({ bucket, tableName: 'logs', columns: ['nope'] }))).toMatchObject({ code: 'ERR_COLUMN_NOT_FOUND' });
  });
});

describe('CHECK constraints on the typed operations (issue 15)', () => {
  it.each([['keyed', 'id BIGINT PRIMARY KEY'], ['non-keyed', 'id BIGINT']])('Insert, Update and Merge refuse a violation with ERR_CONSTRAINT_CHECK naming it; nothing is written (%s)', async (kind, idColumn) => {
    const t = `checked_${kind.replace('-', '_')}`;
    await h.ddl(`CREATE TABLE ${t} (${idColumn}, qty INTEGER CONSTRAINT qty_positive CHECK (qty > 0), amount DECIMAL(10,2) CHECK (amount < 1000))`);
    await h.engine.insertRows({ bucket, tableName: t, rows: [{ id: 1, qty: 1, amount: '9.99' }] });
    const before = await rows(`SELECT * FROM ${t} ORDER BY id`);
    const version = (await h.engine.describeTable(bucket, t)).deltaVersion;
    const refusals = [
      failure(h.engine.insertRows({ bucket, tableName: t, rows: [{ id: 2, qty: 1, amount: '1.00' }, { id: 3, qty: 0, amount: '1.00' }] })),
      failure(h.engine.updateRows({ bucket, tableName: t, set: { qty: -5 }, where: { column: 'id', op: 'EQ', value: 1 } })),
      ...(kind === 'keyed' ? [failure(h.engine.mergeRows({ bucket, tableName: t, rows: [{ id: 1, qty: 2, amount: '5000.00' }] }))] : []),
    ];
    for (const err of await Promise.all(refusals)) {
      expect(err).toMatchObject({ code: 'ERR_CONSTRAINT_CHECK' });
      expect(err.message).toMatch(/CHECK constraint "(qty_positive|checked_\w+_amount_check)" .*nothing was written/);
    }
    expect(await rows(`SELECT * FROM ${t} ORDER BY id`)).toEqual(before);
    expect((await h.engine.describeTable(bucket, t)).deltaVersion).toBe(version);
  });
});

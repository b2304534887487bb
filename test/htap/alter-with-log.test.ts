/**
 * ALTER TABLE on a keyed table whose write log still holds acknowledged rows: the rows in the log
 * are rows of the table, so an added column's DEFAULT is backfilled into them, a retyped column
 * casts them (they are not set aside as rows of another schema) and SET NOT NULL checks them —
 * exactly as plain DuckDB does with the same statements (the statement drains the log first).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';
import { DuckDBReference } from '../support/duckdb-reference.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';

let h: Harness;
let ref: DuckDBReference;
beforeAll(async () => {
  h = await createHarness({}, { drainLogWrites: false });
  ref = await DuckDBReference.create();
});
afterAll(async () => {
  await h.close();
  ref.close();
});

async function rows(sql: string, freshness: Freshness): Promise<unknown[][]> {
  const r = await h.engine.execute({ bucket: h.bucket, sql, freshness });
  if (!('query' in r)) throw new Error('expected a query');
  return wireRows(r.query);
}

/** Runs on k3 and on DuckDB; the table then reads the same at STRONG and (after a drain) EVENTUAL. */
async function both(sql: string): Promise<void> {
  await h.exec(sql);
  await ref.runAll([sql]);
}

async function expectLikeDuckDB(table: string): Promise<void> {
  const sql = `SELECT * FROM ${table} ORDER BY id`;
  const expected = (await ref.run(sql)).rows;
  expect(await rows(sql, Freshness.STRONG), sql).toEqual(expected);
  while ((await h.engine.compact(h.bucket, table)).truncated);
  expect(await rows(sql, Freshness.EVENTUAL), sql).toEqual(expected);
}

async function pending(table: string): Promise<number> {
  const d = await h.engine.describeTable(h.bucket, table);
  return Number(d.walBacklogEntries ?? 0);
}

/** A keyed table with row (1, 10) drained into Delta and `logRows` still in the write log. */
async function tableWithLogRows(table: string, logRows: string): Promise<void> {
  await both(`CREATE TABLE ${table} (id INTEGER PRIMARY KEY, v INTEGER)`);
  await both(`INSERT INTO ${table} VALUES (1, 10)`);
  while ((await h.engine.compact(h.bucket, table)).truncated);
  await both(`INSERT INTO ${table} VALUES ${logRows}`);
  expect(await pending(table)).toBeGreaterThan(0);
}

describe('ALTER TABLE with rows still in the write log', () => {
  it('ADD COLUMN … DEFAULT fills the default into rows in the log too', async () => {
    await tableWithLogRows('a1', '(2, 20)');
    await both("ALTER TABLE a1 ADD COLUMN tag VARCHAR DEFAULT 'x'");
    await expectLikeDuckDB('a1');
    expect((await rows('SELECT tag FROM a1 WHERE id = 2', Freshness.STRONG))).toEqual([['x']]);
  });

  it('SET DATA TYPE casts rows in the log instead of setting them aside', async () => {
    await tableWithLogRows('a2', '(2, 20), (3, 30)');
    await both('ALTER TABLE a2 ALTER COLUMN v SET DATA TYPE VARCHAR');
    await expectLikeDuckDB('a2');
    expect(await rows('SELECT count(*) FROM a2', Freshness.EVENTUAL)).toEqual([['3']]);
  });

  it('SET NOT NULL is refused when a row in the log holds NULL, and changes nothing', async () => {
    await tableWithLogRows('a3', '(2, NULL)');
    await expect(ref.runAll(['ALTER TABLE a3 ALTER COLUMN v SET NOT NULL'])).rejects.toThrow();
    await expect(h.exec('ALTER TABLE a3 ALTER COLUMN v SET NOT NULL')).rejects.toMatchObject({ code: 'ERR_CONSTRAINT_NOT_NULL' });
    const d = await h.engine.describeTable(h.bucket, 'a3');
    expect(d.columns.find((c) => c.name === 'v')?.nullable).toBe(true);
    await expectLikeDuckDB('a3');
  });
});

/**
 * changedRowsSql (changed-rows.ts) must return exactly the rows of `target EXCEPT before` on a real
 * DuckDB whenever the target's keys are unique (otherwise the write fails its duplicate-key check
 * first): NULLs in any column, -0.0 against 0.0, NaN, nested LIST / STRUCT values, text that differs
 * only in case or trailing space, DECIMAL scale, TIMESTAMP precision, a seeded random sweep of
 * updates, inserts and deletes. A join that compared with `=` (NULL never equal) fails the NULL
 * cases: an unchanged row with a NULL would be written again; one that missed a column would lose
 * an update.
 */
import { describe, expect, it } from 'vitest';
import { useDuckDB } from '../plan/support/duckdb.ts';
import { changedRowsSql } from '../../src/sql/changed-rows.ts';

const duck = useDuckDB();

const sorted = (rows: unknown[][]): string[] => rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).sort();

async function compare(ddl: string, before: string[], target: string[], columns: string[], keys: string[]): Promise<number> {
  await duck.conn.run(`DROP TABLE IF EXISTS t_target; DROP TABLE IF EXISTS t_before; CREATE TEMP TABLE t_target (${ddl}); CREATE TEMP TABLE t_before (${ddl})`);
  if (before.length > 0) await duck.conn.run(`INSERT INTO t_before VALUES ${before.join(', ')}`);
  if (target.length > 0) await duck.conn.run(`INSERT INTO t_target VALUES ${target.join(', ')}`);
  const want = (await duck.conn.runAndReadAll('SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (SELECT * FROM t_target EXCEPT SELECT * FROM t_before)')).getRows();
  const got = (await duck.conn.runAndReadAll(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (${changedRowsSql('t_target', 't_before', columns, keys)})`)).getRows();
  expect(sorted(got)).toEqual(sorted(want));
  return want.length;
}

describe('changedRowsSql = target EXCEPT before', () => {
  it('NULLs in key-less and value columns are equal to NULLs (unchanged rows are not captured)', async () => {
    const n = await compare('id BIGINT, a VARCHAR, b INTEGER', ["(1, NULL, 1)", "(2, 'x', NULL)", "(3, NULL, NULL)", "(4, 'y', 4)"],
      ["(1, NULL, 1)", "(2, 'x', NULL)", "(3, NULL, 7)", "(4, NULL, 4)", "(5, NULL, NULL)"], ['id', 'a', 'b'], ['id']);
    expect(n).toBe(3);
  });
  it('DOUBLE: -0.0 against 0.0, NaN, infinities', async () => {
    await compare('id INTEGER, v DOUBLE', ["(1, 0.0)", "(2, 'NaN')", "(3, 'inf')", "(4, -0.0)", "(5, 1.5)"],
      ["(1, -0.0)", "(2, 'NaN')", "(3, '-inf')", "(4, 0.0)", "(5, 1.5)", "(6, 'NaN')"], ['id', 'v'], ['id']);
  });
  it('nested LIST / STRUCT values with NULLs inside', async () => {
    await compare('id INTEGER, l INTEGER[], s STRUCT(a INTEGER, b VARCHAR)', ["(1, [1, NULL], {'a': 1, 'b': NULL})", "(2, NULL, NULL)", "(3, [], {'a': NULL, 'b': 'x'})"],
      ["(1, [1, NULL], {'a': 1, 'b': NULL})", "(2, [NULL], NULL)", "(3, [], {'a': NULL, 'b': 'y'})", "(4, NULL, NULL)"], ['id', 'l', 's'], ['id']);
  });
  it('text differing in case or trailing space, DECIMAL scale, TIMESTAMP precision, two-column keys', async () => {
    await compare('k1 VARCHAR, k2 INTEGER, t VARCHAR, d DECIMAL(12,3), ts TIMESTAMP',
      ["('a', 1, 'x', 1.5, TIMESTAMP '2026-01-01 00:00:00.000001')", "('a', 2, 'x ', 2.000, TIMESTAMP '2026-01-01')", "('b', 1, 'X', 3, NULL)"],
      ["('a', 1, 'X', 1.500, TIMESTAMP '2026-01-01 00:00:00.000001')", "('a', 2, 'x', 2, TIMESTAMP '2026-01-01')", "('b', 1, 'X', 3.001, NULL)", "('b', 2, NULL, NULL, NULL)"],
      ['k1', 'k2', 't', 'd', 'ts'], ['k1', 'k2']);
  });
  it('empty before, empty target, nothing changed', async () => {
    expect(await compare('id INTEGER, v INTEGER', [], ['(1, 1)', '(2, NULL)'], ['id', 'v'], ['id'])).toBe(2);
    expect(await compare('id INTEGER, v INTEGER', ['(1, 1)'], [], ['id', 'v'], ['id'])).toBe(0);
    expect(await compare('id INTEGER, v INTEGER', ['(1, 1)', '(2, NULL)'], ['(1, 1)', '(2, NULL)'], ['id', 'v'], ['id'])).toBe(0);
  });
  it('a seeded sweep of updates, inserts and deletes', async () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor(seed / 65536) % n;
    };
    const cell = (): string => (rnd(4) === 0 ? 'NULL' : String(rnd(3)));
    for (let round = 0; round < 40; round++) {
      const before = new Map<number, string>();
      for (let i = 0; i < 30; i++) before.set(rnd(60), `${cell()}, ${rnd(5) === 0 ? 'NULL' : `'${rnd(3)}'`}`);
      const target = new Map<number, string>();
      for (const [k, v] of before) {
        const r = rnd(4);
        if (r === 0) continue; // deleted
        target.set(k, r === 1 ? `${cell()}, ${rnd(5) === 0 ? 'NULL' : `'${rnd(3)}'`}` : v);
      }
      for (let i = 0; i < 10; i++) target.set(60 + rnd(40), `${cell()}, NULL`);
      await compare('id INTEGER, a INTEGER, b VARCHAR', [...before].map(([k, v]) => `(${k}, ${v})`), [...target].map(([k, v]) => `(${k}, ${v})`), ['id', 'a', 'b'], ['id']);
    }
  });
});

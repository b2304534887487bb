/**
 * A 20,000-item integer IN list through Engine.execute / executeStream (issue 14, "planning a
 * 20,000-item IN list ≤ 200 ms"): DuckDB is handed ONE typed list (plan/in-list-subquery.ts), not
 * 20,000 expressions, on the EVENTUAL one-node read, the stream and STRONG (write-log tail
 * un-drained) — and the answers are exactly DuckDB's own over the same rows, IN and NOT IN, with
 * NULLs in the tested column. Counted by the DuckDB calls made, never timed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { countedEngine, type CountedEngine } from './counted-engine.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';

let e: CountedEngine;
const N = 20_000;
const list = (f: (k: number) => number): string => Array.from({ length: N }, (_, k) => f(k)).join(', ');

beforeAll(async () => {
  e = await countedEngine();
  const setup = [
    'CREATE TABLE pts (id BIGINT PRIMARY KEY, n INTEGER, v VARCHAR)',
    "INSERT INTO pts SELECT range, CASE WHEN range % 5 = 0 THEN NULL ELSE range * 2 END, 'v' || range FROM range(30000)",
  ];
  for (const sql of setup) await e.h.exec(sql);
  await e.ref.runAll(setup);
  while ((await e.h.engine.compact(e.h.bucket, 'pts')).truncated);
  // EVENTUAL reads the drained table: the reference keeps that state beside the STRONG one.
  await e.ref.runAll(['CREATE TABLE pts_drained AS SELECT * FROM pts']);
  // Un-drained writes: STRONG merges them over the base.
  const tail = ["INSERT INTO pts VALUES (90000, 7, 'tail'), (90003, NULL, 'tail')", 'DELETE FROM pts WHERE id = 3', 'UPDATE pts SET n = 1 WHERE id = 6'];
  for (const sql of tail) {
    await e.h.exec(sql);
    await e.ref.runAll([sql]);
  }
}, 120_000);
afterAll(async () => {
  await e?.close();
});

const cases = [
  `SELECT count(*) AS hits, sum(id) AS s FROM pts WHERE id IN (${list((k) => k * 3)})`,
  `SELECT count(*) AS misses, count(n) AS with_n FROM pts WHERE n NOT IN (${list((k) => k * 4)})`,
  `SELECT id, n, v FROM pts WHERE id IN (${list((k) => k * 7 + 90000 - 7 * N)}) OR n IN (${list((k) => k * 10)}) ORDER BY id LIMIT 50`,
];

/** The prepares of the last request: the statement DuckDB was given holds no 20,000-item list. */
function preparedOnce(): string[] {
  const prepares = e.counter.calls.filter((c) => c.startsWith('prepare:') && c.includes(' pts '));
  expect(prepares.length).toBeGreaterThan(0);
  for (const p of prepares) expect(p).toContain("IN (SELECT unnest('[");
  return prepares;
}

describe('20,000-item IN lists', () => {
  it.each([Freshness.EVENTUAL, Freshness.STRONG])('answer exactly like DuckDB, handed over as one typed list (%s)', async (freshness) => {
    for (const sql of cases) {
      e.counter.reset();
      const r = await e.h.engine.execute({ bucket: e.h.bucket, sql: `${sql} -- ${freshness}`, freshness });
      if (!('query' in r)) throw new Error('expected a query');
      const refSql = freshness === Freshness.STRONG ? sql : sql.replace(' FROM pts ', ' FROM pts_drained ');
      expect(JSON.stringify(wireRows(r.query)), sql.slice(0, 60)).toBe(JSON.stringify((await e.ref.run(refSql)).rows));
      preparedOnce();
    }
  });

  it('streams the same answer (executeStream prepares the compacted text)', async () => {
    const sql = cases[2]!;
    e.counter.reset();
    const stream = await e.h.engine.executeStream({ bucket: e.h.bucket, sql: `${sql} -- stream`, freshness: Freshness.EVENTUAL });
    const rows: unknown[][] = [];
    for await (const batch of stream.batches) rows.push(...batch);
    preparedOnce();
    const ref = await e.ref.run(sql.replace(' FROM pts ', ' FROM pts_drained '));
    expect(ref.rows.length).toBe(50);
    expect(rows.map((r) => String(r[0]))).toEqual(ref.rows.map((r) => String(r[0])));
  });
});

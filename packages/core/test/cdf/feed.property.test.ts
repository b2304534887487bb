/**
 * The Change Data Feed law, per write path (fast-check, fixed seeds, bounded runs): after a random
 * sequence of writes to a table with the feed on, for every version v ≥ 1
 *
 *   rows that left  (delete + update_preimage  at v) = snapshot(v-1) − snapshot(v)   (multisets)
 *   rows that came  (insert + update_postimage at v) = snapshot(v)   − snapshot(v-1)
 *
 * read back with `table_changes` and `AS OF VERSION` through the real Engine. With a primary key
 * the change types must also be right: a key on both sides is an update (pre + post image), a
 * key only before a delete, only after an insert. OPTIMIZE versions must contribute nothing.
 * Paths: direct INSERT/UPDATE/DELETE/MERGE (no key), keyed writes through the write log drained
 * by the compactor at random points, keyed-table writes that go straight to Delta (non-key
 * predicates, after the pre-drain), and RESTORE + OPTIMIZE.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';
import { expectFeedLaw, latestVersion } from './support/feed-law.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({}, { drainLogWrites: false });
});
afterAll(async () => {
  await h?.close();
});

type Op = (t: string, version: number) => string;

const id = fc.integer({ min: 1, max: 6 });
const name = fc.constantFrom('a', 'b', 'c');
const ops = {
  insert: fc.tuple(id, name).map(([i, n]): Op => (t) => `INSERT INTO ${t} VALUES (${i}, '${n}', 0)`),
  upsert: fc.tuple(id, name).map(([i, n]): Op => (t) => `INSERT OR REPLACE INTO ${t} VALUES (${i}, '${n}', 0)`),
  updateKey: fc.tuple(id, name).map(([i, n]): Op => (t) => `UPDATE ${t} SET name = '${n}', n = n + 1 WHERE id = ${i}`),
  updateRange: id.map((i): Op => (t) => `UPDATE ${t} SET n = n + 10 WHERE id > ${i}`),
  updateByName: name.map((n): Op => (t) => `UPDATE ${t} SET n = n + 100 WHERE name = '${n}'`),
  deleteKey: id.map((i): Op => (t) => `DELETE FROM ${t} WHERE id = ${i}`),
  deleteByName: name.map((n): Op => (t) => `DELETE FROM ${t} WHERE name = '${n}'`),
  merge: fc.tuple(id, name).map(([i, n]): Op => (t) => `MERGE INTO ${t} USING (SELECT ${i} AS id, '${n}' AS name) AS s ON ${t}.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name, n = ${t}.n + 1 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.name, 0)`),
  mergeDelete: id.map((i): Op => (t) => `MERGE INTO ${t} USING (SELECT ${i} AS id) AS s ON ${t}.id = s.id WHEN MATCHED THEN DELETE`),
  restore: fc.double({ min: 0, max: 1, noNaN: true }).map((f): Op => (t, v) => `RESTORE TABLE ${t} TO VERSION ${Math.floor(f * v)}`),
  optimize: fc.constant<Op>((t) => `OPTIMIZE ${t}`),
  drain: fc.constant<Op>(() => 'DRAIN'),
};

interface Scenario {
  readonly name: string;
  readonly keyed: boolean;
  readonly pool: Array<fc.Arbitrary<Op>>;
  readonly seed: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'direct writes to Delta (INSERT / UPDATE / DELETE, no key)', keyed: false, pool: [ops.insert, ops.insert, ops.updateKey, ops.updateRange, ops.updateByName, ops.deleteKey, ops.deleteByName], seed: 2001 },
  { name: 'MERGE (no key)', keyed: false, pool: [ops.insert, ops.merge, ops.merge, ops.mergeDelete], seed: 2002 },
  { name: 'keyed writes through the write log, drained by the compactor', keyed: true, pool: [ops.upsert, ops.upsert, ops.updateKey, ops.updateRange, ops.deleteKey, ops.merge, ops.mergeDelete, ops.drain, ops.drain], seed: 2003 },
  { name: 'keyed table, writes straight to Delta after the pre-drain', keyed: true, pool: [ops.upsert, ops.updateByName, ops.deleteByName, ops.drain], seed: 2004 },
  { name: 'RESTORE and OPTIMIZE', keyed: false, pool: [ops.insert, ops.insert, ops.deleteByName, ops.updateKey, ops.restore, ops.optimize], seed: 2005 },
];

let tableNo = 0;

/** Change rows seen per scenario and type: the property must not hold vacuously. */
const seen = new Map<string, Map<string, number>>();

async function runScenario(s: Scenario, sequence: Op[]): Promise<void> {
  const t = `t${++tableNo}`;
  await h.ddl(`CREATE TABLE ${t} (id INTEGER${s.keyed ? ' PRIMARY KEY' : ''}, name VARCHAR, n INTEGER) WITH ('delta.enableChangeDataFeed' = true)`);
  await h.exec(`INSERT INTO ${t} VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0), (4, 'a', 0)`);
  if (s.keyed) await h.engine.compact(h.bucket, t);
  for (const op of sequence) {
    const sql = op(t, await latestVersion(h, t));
    try {
      if (sql === 'DRAIN') await h.engine.compact(h.bucket, t);
      else await h.exec(sql);
    } catch (err) {
      // Statements DuckDB refuses (a MERGE matching one target row twice) commit nothing.
      if (!isAppError(err) || err.code === 'ERR_INTERNAL') throw err;
    }
  }
  while ((await h.engine.compact(h.bucket, t)).truncated);
  const counts = seen.get(s.name) ?? new Map<string, number>();
  for (const [type, n] of await expectFeedLaw(h, t, s.keyed, s.name)) counts.set(type, (counts.get(type) ?? 0) + n);
  seen.set(s.name, counts);
}

describe('table_changes = the differences between consecutive versions', () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      await fc.assert(fc.asyncProperty(fc.array(fc.oneof(...s.pool), { minLength: 4, maxLength: 9 }), (sequence) => runScenario(s, sequence)), { numRuns: 4, seed: s.seed });
      const counts = seen.get(s.name);
      expect(counts?.get('insert') ?? 0, 'inserts seen').toBeGreaterThan(0);
      expect((counts?.get('delete') ?? 0) + (counts?.get('update_preimage') ?? 0), 'deletes or updates seen').toBeGreaterThan(0);
      if (s.keyed) expect(counts?.get('update_postimage') ?? 0, 'keyed updates seen').toBeGreaterThan(0);
    }, 240_000);
  }
});

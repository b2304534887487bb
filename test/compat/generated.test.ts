/**
 * Generated compatibility checks (fast-check, fixed seeds so runs are reproducible): random
 * SELECT shapes over the fixture tables, and random sequences of INSERT / UPDATE / DELETE / MERGE
 * on a partitioned table, each run on the engine and on plain DuckDB. After every statement of a
 * sequence the whole table must be identical, which exercises file rewriting, partition moves and
 * snapshot reads far beyond the hand-written cases.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError, loadConfig } from '@k3/core';
import { createEngine, type CreatedEngine } from '../../services/coordinator/src/create-engine.ts';
import { DuckDBReference } from '../support/duckdb-reference.ts';
import { FIXTURE_SQL, FIXTURE_TABLES } from './fixtures.ts';
import { runCase, type Execute } from './run-case.ts';

const BUCKET = 'compat-gen';
let dir: string;
let created: CreatedEngine;
let ref: DuckDBReference;
let exec: Execute;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k3-compat-gen-'));
  created = await createEngine(loadConfig({ K3_DATA_DIR: path.join(dir, 'data'), K3_CACHE_DIR: path.join(dir, 'cache'), K3_LOG_LEVEL: 'silent' }));
  ref = await DuckDBReference.create();
  exec = async (sql) => {
    try {
      // STRONG: read-your-writes (keyed writes on PRIMARY KEY tables land in the write log first).
      return { ok: true, res: await created.engine.execute({ bucket: BUCKET, sql, freshness: 'FRESHNESS_STRONG' }) };
    } catch (err) {
      if (isAppError(err)) return { ok: false, code: err.code, message: err.message };
      throw err;
    }
  };
  for (const sql of FIXTURE_SQL) {
    await ref.run(sql);
    const out = await exec(sql);
    if (!out.ok) throw new Error(`fixture failed on k3: ${out.code} ${out.message}`);
  }
  // Keyed fixture rows sit in the write log; drain them so every statement (also the SELECT side
  // of a write, which reads Delta) sees the fixtures exactly as DuckDB does.
  for (const t of FIXTURE_TABLES) await created.engine.compact(BUCKET, t);
});

afterAll(async () => {
  ref?.close();
  await created?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

// ── random SELECTs over `sales` (partitioned by region) ──────────────────────────────
const predicate = fc.oneof(
  fc.constantFrom("region = 'UK'", "region IN ('EU', 'APAC')", "region <> 'US'", "region LIKE '%A%'", 'region IS NOT NULL'),
  fc.integer({ min: 0, max: 8 }).map((n) => `qty > ${n}`),
  fc.constantFrom("product = 'widget'", 'note IS NULL', "sold_at >= TIMESTAMP '2026-01-03 00:00:00'", 'price * qty > 30', 'id % 2 = 0'),
);
const where = fc.array(predicate, { maxLength: 3 }).chain((ps) =>
  fc.array(fc.constantFrom(' AND ', ' OR '), { minLength: Math.max(ps.length - 1, 0), maxLength: Math.max(ps.length - 1, 0) }).map((ops) =>
    ps.length === 0 ? '' : ` WHERE ${ps.map((p, i) => (i === 0 ? p : `${ops[i - 1]}${p}`)).join('')}`,
  ),
);
const aggregate = fc.constantFrom('count(*)', 'sum(qty)', 'min(price)', 'max(sold_at)', 'avg(qty)', 'count(DISTINCT product)', 'sum(qty * price)', "string_agg(product, ',' ORDER BY product, id)", 'list(id ORDER BY id)', 'bool_or(note IS NULL)');
const groupKeys = fc.subarray(['region', 'product', 'note IS NULL', "date_trunc('day', sold_at)"], { maxLength: 2 });
const selectQuery = fc
  .tuple(groupKeys, fc.array(aggregate, { minLength: 1, maxLength: 3 }), where, fc.boolean())
  .map(([keys, aggs, w, having]) => {
    const cols = [...keys.map((k, i) => `${k} AS k${i}`), ...aggs.map((a, i) => `${a} AS a${i}`)];
    const group = keys.length > 0 ? ` GROUP BY ${keys.map((_k, i) => `k${i}`).join(', ')}` : '';
    const hav = having && keys.length > 0 ? ' HAVING count(*) > 1' : '';
    return `SELECT ${cols.join(', ')} FROM sales${w}${group}${hav}`;
  });

describe('generated SELECTs over a partitioned table', () => {
  const queries = fc.sample(selectQuery, { seed: 20261122, numRuns: 60 });
  for (const [i, sql] of queries.entries()) {
    it(`gen-select-${i}: ${sql}`, async () => {
      const out = await runCase({ id: `gen-select-${i}`, sql, ordered: false }, exec, ref);
      expect(out.equal, `${sql}\n${out.message}`).toBe(true);
    });
  }
});

// ── random write sequences on a partitioned table ────────────────────────────────────
const region = fc.constantFrom("'a'", "'b'", "'c'", 'NULL');
const writeStatement = (t: string) =>
  fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 60 }), region, fc.integer({ min: -5, max: 5 })).map(([id, r, v]) => `INSERT INTO ${t} VALUES (${id}, ${r}, ${v}, 'ins')`),
    fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 10 })).map(([from, n]) => `INSERT INTO ${t} SELECT range, ['a', 'b', 'c'][range % 3 + 1], range % 7, 'bulk' FROM range(${from}, ${from + n})`),
    fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 5 })).map(([m, d]) => `UPDATE ${t} SET v = v + ${d} WHERE id % 7 = ${m}`),
    fc.tuple(region, fc.integer({ min: 0, max: 60 })).map(([r, id]) => `UPDATE ${t} SET p = ${r}, s = 'moved' WHERE id = ${id}`),
    fc.integer({ min: 0, max: 6 }).map((m) => `DELETE FROM ${t} WHERE v = ${m}`),
    region.map((r) => `DELETE FROM ${t} WHERE p ${r === 'NULL' ? 'IS NULL' : `= ${r}`}`),
    fc.integer({ min: 0, max: 55 }).map((from) => `MERGE INTO ${t} AS t USING (SELECT range AS id, 'b' AS p, 100 AS v FROM range(${from}, ${from + 5})) AS s ON t.id = s.id WHEN MATCHED AND t.v > 2 THEN DELETE WHEN MATCHED THEN UPDATE SET v = t.v + s.v WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.p, s.v, 'merged')`),
  );

describe('generated write sequences on a partitioned table', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const t = `gen_w${seed}`;
    const statements = fc.sample(writeStatement(t), { seed, numRuns: 15 });
    it(`gen-writes-${seed}: ${statements.length} statements, table identical after each`, async () => {
      const setup = [`CREATE TABLE ${t} (id INTEGER, p VARCHAR, v INTEGER, s VARCHAR) PARTITIONED BY (p)`, `INSERT INTO ${t} SELECT range, ['a', 'b', 'c'][range % 3 + 1], range % 5, 'init' FROM range(30)`];
      for (const [i, sql] of statements.entries()) {
        const out = await runCase({ id: `gen-writes-${seed}-${i}`, ...(i === 0 ? { setup } : {}), sql, verify: `SELECT * FROM ${t}` }, exec, ref);
        expect(out.equal, `statement ${i}: ${sql}\n${out.message}`).toBe(true);
      }
    });
  }
});

/**
 * The federated reducer over columns beyond the eleven API types: a table partitioned by a
 * TINYINT and a DECIMAL-free key, fanned out over its partitions (K3_FEDERATE_MIN_BYTES=0), must
 * answer aggregates over DECIMAL, HUGEINT, UBIGINT, UUID, TIMESTAMPTZ, ENUM, LIST and STRUCT
 * columns exactly like DuckDB on the same rows — whether the planner fans out (scalar partials)
 * or falls back to one node (LIST/STRUCT partials).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { engineAndReference } from './engine-and-reference.ts';

const SETUP = [
  `CREATE TABLE fed (p TINYINT, id INTEGER, amount DECIMAL(12,2), big HUGEINT, ub UBIGINT, uid UUID, at_tz TIMESTAMPTZ,
     mood ENUM('sad', 'ok', 'happy'), tags VARCHAR[], attrs STRUCT(color VARCHAR, size INTEGER)) PARTITIONED BY (p)`,
  `INSERT INTO fed SELECT (i % 4)::TINYINT, i, (i * 1.25)::DECIMAL(12,2), (i::HUGEINT * 10000000000000000000000000), (i * 1000000000000)::UBIGINT,
     ('00000000-0000-0000-0000-' || lpad(i::VARCHAR, 12, '0'))::UUID, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_hours(i),
     (['sad', 'ok', 'happy'])[i % 3 + 1], [i::VARCHAR, (i % 2)::VARCHAR], {'color': CASE WHEN i % 2 = 0 THEN 'red' ELSE 'blue' END, 'size': i}
     FROM range(1, 41) r(i)`,
  `INSERT INTO fed VALUES (1, 100, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
];

const strategies = new Set<string>();
const env = engineAndReference({ K3_FEDERATE_MIN_BYTES: '0', K3_FEDERATE_MIN_PARTITIONS: '2' });

beforeAll(async () => {
  for (const sql of SETUP) await env.both(sql);
});

describe('federated reads of typed columns', () => {
  it.each([
    'SELECT sum(amount), avg(amount), min(amount), max(amount), count(amount) FROM fed',
    'SELECT p, sum(amount), max(big), min(ub), count(*) FROM fed GROUP BY p ORDER BY p',
    'SELECT sum(big), min(big), max(ub), sum(ub) FROM fed',
    'SELECT min(uid), max(uid), count(DISTINCT uid) FROM fed',
    'SELECT min(at_tz), max(at_tz), p FROM fed GROUP BY p ORDER BY p',
    'SELECT mood, count(*), sum(amount) FROM fed GROUP BY mood ORDER BY mood NULLS LAST',
    'SELECT min(mood), max(mood) FROM fed',
    'SELECT attrs.color, sum(attrs.size), count(*) FROM fed GROUP BY ALL ORDER BY ALL',
    'SELECT p, list(id ORDER BY id) FROM fed GROUP BY p ORDER BY p',
    'SELECT p, max(tags), min(attrs) FROM fed GROUP BY p ORDER BY p',
    'SELECT id, amount, tags, attrs FROM fed WHERE amount > 40 ORDER BY id',
    'SELECT id, uid FROM fed WHERE p = 2 AND uid > \'00000000-0000-0000-0000-000000000020\' ORDER BY id',
    'SELECT count(*) FROM fed WHERE list_contains(tags, \'1\')',
    'SELECT amount, count(*) FROM fed GROUP BY amount ORDER BY amount NULLS FIRST LIMIT 5',
  ])('%s', async (sql) => {
    await env.both(sql, /ORDER BY/.test(sql));
    strategies.add((await env.h.query(sql)).strategy);
  });

  it('used both the fan-out and the one-node strategy above', () => {
    expect(strategies.has('QUERY_STRATEGY_FEDERATED_AGGREGATE')).toBe(true);
    expect(strategies.has('QUERY_STRATEGY_FEDERATED_TO_SINGLE')).toBe(true);
  });

  it('fans out over the partitions for scalar aggregates of typed columns', async () => {
    const r = await env.h.query('SELECT p, sum(amount), max(big) FROM fed GROUP BY p');
    expect(r.strategy).toBe('QUERY_STRATEGY_FEDERATED_AGGREGATE');
  });
});

describe('statistics of typed columns', () => {
  it('skip files by DECIMAL, TINYINT and TIMESTAMPTZ bounds, but never by a restored text type (ENUM)', async () => {
    for (const sql of [
      "CREATE TABLE sk (d DECIMAL(12,4), t TINYINT, tz TIMESTAMPTZ, e ENUM('zeta', 'alpha'))",
      "INSERT INTO sk VALUES (1.0001, 1, TIMESTAMPTZ '2026-01-01 00:00:00+00', 'zeta')",
      "INSERT INTO sk VALUES (500.5, 50, TIMESTAMPTZ '2026-06-01 00:00:00+00', 'alpha')",
      "INSERT INTO sk VALUES (-3.25, -5, TIMESTAMPTZ '2025-01-01 00:00:00+00', 'zeta')",
    ]) await env.both(sql);
    for (const [where, files] of [['d > 100', 1], ['t < 0', 1], ["tz >= TIMESTAMPTZ '2026-03-01 00:00:00+00'", 1], ["e > 'zeta'", 3]] as const) {
      const sql = `SELECT * FROM sk WHERE ${where}`;
      await env.both(sql, false);
      expect((await env.h.query(sql)).filesScanned, sql).toBe(files);
    }
  });
});

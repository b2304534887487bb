import { describe, expect, it } from 'vitest';
import { deserializeSelect, serializeSelect } from '../../src/plan/select-ast.ts';
import { hasAggregates, splitAggregate, type SplitContext } from '../../src/plan/split-aggregate.ts';
import { splitScan } from '../../src/plan/split-scan.ts';
import { useDuckDB } from './support/duckdb.ts';

const db = useDuckDB();
const columns: SplitContext['columns'] = [
  { name: 'id', type: 'long' }, { name: 'Region', type: 'string' }, { name: 'amount', type: 'decimal(10,2)' },
  { name: 'x', type: 'double' }, { name: 'd', type: 'date' }, { name: 's', type: { type: 'struct', fields: [] } },
];

async function split(sql: string): Promise<Record<string, unknown>> {
  const [st] = await serializeSelect(db.conn, sql);
  const ctx = { conn: db.conn, columns };
  const p = (await hasAggregates(db.conn, st!)) ? await splitAggregate(st!, ctx) : await splitScan(st!, ctx);
  if ('reason' in p) return { reason: p.reason };
  const out: Record<string, unknown> = { partial: await deserializeSelect(db.conn, p.partial), final: await deserializeSelect(db.conn, p.final) };
  if (p.kind === 'aggregate') out.merge = p.merge.aggregates.map((a) => `${a.output}=${a.kind}(${a.inputs.join(',')})`).join(' ');
  else out.topK = p.topK;
  return out;
}

describe('splitAggregate (golden SQL)', () => {
  it('rewrites outer expressions, HAVING, ORDER BY alias, LIMIT/OFFSET and keeps DuckDB column names', async () => {
    expect(await split("SELECT region, SUM(amount)/COUNT(*) AS x, avg(x), stddev(x) FROM contracts c WHERE c.d > DATE '2024-01-01' GROUP BY region HAVING count(*) > 1 ORDER BY x DESC LIMIT 3 OFFSET 1")).toEqual({
      partial: "SELECT region AS __k3_g0, sum(amount) AS __k3_a0_0, count_star() AS __k3_a1_0, sum(x) AS __k3_a2_0, count(x) AS __k3_a2_1, count(x) FILTER (WHERE isfinite(x)) AS __k3_a3_0, avg(x) FILTER (WHERE isfinite(x)) AS __k3_a3_1, (var_pop(x) FILTER (WHERE isfinite(x)) * count(x) FILTER (WHERE isfinite(x))) AS __k3_a3_2, count(x) FILTER (WHERE (NOT isfinite(x))) AS __k3_a3_3 FROM __k3_partition AS c WHERE (d > CAST('2024-01-01' AS DATE)) GROUP BY region",
      final: 'SELECT __k3_g0 AS Region, (__k3_a0 / __k3_a1) AS x, __k3_a2 AS "avg(x)", __k3_a3 AS "stddev(x)" FROM __k3_merged WHERE (__k3_a1 > 1) ORDER BY x DESC LIMIT 3 OFFSET 1',
      merge: '__k3_a0=sum(__k3_a0_0) __k3_a1=count(__k3_a1_0) __k3_a2=avg(__k3_a2_0,__k3_a2_1) __k3_a3=stddev_samp(__k3_a3_0,__k3_a3_1,__k3_a3_2,__k3_a3_3)',
    });
  });

  it('splits global aggregates, FILTER clauses and arg_max with its null-skipping key', async () => {
    expect(await split('SELECT count(*), min(region), arg_max(id, amount) FILTER (WHERE x > 0) FROM t')).toEqual({
      partial: 'SELECT count_star() AS __k3_a0_0, min(region) AS __k3_a1_0, arg_max(id, amount) FILTER (WHERE (x > 0)) AS __k3_a2_0, max(amount) FILTER (WHERE ((x > 0) AND (id IS NOT NULL) AND (amount IS NOT NULL))) AS __k3_a2_1 FROM __k3_partition AS t',
      final: 'SELECT __k3_a0 AS "count_star()", __k3_a1 AS "min(region)", __k3_a2 AS "arg_max(id, amount) FILTER (WHERE (x > 0))" FROM __k3_merged',
      merge: '__k3_a0=count(__k3_a0_0) __k3_a1=min(__k3_a1_0) __k3_a2=arg_max(__k3_a2_0,__k3_a2_1)',
    });
  });

  it('resolves GROUP BY alias, position and ALL', async () => {
    expect(await split('SELECT region AS r, sum(x) AS total FROM t GROUP BY r ORDER BY total, r')).toMatchObject({
      partial: 'SELECT region AS __k3_g0, sum(x) AS __k3_a0_0 FROM __k3_partition AS t GROUP BY region',
      final: 'SELECT __k3_g0 AS r, __k3_a0 AS total FROM __k3_merged ORDER BY total, r',
    });
    expect(await split('SELECT upper(region), count(*) FROM t GROUP BY ALL ORDER BY 2 DESC')).toMatchObject({
      partial: 'SELECT upper(region) AS __k3_g0, count_star() AS __k3_a0_0 FROM __k3_partition AS t GROUP BY upper(region)',
      final: 'SELECT __k3_g0 AS "upper(region)", __k3_a0 AS "count_star()" FROM __k3_merged ORDER BY 2 DESC',
    });
    expect(await split('SELECT d, bool_or(x > 1) FROM t GROUP BY 1')).toMatchObject({
      partial: 'SELECT d AS __k3_g0, bool_or((x > 1)) AS __k3_a0_0 FROM __k3_partition AS t GROUP BY d',
    });
  });

  it('inlines select aliases that WHERE refers to (DuckDB binds them when no column has the name)', async () => {
    expect(await split("SELECT upper(region) AS r, count(*) FROM t WHERE r <> 'EU' AND id > 0 GROUP BY r")).toMatchObject({
      partial: "SELECT upper(region) AS __k3_g0, count_star() AS __k3_a0_0 FROM __k3_partition AS t WHERE ((upper(region) != 'EU') AND (id > 0)) GROUP BY upper(region)",
    });
    expect(await split('SELECT sum(x) AS total FROM t WHERE total > 1')).toEqual({ reason: 'aggregates in WHERE are not valid' });
  });

  it('runs any scalar aggregate whole per partition when GROUP BY covers the partition columns', async () => {
    const [st] = await serializeSelect(db.conn, "SELECT region, count(DISTINCT id) AS ids, median(x), string_agg(CAST(id AS VARCHAR), ',' ORDER BY id), sum(x) FROM t GROUP BY region ORDER BY ids DESC");
    const plan = await splitAggregate(st!, { conn: db.conn, columns, partitionColumns: ['Region'] });
    if ('reason' in plan) throw new Error(plan.reason);
    expect(await deserializeSelect(db.conn, plan.partial)).toBe("SELECT region AS __k3_g0, count(DISTINCT id) AS __k3_a0_0, median(x) AS __k3_a1_0, string_agg(CAST(id AS VARCHAR), ',' ORDER BY id) AS __k3_a2_0, sum(x) AS __k3_a3_0 FROM __k3_partition AS t GROUP BY region");
    expect(plan.merge.aggregates.map((a) => a.kind)).toEqual(['single', 'single', 'single', 'sum']);
    const notAligned = await splitAggregate(st!, { conn: db.conn, columns, partitionColumns: ['Region', 'd'] });
    expect(notAligned).toEqual({ reason: 'count(DISTINCT …) cannot be merged exactly across partitions' });
    const [q] = await serializeSelect(db.conn, 'SELECT region, quantile_cont(x, [0.5, 0.9]) FROM t GROUP BY region');
    expect(await splitAggregate(q!, { conn: db.conn, columns, partitionColumns: ['region'] })).toEqual({ reason: 'quantile_cont() cannot be merged exactly across partitions (2 argument(s))' });
  });

  it('re-applies SELECT DISTINCT over the merged groups', async () => {
    expect(await split('SELECT DISTINCT count(*) AS n FROM t GROUP BY region ORDER BY n LIMIT 2')).toMatchObject({
      final: 'SELECT DISTINCT __k3_a0 AS n FROM __k3_merged ORDER BY n LIMIT 2',
    });
  });

  it.each([
    ['SELECT region, median(x) FROM t GROUP BY 1', 'median() cannot be merged exactly across partitions (1 argument(s))'],
    ['SELECT count(DISTINCT id) FROM t', 'count(DISTINCT …) cannot be merged exactly across partitions'],
    ['SELECT approx_count_distinct(id) FROM t', 'approx_count_distinct() is approximate; the federated plan never substitutes an approximation, so the query runs on a single node'],
    ['SELECT string_agg(region, \',\' ORDER BY id) FROM t', 'string_agg() with ORDER BY inside the call cannot be merged across partitions'],
    ['SELECT region, id FROM t GROUP BY region', 'column id is neither grouped nor aggregated'],
    ['SELECT region COLLATE nocase, count(*) FROM t GROUP BY 1', 'GROUP BY … COLLATE is not split across partitions'],
    ['SELECT min(region COLLATE nocase) FROM t', 'min() over a COLLATE expression is not split across partitions'],
    ['SELECT sum(region) FROM t', 'sum() over a string column is not split across partitions'],
    ['SELECT max(s) FROM t', 'max() over a nested column is not split across partitions'],
    ['SELECT region, count(*) FROM t GROUP BY ROLLUP (region)', 'GROUPING SETS / ROLLUP / CUBE are not split across partitions'],
    ['SELECT count(*) FROM t a JOIN u b ON a.id = b.id', 'joins are not split across partitions'],
    ['WITH q AS (SELECT * FROM t) SELECT count(*) FROM q', 'WITH clauses are not split across partitions'],
    ['SELECT count(*) FROM t WHERE id IN (SELECT id FROM u)', 'subqueries are not split across partitions'],
    ['SELECT sum(x) OVER () FROM t GROUP BY x', 'window functions are not split across partitions'],
    ['SELECT DISTINCT ON (region) region, count(*) FROM t GROUP BY 1', 'DISTINCT ON is not split across partitions'],
    ['SELECT count(*) FROM t UNION ALL SELECT 1', 'set operations (UNION/INTERSECT/EXCEPT) are not split across partitions'],
  ])('falls back with a reason: %s', async (sql, reason) => {
    expect(await split(sql)).toEqual({ reason });
  });
});

describe('splitScan (golden SQL)', () => {
  it('pushes ORDER BY and LIMIT+OFFSET down and carries hidden sort keys', async () => {
    expect(await split('SELECT id, region FROM t ORDER BY amount DESC, id LIMIT 5 OFFSET 2')).toEqual({
      partial: 'SELECT id, region, amount AS __k3_s0 FROM __k3_partition AS t ORDER BY amount DESC, id LIMIT 7',
      final: 'SELECT * EXCLUDE (__k3_s0) FROM __k3_rows ORDER BY __k3_s0 DESC, id LIMIT 5 OFFSET 2',
      topK: { k: 7, keys: [{ column: '__k3_s0', descending: true, nullsFirst: false }, { column: 'id', descending: false, nullsFirst: false }] },
    });
  });

  it('maps positional, star and expression sort keys onto result columns', async () => {
    expect(await split('SELECT * FROM t WHERE x > 1 ORDER BY region NULLS FIRST, 1 LIMIT 10')).toMatchObject({
      partial: 'SELECT * FROM __k3_partition AS t WHERE (x > 1) ORDER BY region NULLS FIRST, 1 LIMIT 10',
      final: 'SELECT * FROM __k3_rows ORDER BY Region NULLS FIRST, id LIMIT 10',
    });
    expect(await split('SELECT id*2, x FROM t ORDER BY id*2')).toEqual({
      partial: 'SELECT (id * 2), x FROM __k3_partition AS t ORDER BY (id * 2)',
      final: 'SELECT * FROM __k3_rows ORDER BY "(id * 2)"',
      topK: undefined,
    });
  });

  it('runs SELECT DISTINCT in each partition and again over the concatenation, without top-k', async () => {
    expect(await split('SELECT DISTINCT region, d FROM t ORDER BY d DESC, 1 LIMIT 3')).toEqual({
      partial: 'SELECT DISTINCT region, d FROM __k3_partition AS t ORDER BY d DESC, 1 LIMIT 3',
      final: 'SELECT DISTINCT * FROM __k3_rows ORDER BY d DESC, Region LIMIT 3',
      topK: undefined,
    });
  });

  it.each([
    ['SELECT DISTINCT region FROM t ORDER BY x', 'SELECT DISTINCT ordered by something it does not select is not split across partitions'],
    ['SELECT id, id FROM t', 'duplicate result column names are not split across partitions'],
    ['SELECT id FROM t ORDER BY region COLLATE nocase LIMIT 3', 'ORDER BY … COLLATE is not split across partitions'],
    ['SELECT id FROM t LIMIT (SELECT 1)', 'subqueries are not split across partitions'],
    ['SELECT row_number() OVER (ORDER BY id) FROM t', 'window functions are not split across partitions'],
    ['SELECT * EXCLUDE (x) FROM t', 'COLUMNS(…), qualified, EXCLUDE/REPLACE/RENAME stars are not split across partitions'],
  ])('falls back with a reason: %s', async (sql, reason) => {
    expect(await split(sql)).toEqual({ reason });
  });
});

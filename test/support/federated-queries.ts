/**
 * Generated workload for federated-read property tests (engine, BullMQ and cluster): two tables
 * with the same rows — `fed` PARTITIONED BY (g) with skewed partitions and a NULL partition,
 * `flat` unpartitioned — and a fast-check arbitrary of SELECTs (filters, GROUP BY, every mergeable
 * aggregate, HAVING, ORDER BY, LIMIT, top-k) each with the strategy the planner must pick when
 * K3_FEDERATE_MIN_BYTES=0 and K3_FEDERATE_MIN_PARTITIONS=2.
 *
 * Floats: results are compared with compareResults' `tolerance` (6 significant digits) — partial
 * sums of doubles are added in another order than one DuckDB scan adds them.
 */
import fc from 'fast-check';

const COLUMNS = 'g VARCHAR, i BIGINT, k INTEGER, d SMALLINT, f DOUBLE, b BOOLEAN, s VARCHAR, dt DATE, ts TIMESTAMP';

function rows(from: number, to: number): string {
  return `SELECT CASE WHEN r % 41 = 0 THEN NULL WHEN r % 10 < 5 THEN 'A' WHEN r % 10 < 8 THEN 'B' WHEN r % 10 < 9 THEN 'C' ELSE 'D' END,
    r, CASE WHEN r % 7 = 0 THEN NULL ELSE (r % 13)::INTEGER END,
    CASE WHEN r % 11 = 0 THEN NULL ELSE ((r * 37) % 1000 - 300)::SMALLINT END,
    CASE WHEN r % 9 = 0 THEN NULL ELSE (r * 1.25) / 7 - 40 END,
    CASE WHEN r % 5 = 0 THEN NULL ELSE r % 3 = 0 END,
    CASE WHEN r % 6 = 0 THEN NULL ELSE 'n' || (r % 17)::VARCHAR END,
    DATE '2024-01-01' + (r % 30)::INTEGER,
    CASE WHEN r % 8 = 0 THEN NULL ELSE TIMESTAMP '2024-03-01 00:00:00' + to_seconds(r * 3607) END
    FROM range(${from}, ${to}) t(r)`;
}

/** Setup statements in order; run each through k3 and through the DuckDB reference. */
export function federatedSetup(rowsTotal = 1200): string[] {
  const half = Math.floor(rowsTotal / 2);
  const out: string[] = [];
  for (const [name, partitioned] of [['fed', true], ['flat', false]] as const) {
    out.push(`CREATE TABLE ${name} (${COLUMNS})${partitioned ? ' PARTITIONED BY (g)' : ''}`);
    out.push(`INSERT INTO ${name} ${rows(0, half)}`);
    out.push(`INSERT INTO ${name} ${rows(half, rowsTotal)}`);
  }
  return out;
}

export type Strategy = 'FEDERATED_AGGREGATE' | 'FEDERATED_SCAN' | 'FEDERATED_TO_SINGLE' | 'UNARY_WAREHOUSE';

export interface GeneratedQuery {
  readonly sql: string;
  /** Rows in a fixed order (top-level ORDER BY over a unique key). */
  readonly ordered: boolean;
  readonly strategy: `QUERY_STRATEGY_${Strategy}`;
}

/** Each filter with how many partitions of `fed` it leaves (A, B, C, D and NULL exist). */
const FILTERS: ReadonlyArray<readonly [string | undefined, number]> = [
  [undefined, 5],
  ["g = 'A'", 1],
  ["g IN ('A', 'C')", 2],
  ["g <> 'D'", 3],
  ['g IS NOT NULL AND i >= 300', 4],
  ['f IS NULL', 5],
  ["s LIKE 'n1%'", 5],
  ["dt BETWEEN DATE '2024-01-05' AND DATE '2024-01-20'", 5],
  ['k > 6 OR d < 100', 5],
];

const AGGREGATES = [
  'count(*)', 'count(f)', 'sum(i)', 'sum(k)', 'sum(d)', 'min(s)', 'max(s)', 'min(dt)', 'max(dt)', 'min(f)', 'max(d)', 'min(ts)', 'max(ts)', 'sum(f)',
  'avg(f)', 'avg(d)', 'avg(k)', 'var_samp(f)', 'var_pop(k)', 'stddev_samp(f)', 'stddev_pop(k)', 'bool_and(b)', 'bool_or(b)',
] as const;

const KEYS = ['g', 'k', 'b', 's'] as const;

function strategyFor(table: 'fed' | 'flat', kept: number, kind: 'aggregate' | 'scan'): GeneratedQuery['strategy'] {
  if (table === 'flat' || kept < 2) return 'QUERY_STRATEGY_FEDERATED_TO_SINGLE';
  return kind === 'aggregate' ? 'QUERY_STRATEGY_FEDERATED_AGGREGATE' : 'QUERY_STRATEGY_FEDERATED_SCAN';
}

const tableArb = fc.constantFrom('fed', 'fed', 'fed', 'flat') as fc.Arbitrary<'fed' | 'flat'>;
const filterArb = fc.constantFrom(...FILTERS);

const aggregateArb: fc.Arbitrary<GeneratedQuery> = fc
  .record({
    table: tableArb,
    filter: filterArb,
    keys: fc.subarray([...KEYS], { maxLength: 2 }),
    aggs: fc.subarray([...AGGREGATES], { minLength: 1, maxLength: 5 }),
    having: fc.option(fc.constantFrom('count(*) > 20', 'sum(k) > 100', 'min(i) < 500'), { nil: undefined }),
    limit: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
  })
  .map(({ table, filter, keys, aggs, having, limit }) => {
    const select = [...keys, ...aggs.map((a, n) => `${a} AS a${n}`)].join(', ');
    const where = filter[0] === undefined ? '' : ` WHERE ${filter[0]}`;
    const group = keys.length > 0 ? ` GROUP BY ${keys.join(', ')}` : '';
    const hav = having !== undefined ? ` HAVING ${having}` : '';
    // Group keys are unique per row of the result: ordering by all of them is a total order.
    const order = keys.length > 0 ? ` ORDER BY ${keys.map((k) => `${k} NULLS FIRST`).join(', ')}${limit !== undefined ? ` LIMIT ${limit}` : ''}` : '';
    return { sql: `SELECT ${select} FROM ${table}${where}${group}${hav}${order}`, ordered: keys.length > 0, strategy: strategyFor(table, filter[1], 'aggregate') };
  });

const scanArb: fc.Arbitrary<GeneratedQuery> = fc
  .record({
    table: tableArb,
    filter: filterArb,
    cols: fc.subarray(['g', 's', 'd', 'f', 'k', 'dt', 'ts'], { minLength: 1, maxLength: 4 }),
    order: fc.constantFrom('i', 'i DESC', undefined),
    limit: fc.option(fc.integer({ min: 1, max: 25 }), { nil: undefined }),
  })
  .map(({ table, filter, cols, order, limit }) => {
    const where = filter[0] === undefined ? '' : ` WHERE ${filter[0]}`;
    // i is unique: ORDER BY i [DESC] LIMIT n is a top-k with one right answer.
    const tail = order !== undefined ? ` ORDER BY ${order}${limit !== undefined ? ` LIMIT ${limit}` : ''}` : '';
    return { sql: `SELECT i, ${cols.join(', ')} FROM ${table}${where}${tail}`, ordered: order !== undefined, strategy: strategyFor(table, filter[1], 'scan') };
  });

export const federatedQueryArb: fc.Arbitrary<GeneratedQuery> = fc.oneof({ weight: 3, arbitrary: aggregateArb }, { weight: 2, arbitrary: scanArb });

/** Relative float tolerance the property tests state (compareResults rounds to 6 significant digits). */
export const FLOAT_TOLERANCE = 1e-6;

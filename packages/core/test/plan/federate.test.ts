import { describe, expect, it } from 'vitest';
import { QueryStrategy } from '../../src/api/enums.ts';
import type { PartitionValue } from '../../src/delta/partition-values.ts';
import type { StructType } from '../../src/delta/schema.ts';
import type { ActiveFile } from '../../src/delta/snapshot.ts';
import { isAppError } from '../../src/errors/index.ts';
import { planFederated, type FederatableSnapshot } from '../../src/plan/index.ts';
import { useDuckDB } from './support/duckdb.ts';

const db = useDuckDB();

const schema: StructType = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: false, metadata: {} },
    { name: 'region', type: 'string', nullable: true, metadata: {} },
    { name: 'signed_at', type: 'date', nullable: true, metadata: {} },
    { name: 'amount', type: 'decimal(12,2)', nullable: true, metadata: {} },
  ],
};
function file(values: Record<string, PartitionValue>, size: number): ActiveFile {
  const path = `region=${String(values.region)}/part-${Math.random().toString(36).slice(2)}.parquet`;
  return { add: { path, partitionValues: {}, size, modificationTime: 0, dataChange: true }, key: path, stats: undefined, partitionValues: values };
}
const contracts: FederatableSnapshot = {
  schema,
  partitionColumns: ['region'],
  files: ['UK', 'EU', 'US', 'APAC', 'EU'].map((region) => file({ region }, 1000)),
};
const any = { minPartitions: 2, minBytes: 0 };

describe('planFederated: strategy choice', () => {
  it('fans the contracts aggregate out to one job per partition', async () => {
    const plan = await planFederated(contracts, 'SELECT region, sum(amount) AS total, count(*) AS n FROM contracts GROUP BY region ORDER BY total DESC', db.conn, any);
    expect(plan.strategy).toBe(QueryStrategy.FEDERATED_AGGREGATE);
    expect(plan.strategyReason).toBeUndefined();
    expect(plan.jobs.map((j) => j.partitionValues.region)).toEqual(['UK', 'EU', 'US', 'APAC']);
    expect(plan.jobs.map((j) => j.files.length)).toEqual([1, 2, 1, 1]);
    expect(plan.jobs[0]!.partialSql).toBe('SELECT region AS __k3_g0, sum(amount) AS __k3_a0_0, count_star() AS __k3_a1_0 FROM __k3_partition AS contracts GROUP BY region');
    expect(plan.finalSql).toBe('SELECT __k3_g0 AS region, __k3_a0 AS total, __k3_a1 AS n FROM __k3_merged ORDER BY total DESC');
    expect(plan.partitions).toEqual({ total: 4, kept: 4, pruned: 0 });
  });

  it('does not schedule jobs for pruned partitions', async () => {
    const plan = await planFederated(contracts, "SELECT count(*) FROM contracts WHERE region IN ('EU', 'US')", db.conn, any);
    expect(plan.strategy).toBe(QueryStrategy.FEDERATED_AGGREGATE);
    expect(plan.jobs.map((j) => j.partitionValues.region)).toEqual(['EU', 'US']);
    expect(plan.partitions).toEqual({ total: 4, kept: 2, pruned: 2 });
  });

  it('picks FEDERATED_SCAN for scans', async () => {
    const plan = await planFederated(contracts, 'SELECT id, amount FROM contracts ORDER BY amount DESC LIMIT 10', db.conn, any);
    expect(plan.strategy).toBe(QueryStrategy.FEDERATED_SCAN);
    expect(plan.jobs).toHaveLength(4);
    expect(plan.topK?.k).toBe(10);
  });

  it('downgrades to FEDERATED_TO_SINGLE with a reason when small, unpartitioned or pruned to one partition', async () => {
    const sql = 'SELECT region, count(*) FROM contracts GROUP BY region';
    const small = await planFederated(contracts, sql, db.conn, { minPartitions: 2, minBytes: 64 * 1024 * 1024 });
    expect(small).toMatchObject({ strategy: QueryStrategy.FEDERATED_TO_SINGLE, strategyReason: '5000 bytes left to scan after pruning, less than K3_FEDERATE_MIN_BYTES=67108864', jobs: [] });
    expect(small.files).toHaveLength(5);
    const flat = await planFederated({ ...contracts, partitionColumns: [] }, sql, db.conn, any);
    expect(flat).toMatchObject({ strategy: QueryStrategy.FEDERATED_TO_SINGLE, strategyReason: 'the table is not partitioned' });
    const one = await planFederated(contracts, "SELECT count(*) FROM contracts WHERE region = 'EU'", db.conn, any);
    expect(one).toMatchObject({ strategy: QueryStrategy.FEDERATED_TO_SINGLE, strategyReason: '1 partition(s) left to scan after pruning, fewer than K3_FEDERATE_MIN_PARTITIONS=2' });
    expect(one.files).toHaveLength(2);
  });

  it('runs shapes that do not split on one node (UNARY_WAREHOUSE), still pruning a single-table WHERE', async () => {
    const plan = await planFederated(contracts, "SELECT median(amount) FROM contracts WHERE region = 'US'", db.conn, any);
    expect(plan).toMatchObject({ strategy: QueryStrategy.UNARY_WAREHOUSE, strategyReason: 'median() cannot be merged exactly across partitions (1 argument(s))', jobs: [] });
    expect(plan.files.map((f) => f.partitionValues.region)).toEqual(['US']);
    // A subquery may read the same table again: nothing may be pruned then.
    const sub = await planFederated(contracts, "SELECT * FROM contracts WHERE region = 'US' AND id IN (SELECT id FROM contracts WHERE region = 'EU')", db.conn, any);
    expect(sub).toMatchObject({ strategy: QueryStrategy.UNARY_WAREHOUSE, strategyReason: 'subqueries are not split across partitions' });
    expect(sub.files).toHaveLength(5);
    const join = await planFederated(contracts, 'SELECT * FROM contracts a JOIN contracts b USING (id)', db.conn, any);
    expect(join).toMatchObject({ strategy: QueryStrategy.UNARY_WAREHOUSE, strategyReason: 'joins are not split across partitions' });
    expect(join.files).toHaveLength(5);
  });

  it('refuses more than one statement and reports parse errors', async () => {
    await expect(planFederated(contracts, 'SELECT 1; SELECT 2', db.conn, any)).rejects.toSatisfy((e: unknown) => isAppError(e, 'ERR_SQL_MULTI_STATEMENT'));
    await expect(planFederated(contracts, 'SELEC 1', db.conn, any)).rejects.toSatisfy((e: unknown) => isAppError(e, 'ERR_SQL_PARSE'));
  });
});

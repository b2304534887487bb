/**
 * The seeds' `contracts` example, end to end in process: real Parquet files per region partition,
 * the planner, one job per partition, the reducer and FINAL SQL, compared with DuckDB over the
 * whole table.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryStrategy } from '../../src/api/enums.ts';
import type { StructType } from '../../src/delta/schema.ts';
import type { ActiveFile } from '../../src/delta/snapshot.ts';
import { quoteLiteral } from '../../src/exec/sql-quote.ts';
import type { FederatableSnapshot } from '../../src/plan/index.ts';
import { readResult, runFederated, type FederatedRun } from './support/run-federated.ts';

const SQL = `SELECT region,
       COUNT(*)      AS cnt,
       SUM(amount)   AS total,
       AVG(amount)   AS avg_value
FROM contracts
WHERE signed_at > '2026-01-01'
GROUP BY region
ORDER BY total DESC`;

const schema: StructType = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: false, metadata: {} },
    { name: 'region', type: 'string', nullable: true, metadata: {} },
    { name: 'signed_at', type: 'date', nullable: true, metadata: {} },
    { name: 'amount', type: 'decimal(12,2)', nullable: true, metadata: {} },
  ],
};

let instance: DuckDBInstance;
let conn: DuckDBConnection;
let dir: string;
let withStats: FederatableSnapshot;
const local = new Map<string, string>();

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  await conn.run("SET TimeZone = 'UTC'");
  dir = await mkdtemp(join(tmpdir(), 'k3-contracts-'));
  // UK, EU, US sign contracts in 2026; APAC only in 2025 (its partition matches nothing).
  await conn.run(`CREATE TEMP TABLE contracts AS
    SELECT i AS id, r.region,
           CASE WHEN r.region = 'APAC' THEN DATE '2025-03-01' + CAST(i % 200 AS INTEGER) ELSE DATE '2025-12-01' + CAST(i % 120 AS INTEGER) END AS signed_at,
           CAST(1000 + (i * 37) % 90000 AS DECIMAL(12,2)) + 0.25 AS amount
    FROM range(1, 2001) t(i), (VALUES ('UK'), ('EU'), ('US'), ('APAC')) r(region)
    WHERE (i + length(r.region)) % 3 <> 0`);
  const files: ActiveFile[] = [];
  for (const region of ['UK', 'EU', 'US', 'APAC']) {
    const path = join(dir, `region=${region}.parquet`);
    await conn.run(`COPY (SELECT id, signed_at, amount FROM contracts WHERE region = ${quoteLiteral(region)}) TO ${quoteLiteral(path)} (FORMAT parquet)`);
    const [n, lo, hi] = (await conn.runAndReadAll(`SELECT count(*), min(signed_at)::VARCHAR, max(signed_at)::VARCHAR FROM contracts WHERE region = ${quoteLiteral(region)}`)).getRows()[0]!;
    const key = `region=${region}/part-0.parquet`;
    local.set(key, path);
    files.push({
      add: { path: key, partitionValues: { region }, size: 64 * 1024, modificationTime: 0, dataChange: true },
      key,
      stats: { numRecords: Number(n), minValues: { signed_at: lo }, maxValues: { signed_at: hi }, nullCount: { signed_at: 0 } },
      partitionValues: { region },
    });
  }
  withStats = { schema, partitionColumns: ['region'], files };
});
afterAll(async () => {
  conn.closeSync();
  instance.closeSync();
  await rm(dir, { recursive: true, force: true });
});

/** Each federated run gets its own coordinator connection (its TEMP relations are private). */
async function run(snapshot: FederatableSnapshot, sql: string): Promise<FederatedRun> {
  const coordinator = await instance.connect();
  try {
    await coordinator.run("SET TimeZone = 'UTC'");
    return await runFederated(instance, coordinator, snapshot, local, 'contracts', sql, { minPartitions: 2, minBytes: 0 });
  } finally {
    coordinator.closeSync();
  }
}

describe('the contracts example', () => {
  it('returns the same rows as DuckDB through FEDERATED_AGGREGATE, one job per partition', async () => {
    const expected = await readResult(conn, SQL);
    expect(expected.rows.map((r) => r[0]).sort()).toEqual(['EU', 'UK', 'US']);
    const noStats = { ...withStats, files: withStats.files.map((f) => ({ ...f, stats: undefined })) };
    const viaCluster = await run(noStats, SQL);
    expect(viaCluster.plan.strategy).toBe(QueryStrategy.FEDERATED_AGGREGATE);
    expect(viaCluster.jobsRun).toBe(4);
    expect(viaCluster.result).toEqual(expected);
    expect(expected.rows).toHaveLength(3);
    expect(expected.columns.map((c) => `${c.name} ${c.type}`)).toEqual(['region VARCHAR', 'cnt BIGINT', 'total DECIMAL(38,2)', 'avg_value DOUBLE']);
  });

  it('skips the partition whose signed_at stats cannot match, and scans nothing pruned by region', async () => {
    const expected = await readResult(conn, SQL);
    const skipped = await run(withStats, SQL);
    expect(skipped.jobsRun).toBe(3);
    expect(skipped.plan.filesSkipped).toBe(1);
    expect(skipped.result).toEqual(expected);

    const filtered = `SELECT region, sum(amount) AS total FROM contracts WHERE region IN ('UK', 'US') GROUP BY region ORDER BY region`;
    const byRegion = await run(withStats, filtered);
    expect(byRegion.plan.partitions).toEqual({ total: 4, kept: 2, pruned: 2 });
    expect(byRegion.plan.jobs.map((j) => j.partitionValues.region)).toEqual(['UK', 'US']);
    expect(byRegion.jobsRun).toBe(2);
    expect(byRegion.result).toEqual(await readResult(conn, filtered));
  });
});

/**
 * snapshotSelectSql's hive-partitioned scan (exec/hive-partition-read.ts): used only when every
 * path spells exactly the log's partition values; otherwise the log's typed constants (UNION ALL).
 * Values always equal the log's, whatever the paths say; a GROUP BY on the partition column gets
 * DuckDB's PARTITIONED_AGGREGATE only on the hive scan.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StructField, StructType } from '../../src/delta/schema.ts';
import type { ActiveFile } from '../../src/delta/snapshot.ts';
import type { PartitionValue } from '../../src/delta/partition-values.ts';
import { bindSnapshot, createDuckDB, encodeReader, snapshotSelectSql, withConnection, type BindableSnapshot, type K3DuckDB } from '../../src/exec/index.ts';
import { inWireForm } from '../support/wire-rows.ts';

function field(name: string, type: StructField['type']): StructField {
  return { name, type, nullable: true, metadata: {} };
}

describe('hive-partitioned binding', () => {
  let db: K3DuckDB;
  let dir: string;
  const files = new Map<string, string>();

  async function writeParquet(key: string, select: string): Promise<void> {
    const path = join(dir, key);
    await mkdir(join(path, '..'), { recursive: true });
    await withConnection(db, (conn) => conn.run(`COPY (${select}) TO '${path}' (FORMAT parquet)`));
    files.set(key, path);
    await stat(path);
  }

  function active(key: string, partitionValues: Record<string, PartitionValue>): ActiveFile {
    return { add: { path: key, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true }, key, stats: undefined, partitionValues };
  }

  async function read(snapshot: BindableSnapshot, sql: string) {
    return withConnection(db, async (conn) => {
      const text = await snapshotSelectSql(conn, snapshot, files);
      await bindSnapshot(conn, 't', snapshot, files);
      const rows = inWireForm(encodeReader(await conn.runAndReadAll(sql)));
      const plan = (await conn.runAndReadAll('EXPLAIN SELECT region, count(*), sum(v) FROM t GROUP BY region')).getRows().map((r) => String(r[1])).join('\n');
      return { hive: text.includes('hive_partitioning = true'), rows, partitioned: plan.includes('PARTITIONED_AGGREGATE') };
    });
  }

  const schema: StructType = { type: 'struct', fields: [field('v', 'integer'), field('region', 'string'), field('k', 'long')] };

  beforeAll(async () => {
    db = await createDuckDB({ threads: 1 });
    dir = await mkdtemp(join(tmpdir(), 'k3-hive-'));
    await writeParquet('t/region=eu/k=1/a.parquet', 'SELECT 10 AS v');
    await writeParquet('t/region=us/k=-2/b.parquet', 'SELECT 20 AS v UNION ALL SELECT 21');
    await writeParquet('t/region=eu/k=3/c.parquet', "SELECT 30 AS v, 'from-file' AS region");
    await writeParquet('x=9/t/region=eu/k=1/d.parquet', 'SELECT 40 AS v');
    await writeParquet('t/region=NULL/k=1/e.parquet', 'SELECT 50 AS v');
  });
  afterAll(async () => {
    db.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('paths that spell the log\'s values: one hive scan, typed columns, per-partition aggregate', async () => {
    const snapshot = { schema, partitionColumns: ['region', 'k'], files: [active('t/region=eu/k=1/a.parquet', { region: 'eu', k: 1n }), active('t/region=us/k=-2/b.parquet', { region: 'us', k: -2n })] };
    const res = await read(snapshot, 'SELECT v, region, k, typeof(k) FROM t ORDER BY v');
    expect(res.rows.rows).toEqual([[10, 'eu', '1', 'BIGINT'], [20, 'us', '-2', 'BIGINT'], [21, 'us', '-2', 'BIGINT']]);
    expect(res.hive).toBe(true);
    expect(res.partitioned).toBe(true);
  });

  it('a path that disagrees with the log: the log\'s value, no hive scan', async () => {
    const snapshot = { schema, partitionColumns: ['region', 'k'], files: [active('t/region=eu/k=1/a.parquet', { region: 'apac', k: 1n })] };
    const res = await read(snapshot, 'SELECT v, region, k FROM t');
    expect(res.rows.rows).toEqual([[10, 'apac', '1']]);
    expect(res.hive).toBe(false);
    expect(res.partitioned).toBe(false);
  });

  it('a key=value directory that is no partition column: no hive scan (no column leaks from the path)', async () => {
    const snapshot = { schema, partitionColumns: ['region', 'k'], files: [active('x=9/t/region=eu/k=1/d.parquet', { region: 'eu', k: 1n })] };
    const res = await read(snapshot, 'SELECT * FROM t');
    expect(res.rows.columns.map((c) => c.name)).toEqual(['v', 'region', 'k']);
    expect(res.rows.rows).toEqual([[40, 'eu', '1']]);
    expect(res.hive).toBe(false);
  });

  it('a file that carries a column named like a partition column: no hive scan, the log\'s value', async () => {
    const snapshot = { schema, partitionColumns: ['region', 'k'], files: [active('t/region=eu/k=3/c.parquet', { region: 'eu', k: 3n }), active('t/region=eu/k=1/a.parquet', { region: 'eu', k: 1n })] };
    const res = await read(snapshot, 'SELECT v, region FROM t ORDER BY v');
    expect(res.rows.rows).toEqual([[10, 'eu'], [30, 'eu']]);
    expect(res.hive).toBe(false);
  });

  it('a value DuckDB would read as NULL ("NULL") or a missing partition tuple: no hive scan', async () => {
    const nullText = { schema, partitionColumns: ['region', 'k'], files: [active('t/region=NULL/k=1/e.parquet', { region: 'NULL', k: 1n })] };
    const res = await read(nullText, 'SELECT v, region FROM t');
    expect(res.rows.rows).toEqual([[50, 'NULL']]);
    expect(res.hive).toBe(false);
    const missing = { schema, partitionColumns: ['region', 'k'], files: [active('t/region=eu/k=1/a.parquet', { region: 'eu', k: null })] };
    const res2 = await read(missing, 'SELECT v, region, k FROM t');
    expect(res2.rows.rows).toEqual([[10, 'eu', null]]);
    expect(res2.hive).toBe(false);
  });
});

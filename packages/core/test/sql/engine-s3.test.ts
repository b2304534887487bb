/**
 * The engine over a real S3 API (s3rver behind the test proxy that honours If-None-Match): the
 * same statements as in embedded mode, with data files fetched through the FileCache.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/sql/index.ts';
import { startS3Engine, type S3Engine } from './s3-engine.ts';
import { compareResults } from '../../../../test/support/compare-results.ts';
import { DuckDBReference } from '../../../../test/support/duckdb-reference.ts';

const bucket = 'k3-engine-s3';
let s3: S3Engine;
let engine: Engine;

beforeAll(async () => {
  s3 = await startS3Engine(bucket);
  engine = s3.engine;
});

afterAll(async () => {
  await s3.stop();
});

// Keyed writes land in the write log; drain them so the EVENTUAL reads compared with DuckDB see them.
const exec = async (sql: string) => {
  const r = await engine.execute({ bucket, sql });
  if ('write' in r && /^WRITE_STRATEGY_(KEYED|MERGE)_/.test(r.write.strategy)) while ((await engine.compact(bucket, r.write.tableName)).truncated);
  return r;
};

describe('engine over S3', () => {
  it('creates, writes, reads, updates, merges, deletes and drops — same results as DuckDB', async () => {
    const ref = await DuckDBReference.create();
    try {
      const both = async (sql: string): Promise<void> => {
        const expected = await ref.run(sql);
        const actual = await exec(sql);
        if ('write' in actual) expect(actual.write.rowsAffected, sql).toBe(Number(expected.rows[0]?.[0]));
        if ('query' in actual) expect(compareResults(actual.query, expected, { ordered: /ORDER BY/.test(sql) }).message, sql).toBe('equal');
      };
      for (const sql of [
        `CREATE TABLE contracts (id BIGINT PRIMARY KEY, region VARCHAR NOT NULL, amount DOUBLE, signed_at TIMESTAMP) PARTITIONED BY (region)`,
        `INSERT INTO contracts SELECT i, ['UK', 'EU', 'US'][i % 3 + 1], i * 10.5, TIMESTAMP '2026-01-01' + INTERVAL (i) DAY FROM range(30) t(i)`,
        `SELECT region, COUNT(*) AS cnt, SUM(amount) AS total, AVG(amount) AS avg_value FROM contracts WHERE signed_at > '2026-01-02' GROUP BY region ORDER BY total DESC`,
        `UPDATE contracts SET amount = 0 WHERE region = 'US'`,
        `MERGE INTO contracts t USING (VALUES (1, 'EU', 1.0), (100, 'UK', 2.0)) s(id, region, amount) ON t.id = s.id
         WHEN MATCHED THEN UPDATE SET amount = s.amount WHEN NOT MATCHED THEN INSERT (id, region, amount) VALUES (s.id, s.region, s.amount)`,
        `DELETE FROM contracts WHERE id >= 20 AND id < 100`,
        `SELECT * FROM contracts`,
      ]) await both(sql);
      await expect(exec(`INSERT INTO contracts VALUES (1, 'EU', 0, NULL)`)).rejects.toMatchObject({ code: 'ERR_CONSTRAINT_PRIMARY_KEY' });
      expect(await engine.describeTable(bucket, 'contracts')).toMatchObject({ rowCount: 21, partitionColumns: ['region'], mergeKeys: ['id'] });
      expect(await exec('DROP TABLE contracts')).toMatchObject({ ddl: { action: 'DROP_TABLE' } });
      expect(await engine.listTables(bucket)).toEqual([]);
    } finally {
      ref.close();
    }
  });

  it('concurrent INSERTs through S3 conditional puts lose nothing', async () => {
    await exec('CREATE TABLE c (w INTEGER, i INTEGER)');
    await Promise.all(Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; i < 5; i++) await exec(`INSERT INTO c VALUES (${w}, ${i})`);
    }));
    const q = await exec('SELECT count(*) FROM c');
    expect('query' in q && q.query.rows).toEqual([[20n]]);
  });

  it('does not create S3 buckets implicitly', async () => {
    await expect(engine.execute({ bucket: 'no-such-s3-bucket', sql: 'CREATE TABLE t (a INTEGER)' })).rejects.toMatchObject({ code: 'ERR_BUCKET_NOT_FOUND' });
  });
});

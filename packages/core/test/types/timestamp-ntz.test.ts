/**
 * Delta `timestamp_ntz` (reader/writer feature timestampNtz) written by Spark: k3 reads it as
 * DuckDB TIMESTAMP — data columns, zone-less partition values and stats — with file skipping and
 * partition pruning; writing such a table is refused (writer feature not implemented: the table
 * is read-only for k3) and leaves it untouched.
 */
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { createHarness, type Harness } from '../sql/engine-harness.ts';

const SOURCE = '/work/shared/delta-tables/golden-data-reader-timestamp_ntz';
let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  await h.ddl('CREATE TABLE own (a INTEGER)');
  await cp(SOURCE, path.join(h.dir, 'data', h.bucket, 'tables', 'ntz'), { recursive: true });
});
afterAll(async () => {
  await h.close();
});

describe('timestamp_ntz tables of other engines', () => {
  it('describe as TIMESTAMP columns and read every row', async () => {
    const t = await h.engine.describeTable(h.bucket, 'ntz');
    expect(t.columns.map((c) => [c.name, c.type, c.duckdbType])).toEqual([
      ['id', 'COLUMN_TYPE_INT', 'INTEGER'], ['tsNtz', 'COLUMN_TYPE_TIMESTAMP', 'TIMESTAMP'], ['tsNtzPartition', 'COLUMN_TYPE_TIMESTAMP', 'TIMESTAMP'],
    ]);
    const all = await h.query('SELECT count(*), count(tsNtz), count(tsNtzPartition), typeof(any_value(tsNtz)) FROM ntz');
    // Ground truth from DuckDB's own Parquet reader: 9 rows, 6 non-null tsNtz; 6 non-null partition values.
    expect(all.rows).toEqual([['9', '6', '6', 'TIMESTAMP']]);
  });

  it('filter on the partition column and on data columns (pruning and stats)', async () => {
    const part = await h.query("SELECT count(*) FROM ntz WHERE tsNtzPartition = TIMESTAMP '2013-07-05 17:01:00.123456'");
    const data = await h.query("SELECT id, tsNtz FROM ntz WHERE tsNtz > TIMESTAMP '2021-01-01 00:00:00' ORDER BY id");
    expect(Number(part.rows[0]![0])).toBeGreaterThan(0);
    expect(data.rows.length).toBeGreaterThan(0);
    expect(data.rows.every((r) => String(r[1]) > '2021-01-01')).toBe(true);
  });

  it('are read-only for k3: a write is refused and changes nothing', async () => {
    const before = await h.engine.describeTable(h.bucket, 'ntz');
    const err = await h.exec("INSERT INTO ntz VALUES (100, TIMESTAMP '2020-01-01 00:00:00', NULL)").then(() => undefined, (e: unknown) => e);
    expect((err as Error).message).toMatch(/writer features \(timestampNtz\)|writer version 7/);
    expect(isAppError(err) ? err.code : err).toBe('ERR_DELTA_UNSUPPORTED_FEATURE');
    expect((await h.engine.describeTable(h.bucket, 'ntz')).deltaVersion).toBe(before.deltaVersion);
  });
});

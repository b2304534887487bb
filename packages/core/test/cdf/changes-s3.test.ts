/**
 * The Change Data Feed on a real S3 API (s3rver behind the conditional-create proxy): change files
 * are written and read through S3, and after VACUUM a range whose change files are gone is refused
 * with ERR_DELTA_DATA_FILE_MISSING even though this process's FileCache still holds their bytes
 * (they are HEADed before binding). Control: the same range reads fine before the VACUUM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { startS3Engine, type S3Engine } from '../sql/s3-engine.ts';
import { wireRows } from '../support/wire-rows.ts';

const bucket = 'k3-cdf-s3';
let s3: S3Engine;

beforeAll(async () => {
  s3 = await startS3Engine(bucket);
});
afterAll(async () => {
  await s3?.stop();
});

async function rowsOf(sql: string): Promise<unknown[][]> {
  const r = await s3.engine.execute({ bucket, sql });
  if (!('query' in r)) throw new Error(`expected rows from ${sql}`);
  return wireRows(r.query);
}

describe('change data feed on S3', () => {
  it('reads change files through S3; a vacuumed range is a clear error even when cached', async () => {
    await s3.engine.execute({ bucket, sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR) WITH ('delta.enableChangeDataFeed' = true)" });
    await s3.engine.execute({ bucket, sql: "INSERT INTO t VALUES (1, 'a'), (2, 'b')" });
    await s3.engine.compact(bucket, 't');
    await s3.engine.execute({ bucket, sql: "UPDATE t SET v = 'z' WHERE v = 'a'" }); // not keyed: straight to Delta
    const feed = 'SELECT id, v, _change_type, _commit_version FROM table_changes(\'t\', 2, 2) ORDER BY _change_type';
    expect(await rowsOf(feed)).toEqual([[1, 'z', 'update_postimage', '2'], [1, 'a', 'update_preimage', '2']]);
    const vacuumed = await s3.engine.vacuumTable(bucket, 't', { retentionHours: 0, disableRetentionCheck: true });
    expect(vacuumed.filesDeletedPaths.some((p) => p.includes('/_change_data/'))).toBe(true);
    let code = '';
    try {
      await rowsOf(feed);
    } catch (err) {
      code = isAppError(err) ? err.code : String(err);
    }
    expect(code).toBe('ERR_DELTA_DATA_FILE_MISSING');
    expect(await rowsOf("SELECT id, v FROM t ORDER BY id")).toEqual([[1, 'z'], [2, 'b']]);
  });
});

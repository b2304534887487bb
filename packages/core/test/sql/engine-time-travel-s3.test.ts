/**
 * Time travel after VACUUM on a real S3 API (s3rver): data files are copied into the FileCache, so
 * a vacuumed file may still be cached in this process. The binding HEADs the files an old version
 * needs beyond the current snapshot, so reading a vacuumed version fails with
 * ERR_DELTA_DATA_FILE_MISSING even though the cache still holds the bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import type { Engine } from '../../src/sql/index.ts';
import { startS3Engine, type S3Engine } from './s3-engine.ts';

const bucket = 'k3-time-travel-s3';
let s3: S3Engine;
let engine: Engine;

beforeAll(async () => {
  s3 = await startS3Engine(bucket);
  engine = s3.engine;
});

afterAll(async () => {
  await s3.stop();
});

async function rowsOf(sql: string): Promise<unknown[][]> {
  const r = await engine.execute({ bucket, sql });
  if (!('query' in r)) throw new Error(`expected rows from ${sql}`);
  return r.query.rows;
}

describe('time travel on S3 after VACUUM', () => {
  it('a cached but vacuumed version is refused; the current one still reads', async () => {
    await engine.execute({ bucket, sql: 'CREATE TABLE t (id INTEGER)' });
    await engine.execute({ bucket, sql: 'INSERT INTO t VALUES (1), (2)' });
    await engine.execute({ bucket, sql: 'INSERT INTO t VALUES (3)' });
    await engine.execute({ bucket, sql: 'DELETE FROM t WHERE id = 1' });
    // Version 1 read once: its file is now in the FileCache.
    expect(await rowsOf('SELECT * FROM t AS OF VERSION 1 ORDER BY id')).toEqual([[1], [2]]);
    const vacuumed = await engine.vacuumTable(bucket, 't', { retentionHours: 0, disableRetentionCheck: true });
    expect(Number(vacuumed.filesDeleted)).toBe(1);
    let code = '';
    try {
      await rowsOf('SELECT * FROM t AS OF VERSION 1');
    } catch (err) {
      code = isAppError(err) ? err.code : String(err);
    }
    expect(code).toBe('ERR_DELTA_DATA_FILE_MISSING');
    expect(await rowsOf('SELECT * FROM t ORDER BY id')).toEqual([[2], [3]]);
    expect(await rowsOf('SELECT * FROM t AS OF VERSION 3 ORDER BY id')).toEqual([[2], [3]]);
  });
});

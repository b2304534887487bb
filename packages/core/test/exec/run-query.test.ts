import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.ts';
import { createDuckDB, runQuery, withConnection, type K3DuckDB } from '../../src/exec/index.ts';

const ENDLESS = 'SELECT count(*) FROM range(100000000000) t(x) WHERE x % 7 = 3';

describe('runQuery', () => {
  let db: K3DuckDB;
  beforeAll(async () => {
    db = await createDuckDB({ threads: 1 });
  });
  afterAll(() => db.closeSync());

  it('returns domain values beside the DuckDB type text', async () => {
    const res = await withConnection(db, (conn) => runQuery(conn, 'SELECT 1::BIGINT AS a, 0.5::DECIMAL(3,2) AS b'));
    expect(res).toEqual({ columns: [{ name: 'a', type: 'BIGINT' }, { name: 'b', type: 'DECIMAL(3,2)' }], rows: [[1n, '0.50']], truncated: false });
  });

  it('stops a query at its deadline with ERR_QUERY_TIMEOUT, and the connection stays usable', async () => {
    await withConnection(db, async (conn) => {
      const started = Date.now();
      const err = await runQuery(conn, ENDLESS, { timeoutMs: 100 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('ERR_QUERY_TIMEOUT');
      expect(Date.now() - started).toBeLessThan(20_000);
      expect((await runQuery(conn, 'SELECT 42 AS x')).rows).toEqual([[42]]);
    });
  });

  it('cancels when the client aborts, also on a streamed read that would otherwise end quietly', async () => {
    await withConnection(db, async (conn) => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const err = await runQuery(conn, 'SELECT x FROM range(100000000000) t(x)', { signal: controller.signal, maxRows: 1e9 }).catch((e: unknown) => e);
      expect((err as AppError).code).toBe('ERR_QUERY_CANCELLED');
      await expect(runQuery(conn, 'SELECT 1', { signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_QUERY_CANCELLED' });
    });
  });

  it('caps rows with maxRows and says so', async () => {
    const res = await withConnection(db, (conn) => runQuery(conn, 'SELECT range AS i FROM range(100000)', { maxRows: 10 }));
    expect(res.rows).toEqual(Array.from({ length: 10 }, (_, i) => [BigInt(i)]));
    expect(res.truncated).toBe(true);
    const exact = await withConnection(db, (conn) => runQuery(conn, 'SELECT range AS i FROM range(10)', { maxRows: 10 }));
    expect(exact.truncated).toBe(false);
    expect(exact.rows).toHaveLength(10);
  });

  it('maps DuckDB errors', async () => {
    await expect(withConnection(db, (conn) => runQuery(conn, 'SELECT * FROM nowhere'))).rejects.toMatchObject({ code: 'ERR_SQL_BIND' });
  });
});

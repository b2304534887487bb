import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDB, withConnection, type K3DuckDB } from '../../src/exec/index.ts';

const ULID_RE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function ulidTimeMs(ulid: string): number {
  let ms = 0;
  for (const ch of ulid.slice(0, 10)) ms = ms * 32 + CROCKFORD.indexOf(ch);
  return ms;
}

describe('k3 macros', () => {
  let db: K3DuckDB;
  beforeAll(async () => {
    db = await createDuckDB({ threads: 1 });
  });
  afterAll(() => db.closeSync());

  it('GENERATE_UUID() returns distinct UUID text', async () => {
    const rows = await withConnection(db, async (conn) =>
      (await conn.runAndReadAll('SELECT GENERATE_UUID() AS u, typeof(GENERATE_UUID()) FROM range(100)')).getRows());
    const ids = rows.map((r) => r[0] as string);
    expect(new Set(ids).size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rows[0]![1]).toBe('VARCHAR');
  });

  it('ULID() has the ULID format and encodes the statement time in its first 10 chars', async () => {
    const before = Date.now();
    const [ulid, nowMs] = await withConnection(db, async (conn) =>
      (await conn.runAndReadAll('SELECT ULID(), epoch_ms(now())')).getRows()[0]!) as [string, bigint];
    const after = Date.now();
    expect(ulid).toMatch(ULID_RE);
    expect(ulidTimeMs(ulid)).toBe(Number(nowMs));
    expect(ulidTimeMs(ulid)).toBeGreaterThanOrEqual(before - 5);
    expect(ulidTimeMs(ulid)).toBeLessThanOrEqual(after + 5);
  });

  it('ULID() is unique over 10k rows of one INSERT through a column DEFAULT', async () => {
    const rows = await withConnection(db, async (conn) => {
      await conn.run('CREATE TEMP TABLE u (id VARCHAR DEFAULT ULID(), n INTEGER)');
      await conn.run('INSERT INTO u (n) SELECT range FROM range(10000)');
      return (await conn.runAndReadAll("SELECT count(DISTINCT id), count(*) FILTER (WHERE regexp_full_match(id, '[0-7][0-9A-HJKMNP-TV-Z]{25}')) FROM u")).getRows();
    });
    expect(rows).toEqual([[10000n, 10000n]]);
  });

  it('ULIDs of later statements sort after earlier ones', async () => {
    const ids: string[] = [];
    await withConnection(db, async (conn) => {
      for (let i = 0; i < 3; i++) {
        ids.push((await conn.runAndReadAll('SELECT ULID()')).getRows()[0]![0] as string);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    });
    expect([...ids].sort()).toEqual(ids);
    expect(ulidTimeMs(ids[2]!)).toBeGreaterThan(ulidTimeMs(ids[0]!));
  });

  it('CURRENT_TIMESTAMP() works with parentheses, in a DEFAULT, and the bare keyword is unchanged', async () => {
    const rows = await withConnection(db, async (conn) => {
      await conn.run('CREATE TEMP TABLE t (a INTEGER, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP(), id VARCHAR DEFAULT GENERATE_UUID())');
      await conn.run('INSERT INTO t (a) VALUES (1)');
      return (await conn.runAndReadAll(
        'SELECT typeof(CURRENT_TIMESTAMP()), CURRENT_TIMESTAMP() = CURRENT_TIMESTAMP, abs(epoch_ms(created_at) - epoch_ms(now())) < 60000, length(id) FROM t',
      )).getRows();
    });
    expect(rows).toEqual([['TIMESTAMP WITH TIME ZONE', true, true, 36n]]);
  });

  it('a table whose DEFAULT uses the macros can be inserted into from another connection', async () => {
    await withConnection(db, async (conn) => {
      await conn.run('CREATE TABLE shared_defaults (a INTEGER, id VARCHAR DEFAULT ULID())');
    });
    const rows = await withConnection(db, async (conn) => {
      await conn.run('INSERT INTO shared_defaults (a) VALUES (1), (2)');
      return (await conn.runAndReadAll('SELECT count(DISTINCT id) FROM shared_defaults')).getRows();
    });
    expect(rows).toEqual([[2n]]);
  });
});

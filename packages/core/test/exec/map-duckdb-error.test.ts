import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors/index.ts';
import { createDuckDB, mapDuckDBError, withConnection, type K3DuckDB } from '../../src/exec/index.ts';

describe('mapDuckDBError (real DuckDB errors)', () => {
  let db: K3DuckDB;
  beforeAll(async () => {
    db = await createDuckDB({ threads: 1 });
  });
  afterAll(() => db.closeSync());

  async function failure(sql: string): Promise<AppError> {
    return withConnection(db, async (conn) => {
      await conn.run('CREATE TEMP TABLE IF NOT EXISTS k (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)');
      await conn.run('INSERT OR IGNORE INTO k VALUES (1, 1)');
      try {
        await conn.run(sql);
      } catch (err) {
        return mapDuckDBError(err);
      }
      throw new Error(`expected ${sql} to fail`);
    });
  }

  const cases: Array<[string, string, RegExp]> = [
    ['SELEC 1', 'ERR_SQL_PARSE', /^Parser Error: syntax error at or near "SELEC"/],
    ['SELECT * FROM missing_table', 'ERR_SQL_BIND', /^Catalog Error: Table with name missing_table does not exist/],
    ['SELECT nope FROM range(1)', 'ERR_SQL_BIND', /^Binder Error: Referenced column "nope" not found/],
    ['INSERT INTO k VALUES (2, NULL)', 'ERR_CONSTRAINT_NOT_NULL', /NOT NULL constraint failed: k\.v/],
    ['INSERT INTO k VALUES (1, 5)', 'ERR_CONSTRAINT_PRIMARY_KEY', /Duplicate key "id: 1" violates primary key constraint/],
    ['INSERT INTO k VALUES (7, 1), (7, 2)', 'ERR_CONSTRAINT_PRIMARY_KEY', /PRIMARY KEY or UNIQUE constraint violation: duplicate key "7"/],
    ["SELECT 'abc'::INTEGER", 'ERR_TYPE_MISMATCH', /^Conversion Error: Could not convert string 'abc' to INT32/],
    ["SELECT json('{bad')", 'ERR_TYPE_MISMATCH', /^Invalid Input Error: Malformed JSON/],
    ['SELECT 2147483647::INTEGER + 1', 'ERR_SQL_EXECUTION', /^Out of Range Error: Overflow in addition of INT32/],
    ['CREATE TEMP TABLE iv (k INTERVAL PRIMARY KEY)', 'ERR_SQL_UNSUPPORTED', /^Invalid type Error:.*Invalid type for index key[\s\S]*PRIMARY KEY/],
    ['SELECT (SELECT range FROM range(2)) AS x', 'ERR_SQL_EXECUTION', /^Invalid Input Error: More than one row returned by a subquery[\s\S]*compare with IN \/ ANY instead/],
  ];

  it.each(cases)('%s → %s', async (sql, code, text) => {
    const err = await failure(sql);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(text);
    // DuckDB's text is kept, and a line of advice is appended.
    expect(err.message.split('\n').at(-1)!.length).toBeGreaterThan(10);
    expect(err.cause).toBeInstanceOf(Error);
  });

  it('passes AppErrors through and turns unknown errors into ERR_INTERNAL', () => {
    const app = new AppError('ERR_QUERY_TIMEOUT', 'late');
    expect(mapDuckDBError(app)).toBe(app);
    const unknown = mapDuckDBError(new TypeError('x is not a function'));
    expect(unknown.code).toBe('ERR_INTERNAL');
    expect(unknown.message).toContain('x is not a function');
  });
});

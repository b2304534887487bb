/**
 * Refusals and bad input: each gets its precise code, and none changes any table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './engine-harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await createHarness();
  await h.ddl(`CREATE TABLE t (id BIGINT PRIMARY KEY, name VARCHAR, n INTEGER DEFAULT 0)`);
  await h.write(`INSERT INTO t VALUES (1, 'a', 1), (2, 'b', 2)`);
});

afterAll(async () => {
  await h.close();
});

const REFUSALS: Array<[string, string, RegExp?]> = [
  ['BEGIN', 'ERR_SQL_TRANSACTION_UNSUPPORTED', /Postgres/],
  ['BEGIN TRANSACTION', 'ERR_SQL_TRANSACTION_UNSUPPORTED'],
  ['COMMIT', 'ERR_SQL_TRANSACTION_UNSUPPORTED'],
  ['ROLLBACK', 'ERR_SQL_TRANSACTION_UNSUPPORTED'],
  ['SELECT 1; SELECT 2', 'ERR_SQL_MULTI_STATEMENT', /One SQL statement per Execute call — send them one at a time\./],
  ['INSERT INTO t VALUES (3, \'c\', 3); DELETE FROM t', 'ERR_SQL_MULTI_STATEMENT'],
  ['', 'ERR_BAD_REQUEST'],
  ['  -- only a comment\n /* and another */ ;', 'ERR_BAD_REQUEST'],
  ['SELEC 1', 'ERR_SQL_PARSE', /syntax error/],
  ['ALTER TABLE t DROP COLUMN name', 'ERR_SQL_UNSUPPORTED', /Recreate the table without the column via CREATE TABLE AS SELECT, or leave the column nullable/],
  ['ALTER TABLE t RENAME COLUMN name TO label', 'ERR_SQL_UNSUPPORTED', /RENAME COLUMN/],
  ['ALTER TABLE t RENAME TO t2', 'ERR_SQL_UNSUPPORTED', /Renaming table/],
  ['ALTER TABLE t ALTER COLUMN n SET DATA TYPE UNION(a INTEGER, b VARCHAR)', 'ERR_SQL_UNSUPPORTED', /Column "n": DuckDB type UNION .*use a STRUCT with one field per member/],
  ['ALTER TABLE t ALTER COLUMN name SET NOT NULL, ALTER COLUMN n SET DATA TYPE DATE', 'ERR_DEFAULT_EXPRESSION_INVALID', /column "n"/],
  ['ALTER TABLE t ALTER COLUMN name SET DATA TYPE INTEGER', 'ERR_TYPE_MISMATCH', /Could not convert/],
  ['ALTER TABLE t ALTER COLUMN n SET DEFAULT 1 + ', 'ERR_SQL_PARSE'],
  ['SELECT $1', 'ERR_BAD_REQUEST', /parameter/],
  ['SELECT * FROM t WHERE id = ?', 'ERR_BAD_REQUEST'],
  ['DELETE FROM t WHERE id = $id', 'ERR_BAD_REQUEST'],
  ['ALTER TABLE t ADD COLUMN x INTEGER NOT NULL', 'ERR_SQL_PARSE'],
  ['ALTER TABLE t ADD COLUMN name VARCHAR', 'ERR_SQL_BIND'],
  ['ALTER TABLE t ADD COLUMN h TIMESTAMP_NS', 'ERR_SQL_UNSUPPORTED', /Column "h": DuckDB type TIMESTAMP_NS cannot be stored .*use TIMESTAMP/],
  ['ALTER TABLE nope ADD COLUMN x INTEGER', 'ERR_TABLE_NOT_FOUND'],
  ["ATTACH 'other.db' AS other", 'ERR_SQL_UNSUPPORTED'],
  ["COPY t TO '/tmp/x.csv'", 'ERR_SQL_UNSUPPORTED'],
  ["COPY (SELECT 1) TO '/tmp/x.csv'", 'ERR_SQL_UNSUPPORTED'],
  ["EXPORT DATABASE '/tmp/exp'", 'ERR_SQL_UNSUPPORTED'],
  ['INSTALL httpfs', 'ERR_SQL_UNSUPPORTED'],
  ['LOAD json', 'ERR_SQL_UNSUPPORTED'],
  ['SET threads = 1', 'ERR_SQL_UNSUPPORTED'],
  ["SET VARIABLE x = 1", 'ERR_SQL_UNSUPPORTED'],
  ['PRAGMA enable_profiling', 'ERR_SQL_UNSUPPORTED'],
  ['CHECKPOINT', 'ERR_SQL_UNSUPPORTED'],
  ['VACUUM', 'ERR_SQL_UNSUPPORTED'],
  ['CREATE VIEW v AS SELECT 1', 'ERR_SQL_UNSUPPORTED', /tables only/],
  ['CREATE SEQUENCE s', 'ERR_SQL_UNSUPPORTED'],
  ['CREATE MACRO m(x) AS x + 1', 'ERR_SQL_UNSUPPORTED'],
  ["CREATE TYPE mood AS ENUM ('a')", 'ERR_SQL_UNSUPPORTED'],
  ['CREATE INDEX i ON t (name)', 'ERR_SQL_UNSUPPORTED'],
  ['CREATE SCHEMA s', 'ERR_SQL_UNSUPPORTED'],
  ['CREATE TEMP TABLE tt (a INTEGER)', 'ERR_SQL_UNSUPPORTED'],
  ['DROP VIEW v', 'ERR_SQL_UNSUPPORTED'],
  ['DROP TABLE a, b', 'ERR_SQL_UNSUPPORTED'],
  ['DROP TABLE nope', 'ERR_TABLE_NOT_FOUND'],
  ['PREPARE p AS SELECT 1', 'ERR_SQL_UNSUPPORTED'],
  ["SELECT * FROM read_csv('/etc/passwd')", 'ERR_SQL_UNSUPPORTED'],
  ["SELECT * FROM read_text('/etc/hostname')", 'ERR_SQL_UNSUPPORTED'],
  ["SELECT * FROM read_parquet('data/other-bucket/tables/x/part-0.parquet')", 'ERR_SQL_UNSUPPORTED', /reads files/],
  ["SELECT count(*) FROM main.\"parquet_scan\"('x.parquet')", 'ERR_SQL_UNSUPPORTED'],
  ["SELECT * FROM 'data/other-bucket/tables/x/part-0.parquet'", 'ERR_SQL_UNSUPPORTED', /reads a file/],
  ["SELECT * FROM glob('*')", 'ERR_SQL_UNSUPPORTED'],
  ["SELECT * FROM query('SELECT * FROM read_text(''/etc/hostname'')')", 'ERR_SQL_UNSUPPORTED', /runs SQL text/],
  ["INSERT INTO t SELECT * FROM read_csv('/etc/passwd')", 'ERR_SQL_UNSUPPORTED'],
  ["CREATE TABLE stolen AS SELECT * FROM read_json('x.json')", 'ERR_SQL_UNSUPPORTED'],
  ['CREATE TABLE __k3_before (a INTEGER)', 'ERR_INVALID_NAME'],
  ['SELECT * FROM nope', 'ERR_TABLE_NOT_FOUND', /Tables in bucket test-bucket: t\. Create it first with CREATE TABLE/],
  ['INSERT INTO nope VALUES (1)', 'ERR_TABLE_NOT_FOUND'],
  ['UPDATE nope SET a = 1', 'ERR_TABLE_NOT_FOUND'],
  ['SELECT * FROM t JOIN nope USING (id)', 'ERR_TABLE_NOT_FOUND'],
  ['SELECT nope FROM t', 'ERR_SQL_BIND'],
  ['CREATE TABLE t (a INTEGER)', 'ERR_TABLE_EXISTS'],
  ['CREATE TABLE T (a INTEGER)', 'ERR_TABLE_EXISTS'],
  ['CREATE TABLE bad (a INTEGER, b UNION(n INTEGER, s VARCHAR))', 'ERR_SQL_UNSUPPORTED', /Column "b": DuckDB type UNION/],
  ['CREATE TABLE bad (a STRUCT(u UNION(n INTEGER))[])', 'ERR_SQL_UNSUPPORTED', /Column "a": DuckDB type UNION \(in STRUCT/],
  ['CREATE TABLE bad (a INTEGER, p INTEGER[]) PARTITIONED BY (p)', 'ERR_BAD_REQUEST', /"p" of type INTEGER\[\] cannot be a partition column/],
  ['CREATE TABLE bad AS SELECT TIMESTAMP_NS \'2024-01-01 00:00:00.123456789\' AS t', 'ERR_SQL_UNSUPPORTED', /Column "t": DuckDB type TIMESTAMP_NS/],
  ["CREATE TABLE bad (a INTEGER DEFAULT 'abc')", 'ERR_DEFAULT_EXPRESSION_INVALID', /column "a"/],
  ["CREATE TABLE bad (d DATE DEFAULT 'tomorrow-ish')", 'ERR_DEFAULT_EXPRESSION_INVALID'],
  ['CREATE TABLE bad (a INTEGER, b INTEGER) PARTITIONED BY (c)', 'ERR_BAD_REQUEST', /not a column/],
  ['CREATE TABLE bad (a INTEGER, j JSON) PARTITIONED BY (j)', 'ERR_BAD_REQUEST', /cannot be a partition column/],
  ['CREATE TABLE bad (a INTEGER UNIQUE)', 'ERR_SQL_UNSUPPORTED', /UNIQUE constraints are not enforced by k3: declare the column\(s\) as the PRIMARY KEY/],
  ['CREATE TABLE bad (a INTEGER, b INTEGER, UNIQUE (a, b))', 'ERR_SQL_UNSUPPORTED', /UNIQUE constraints are not enforced/],
  ['CREATE TABLE bad (a INTEGER REFERENCES t(id))', 'ERR_SQL_UNSUPPORTED', /FOREIGN KEY constraints are not supported/],
  ['CREATE TABLE bad (a INTEGER, FOREIGN KEY (a) REFERENCES t(id))', 'ERR_SQL_UNSUPPORTED', /FOREIGN KEY constraints are not supported/],
  ['CREATE TABLE bad (a INTEGER CONSTRAINT c1 CHECK (a > 0), b INTEGER CONSTRAINT C1 CHECK (b > 0))', 'ERR_BAD_REQUEST', /Two CHECK constraints are named "c1"/],
  ['CREATE TABLE bad (a INTEGER CHECK (a > 0)) AS SELECT 1', 'ERR_SQL_PARSE'],
  ['CREATE TABLE bad (a INTEGER, b INTEGER GENERATED ALWAYS AS (a + 1))', 'ERR_SQL_UNSUPPORTED'],
  ['CREATE TABLE "bad/name" (a INTEGER)', 'ERR_INVALID_NAME'],
  [`CREATE TABLE ${'x'.repeat(129)} (a INTEGER)`, 'ERR_INVALID_NAME'],
  ['CREATE TABLE bad (a INTEGER, A VARCHAR)', 'ERR_SQL_BIND'],
  ['CREATE TABLE bad ("__k3_x" INTEGER)', 'ERR_INVALID_NAME'],
  ['SELECT * FROM other.t', 'ERR_SQL_BIND'],
];

describe('refusals and bad input', () => {
  for (const [sql, code, message] of REFUSALS) {
    it(`${code}: ${sql.slice(0, 80)}`, async () => {
      const before = await h.engine.describeTable(h.bucket, 't');
      const err = await h.exec(sql).then(
        (r) => { throw new Error(`expected ${code}, got ${JSON.stringify(r).slice(0, 300)}`); },
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code });
      if (message) expect((err as Error).message).toMatch(message);
      const after = await h.engine.describeTable(h.bucket, 't');
      expect(after.deltaVersion).toBe(before.deltaVersion);
      expect(after.columns).toEqual(before.columns);
      expect((await h.engine.listTables(h.bucket)).map((t) => t.name)).toEqual(['t']);
    });
  }

  // rowid: DuckDB's storage position does not exist on a Delta table (issue 15 item 6: refused
  // precisely). Every statement shape that names it — reads, the WHERE of a write on a keyed and on
  // a non-keyed table (whose write runs over a loaded copy that has rowids of its own), SET, the
  // SELECT of INSERT … SELECT and CTAS — is refused with the same code and advice; nothing changes.
  it.each([
    'SELECT rowid, id FROM t',
    'SELECT max(rowid) FROM t',
    'DELETE FROM t WHERE rowid = 0',
    'UPDATE t SET n = 5 WHERE rowid = 1',
    'DELETE FROM plain WHERE rowid = 0',
    'UPDATE plain SET v = rowid',
    'INSERT INTO plain SELECT rowid FROM plain',
    'CREATE TABLE bad AS SELECT rowid AS r FROM plain',
    'DELETE FROM plain RETURNING rowid',
  ])('rowid is refused precisely and changes nothing: %s', async (sql) => {
    await h.ddl('CREATE TABLE IF NOT EXISTS plain (v BIGINT)');
    if ((await h.query('SELECT count(*) FROM plain')).rows[0]![0] === '0') await h.write('INSERT INTO plain VALUES (10), (20)');
    const tables = ['t', 'plain'];
    const before = await Promise.all(tables.map(async (n) => [(await h.engine.describeTable(h.bucket, n)).deltaVersion, (await h.query(`SELECT * FROM ${n} ORDER BY ALL`)).rows]));
    const err = await h.exec(sql).then((r) => { throw new Error(`expected a refusal, got ${JSON.stringify(r).slice(0, 300)}`); }, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_SQL_UNSUPPORTED' });
    expect((err as Error).message).toMatch(/no rowid pseudo-column .*Identify rows by the primary key, or number them with row_number\(\) OVER/);
    const after = await Promise.all(tables.map(async (n) => [(await h.engine.describeTable(h.bucket, n)).deltaVersion, (await h.query(`SELECT * FROM ${n} ORDER BY ALL`)).rows]));
    expect(after).toEqual(before);
    expect((await h.engine.listTables(h.bucket)).map((x) => x.name).sort()).toEqual(['plain', 't']);
  });

  it('a table with a real column named rowid reads and writes it like DuckDB (the column shadows the pseudo-column)', async () => {
    await h.ddl('CREATE TABLE has_rowid (rowid INTEGER, v VARCHAR)');
    await h.write("INSERT INTO has_rowid VALUES (7, 'a'), (8, 'b')");
    await h.write('DELETE FROM has_rowid WHERE rowid = 7');
    await h.write("UPDATE has_rowid SET v = 'c' WHERE rowid = 8");
    expect((await h.query('SELECT rowid, v FROM has_rowid')).rows).toEqual([[8, 'c']]);
    await h.ddl('DROP TABLE has_rowid');
  });

  it('an unknown bucket is ERR_BUCKET_NOT_FOUND for reads, writes, listing and describing', async () => {
    for (const sql of ['SELECT 1', 'SELECT * FROM t', 'INSERT INTO t VALUES (1)', 'DROP TABLE t', 'SHOW TABLES']) {
      await expect(h.engine.execute({ bucket: 'no-such-bucket', sql })).rejects.toMatchObject({ code: 'ERR_BUCKET_NOT_FOUND' });
    }
    await expect(h.engine.listTables('no-such-bucket')).rejects.toMatchObject({ code: 'ERR_BUCKET_NOT_FOUND' });
    await expect(h.engine.describeTable('no-such-bucket', 't')).rejects.toMatchObject({ code: 'ERR_BUCKET_NOT_FOUND' });
  });

  it('IF EXISTS / IF NOT EXISTS do nothing and say so', async () => {
    expect(await h.ddl('DROP TABLE IF EXISTS nope')).toMatchObject({ action: 'NOOP', tableName: 'nope' });
    expect(await h.ddl('ALTER TABLE IF EXISTS nope ADD COLUMN x INTEGER')).toMatchObject({ action: 'NOOP' });
    const noop = await h.ddl('CREATE TABLE IF NOT EXISTS t (other INTEGER)');
    expect(noop.action).toBe('NOOP');
    expect(noop.table?.columns.map((c) => c.name)).toEqual(['id', 'name', 'n']);
    expect(await h.ddl('ALTER TABLE t ADD COLUMN IF NOT EXISTS name VARCHAR')).toMatchObject({ action: 'NOOP' });
  });

  it('EXPLAIN of a write plans it without writing', async () => {
    const before = await h.engine.describeTable(h.bucket, 't');
    for (const sql of ["EXPLAIN UPDATE t SET name = 'x' WHERE id = 1", "EXPLAIN ANALYZE DELETE FROM t", "EXPLAIN INSERT INTO t VALUES (9, 'z', 9)"]) {
      const q = await h.query(sql);
      expect(q.columns.map((c) => c.name)).toEqual(['explain_key', 'explain_value']);
      expect(q.rows.map((r) => String(r[1])).join('\n')).toMatch(/UPDATE|DELETE|INSERT/);
    }
    expect((await h.engine.describeTable(h.bucket, 't')).deltaVersion).toBe(before.deltaVersion);
  });

  it('the rows are untouched by all of the above', async () => {
    const q = await h.query('SELECT * FROM t ORDER BY id');
    expect(q.rows).toEqual([['1', 'a', 1], ['2', 'b', 2]]);
  });
});

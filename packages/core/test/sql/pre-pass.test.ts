import { describe, expect, it } from 'vitest';
import { singleStatement } from '../../src/sql/classify-statement.ts';
import { prePass } from '../../src/sql/pre-pass.ts';
import { routeWrite, type DmlShape } from '../../src/sql/route-write.ts';
import { tokenize } from '../../src/sql/sql-tokens.ts';
import { planWriteScope } from '../../src/sql/write-scope.ts';

describe('tokenize', () => {
  it('skips comments and keeps strings, quoted identifiers and dollar strings whole', () => {
    const t = tokenize(`SELECT 'a;b' /* c; /* nested */ ; */, "x;y", $$ ; $$, E'it\\'s' -- tail ;\n FROM t`);
    expect(t.map((x) => x.kind)).toEqual(['word', 'string', 'punct', 'quoted', 'punct', 'string', 'punct', 'string', 'word', 'word']);
    expect(t.filter((x) => x.text === ';')).toEqual([]);
  });

  it('tracks parenthesis depth', () => {
    const t = tokenize('a (b (c) d) e');
    expect(t.map((x) => `${x.text}@${x.depth}`)).toEqual(['a@0', '(@0', 'b@1', '(@1', 'c@2', ')@1', 'd@1', ')@0', 'e@0']);
  });
});

describe('singleStatement', () => {
  it('accepts one statement with a trailing semicolon and comments', () => {
    expect(singleStatement('SELECT 1; -- done').sql).toBe('SELECT 1');
  });
  it("counts statements at depth 0 only, ignoring ';' inside strings", () => {
    expect(() => singleStatement("SELECT ';'; SELECT 2")).toThrow(expect.objectContaining({ code: 'ERR_SQL_MULTI_STATEMENT' }));
    expect(singleStatement("SELECT ';' AS s").sql).toBe("SELECT ';' AS s");
  });
  it('refuses empty input', () => {
    expect(() => singleStatement(' ; ; -- x')).toThrow(expect.objectContaining({ code: 'ERR_BAD_REQUEST' }));
  });
});

describe('prePass', () => {
  it('strips a trailing PARTITIONED BY and keeps the list', () => {
    const p = prePass('CREATE TABLE events (id BIGINT, region VARCHAR, PRIMARY KEY (id)) PARTITIONED BY (region, "Day")');
    expect(p.shape).toMatchObject({ kind: 'create-table', table: 'events', partitionedBy: ['region', 'Day'], asQuery: undefined });
    expect(p.sql).toBe('CREATE TABLE events (id BIGINT, region VARCHAR, PRIMARY KEY (id)) ');
    expect(p.shape.kind === 'create-table' && p.shape.scratchSql).toBe('CREATE TEMP TABLE "events" (id BIGINT, region VARCHAR, PRIMARY KEY (id)) ');
  });

  it('is not fooled by PARTITIONED BY inside strings or comments', () => {
    const p = prePass("CREATE TABLE t (a VARCHAR DEFAULT 'PARTITIONED BY (x)') -- PARTITIONED BY (a)");
    expect(p.shape).toMatchObject({ kind: 'create-table', partitionedBy: [] });
  });

  it('recognises CTAS, IF NOT EXISTS, OR REPLACE and a main. qualifier', () => {
    expect(prePass('CREATE TABLE IF NOT EXISTS main.s AS SELECT 1 AS a').shape).toMatchObject({
      kind: 'create-table', table: 's', ifNotExists: true, orReplace: false, asQuery: 'SELECT 1 AS a',
    });
    expect(prePass('CREATE OR REPLACE TABLE s PARTITIONED BY (a) AS SELECT 1 AS a').shape).toMatchObject({
      kind: 'create-table', orReplace: true, partitionedBy: ['a'], asQuery: 'SELECT 1 AS a',
    });
    expect(() => prePass('CREATE TABLE other.s (a INT)')).toThrow(expect.objectContaining({ code: 'ERR_SQL_UNSUPPORTED' }));
  });

  it('names other CREATE / DROP objects', () => {
    expect(prePass('CREATE OR REPLACE VIEW v AS SELECT 1').shape).toEqual({ kind: 'create-other', objectType: 'VIEW V' });
    expect(prePass('DROP SEQUENCE s').shape).toEqual({ kind: 'drop-other', objectType: 'SEQUENCE' });
  });

  it('splits ALTER TABLE into one action per depth-0 comma', () => {
    const p = prePass("ALTER TABLE IF EXISTS t ADD COLUMN a DECIMAL(10, 2), ADD COLUMN b VARCHAR DEFAULT 'x,y'");
    expect(p.shape).toEqual({ kind: 'alter-table', table: 't', ifExists: true, actions: ['ADD COLUMN a DECIMAL(10, 2)', "ADD COLUMN b VARCHAR DEFAULT 'x,y'"] });
  });

  it('finds the DML target, RETURNING, upserts and self references', () => {
    const shape = (sql: string) => prePass(sql).shape;
    expect(shape('INSERT INTO t VALUES (1)')).toMatchObject({ kind: 'dml', verb: 'INSERT', table: 't', selfReference: false, returning: false });
    expect(shape('INSERT INTO t SELECT * FROM t')).toMatchObject({ selfReference: true });
    expect(shape("INSERT INTO t SELECT 't' AS x")).toMatchObject({ selfReference: false });
    // A MERGE's unaliased target as a qualifier is the merged row; a FROM of it is a read.
    expect(shape('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = t.v + s.v')).toMatchObject({ verb: 'MERGE', selfReference: false });
    expect(shape('MERGE INTO t USING (SELECT * FROM t) s ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v')).toMatchObject({ selfReference: true });
    expect(shape('WITH s AS (SELECT 1) INSERT INTO "T" SELECT * FROM s')).toMatchObject({ verb: 'INSERT', table: 'T' });
    expect(shape('INSERT OR REPLACE INTO t VALUES (1)')).toMatchObject({ upsert: true });
    expect(shape('INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING')).toMatchObject({ upsert: true });
    expect(shape('UPDATE t SET a = 1 RETURNING *')).toMatchObject({ verb: 'UPDATE', returning: true });
    expect(shape('DELETE FROM t WHERE a IN (SELECT 1 RETURNING)')).toMatchObject({ verb: 'DELETE' });
    expect(shape('MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE')).toMatchObject({ verb: 'MERGE', table: 't' });
    expect(shape('TRUNCATE TABLE t')).toMatchObject({ verb: 'TRUNCATE', table: 't' });
    expect(shape('WITH x AS (SELECT 1) SELECT * FROM x')).toEqual({ kind: 'other' });
  });

  it('recognises SHOW TABLES and DESCRIBE of tables and queries', () => {
    expect(prePass('show all tables').shape).toEqual({ kind: 'show-tables', all: true });
    expect(prePass('SHOW TABLES').shape).toEqual({ kind: 'show-tables', all: false });
    expect(prePass('DESCRIBE events').shape).toEqual({ kind: 'describe-table', table: 'events' });
    expect(prePass('DESCRIBE SELECT 1').shape).toEqual({ kind: 'describe-query' });
  });
});

describe('routeWrite', () => {
  const route = (sql: string) => {
    const p = prePass(sql);
    return routeWrite(p.shape as DmlShape, p.tokens, []).strategy;
  };
  it('picks the non-keyed and merge strategies by statement shape', () => {
    expect(route('INSERT INTO t VALUES (1)')).toBe('WRITE_STRATEGY_NON_KEYED_INSERT');
    expect(route('INSERT INTO t DEFAULT VALUES')).toBe('WRITE_STRATEGY_NON_KEYED_INSERT');
    expect(route('INSERT INTO t SELECT * FROM s')).toBe('WRITE_STRATEGY_NON_KEYED_INSERT_FROM_SELECT');
    expect(route('UPDATE t SET a = 1')).toBe('WRITE_STRATEGY_NON_KEYED_UPDATE');
    expect(route('DELETE FROM t')).toBe('WRITE_STRATEGY_NON_KEYED_DELETE');
    expect(route('MERGE INTO t USING (VALUES (1)) s(a) ON t.a = s.a WHEN MATCHED THEN DELETE')).toBe('WRITE_STRATEGY_MERGE_ROWS');
    expect(route('MERGE INTO t USING (SELECT 1 AS a) s ON t.a = s.a WHEN MATCHED THEN DELETE')).toBe('WRITE_STRATEGY_MERGE_QUERY');
    expect(route('MERGE INTO t USING staging s ON t.a = s.a WHEN MATCHED THEN DELETE')).toBe('WRITE_STRATEGY_MERGE_TABLE');
  });
});

describe('planWriteScope', () => {
  const scope = (sql: string) => {
    const p = prePass(sql);
    return planWriteScope(p, p.shape as DmlShape);
  };
  it('builds probes from the statement text (golden)', () => {
    expect(scope('UPDATE t SET a = 1 WHERE id = 5')).toEqual({ kind: 'probe', sql: 'SELECT DISTINCT "__k3_file" FROM "t" WHERE id = 5' });
    expect(scope('UPDATE t AS x SET a = s.a FROM s WHERE x.id = s.id RETURNING *')).toEqual({ kind: 'probe', sql: 'SELECT DISTINCT "__k3_file" FROM "t" AS x, s WHERE x.id = s.id' });
    expect(scope('DELETE FROM t u USING s WHERE u.id = s.id AND t.k > 1')).toEqual({ kind: 'probe', sql: 'SELECT DISTINCT "__k3_file" FROM "t" u, s WHERE u.id = s.id AND t.k > 1' });
    expect(scope('WITH c AS (SELECT 1 AS id) DELETE FROM t WHERE id IN (SELECT id FROM c)')).toEqual({ kind: 'probe', sql: 'WITH c AS (SELECT 1 AS id) SELECT DISTINCT "__k3_file" FROM "t" WHERE id IN (SELECT id FROM c)' });
    expect(scope('MERGE INTO t AS x USING (VALUES (1)) s(id) ON x.id = s.id WHEN MATCHED THEN DELETE')).toEqual({ kind: 'probe', sql: 'SELECT DISTINCT "__k3_file" FROM "t" AS x JOIN (VALUES (1)) s(id) ON x.id = s.id' });
  });
  it('falls back to load-all-and-diff when the statement reads its own table or acts on unmatched rows', () => {
    expect(scope('DELETE FROM t WHERE k > (SELECT avg(k) FROM t)')).toEqual({ kind: 'diff' });
    expect(scope('MERGE INTO t USING (SELECT * FROM t) s ON t.k = s.k WHEN MATCHED THEN DELETE')).toEqual({ kind: 'diff' });
    expect(scope('MERGE INTO t USING s ON t.k = s.k WHEN NOT MATCHED BY SOURCE THEN DELETE')).toEqual({ kind: 'diff' });
    expect(scope('INSERT OR REPLACE INTO t VALUES (1)')).toEqual({ kind: 'diff' });
  });
  it('rewrites everything without a WHERE', () => {
    expect(scope('DELETE FROM t')).toEqual({ kind: 'all' });
    expect(scope('UPDATE t SET a = a + 1')).toEqual({ kind: 'all' });
    expect(scope('TRUNCATE t')).toEqual({ kind: 'all' });
  });
});

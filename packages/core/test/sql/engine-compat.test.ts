/**
 * The engine against DuckDB itself: every statement runs through the Engine (real Delta tables in a
 * temp directory) and, verbatim, on a plain in-process DuckDB with real tables (the reference).
 * Reads must return the same columns, types and rows; writes the same changed-row count, and the
 * table contents afterwards must match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareResults } from '../../../../test/support/compare-results.ts';
import { DuckDBReference } from '../../../../test/support/duckdb-reference.ts';
import { createHarness, type Harness } from './engine-harness.ts';

let h: Harness;
let ref: DuckDBReference;

/** Runs a statement on both sides. Writes: same rowsAffected. Reads: same result. */
/** A top-level ORDER BY fixes row order: one not followed by a closing parenthesis. */
async function both(sql: string, ordered = /\border\s+by\b[^)]*$/i.test(sql)): Promise<void> {
  const expected = await ref.run(sql);
  const actual = await h.exec(sql);
  if ('write' in actual) {
    if (actual.write.returning !== undefined) {
      const cmp = compareResults(actual.write.returning, expected, { ordered: false });
      expect(cmp.message, sql).toBe('equal');
      expect(actual.write.rowsAffected, sql).toBe(Number(expected.rows.length));
      return;
    }
    expect(actual.write.rowsAffected, sql).toBe(Number(expected.rows[0]?.[0] ?? '0'));
    return;
  }
  if ('ddl' in actual) return;
  const cmp = compareResults(actual.query, expected, { ordered });
  expect(cmp.message, sql).toBe('equal');
}

/** The whole content of a table on both sides. */
async function sameTable(name: string): Promise<void> {
  await both(`SELECT * FROM ${name}`, false);
}

const SETUP = [
  `CREATE TABLE events (
     id BIGINT NOT NULL,
     user_id VARCHAR NOT NULL,
     occurred_at TIMESTAMP NOT NULL,
     event_type VARCHAR NOT NULL,
     payload JSON,
     PRIMARY KEY (id, user_id)
   ) PARTITIONED BY (event_type)`,
  `CREATE TABLE users (id VARCHAR PRIMARY KEY, email VARCHAR, tier VARCHAR DEFAULT 'free', signup DATE)`,
  `CREATE TABLE events_staging (id BIGINT, user_id VARCHAR, occurred_at TIMESTAMP, event_type VARCHAR, payload JSON)`,
  `CREATE TABLE nums (k INTEGER, g SMALLINT, x DOUBLE, f FLOAT, b BOOLEAN, s VARCHAR, bl BLOB)`,
];

const LOAD = [
  `INSERT INTO events (id, user_id, occurred_at, event_type, payload)
   VALUES (1, 'u-101', TIMESTAMP '2026-05-27 10:00:00', 'click', '{"page":"/pricing"}')`,
  `INSERT INTO events (id, user_id, occurred_at, event_type, payload) VALUES
   (2, 'u-101', TIMESTAMP '2026-05-27 10:01:00', 'click', '{"page":"/signup"}'),
   (3, 'u-102', TIMESTAMP '2026-05-27 10:02:00', 'purchase', '{"sku":"A-12","amount":49.99,"tags":["x","y"]}'),
   (4, 'u-103', TIMESTAMP '2024-12-31 23:59:59', 'click', NULL),
   (5, 'u-102', TIMESTAMP '2026-05-28 08:00:00', 'purchase', '{"sku":"B-7","amount":5}'),
   (6, 'u-104', TIMESTAMP '2023-01-01 00:00:00', 'view', '{"page":"/"}')`,
  `INSERT INTO users VALUES ('u-101', 'a@x.io', 'pro', DATE '2024-01-01'), ('u-102', 'b@x.io', 'free', DATE '2025-02-03'),
   ('u-103', 'c@x.io', 'pro', NULL)`,
  `INSERT INTO users (id, email) VALUES ('u-104', 'd@x.io')`,
  `INSERT INTO events_staging VALUES (3, 'u-102', TIMESTAMP '2026-05-27 10:02:00', 'refund', '{"sku":"A-12"}'),
   (7, 'u-105', TIMESTAMP '2026-06-01 12:00:00', 'click', '{"page":"/new"}')`,
  `INSERT INTO nums SELECT i, (i % 3)::SMALLINT, i / 4, (i * 1.5)::FLOAT, i % 2 = 0, 'v' || (i % 5), ('b' || i)::BLOB FROM range(1, 41) t(i)`,
];

beforeAll(async () => {
  h = await createHarness();
  ref = await DuckDBReference.create();
  for (const sql of [...SETUP, ...LOAD]) await both(sql);
});

afterAll(async () => {
  ref.close();
  await h.close();
});

const READS = [
  `SELECT * FROM events WHERE event_type = 'click' LIMIT 100`,
  `SELECT user_id, COUNT(*) AS n FROM events GROUP BY user_id ORDER BY n DESC, user_id`,
  `SELECT e.user_id, u.email, COUNT(*) AS clicks FROM events e JOIN users u ON e.user_id = u.id WHERE e.event_type = 'click' GROUP BY e.user_id, u.email`,
  `SELECT user_id, occurred_at, LAG(occurred_at) OVER (PARTITION BY user_id ORDER BY occurred_at) AS prev_event FROM events`,
  `WITH purchases AS (SELECT user_id, payload->>'sku' AS sku, (payload->>'amount')::double AS amount FROM events WHERE event_type = 'purchase')
   SELECT sku, SUM(amount) AS total FROM purchases GROUP BY sku`,
  `SELECT * FROM events WHERE user_id IN (SELECT id FROM users WHERE tier = 'pro')`,
  `(SELECT user_id FROM events WHERE event_type = 'click') INTERSECT (SELECT user_id FROM events WHERE event_type = 'purchase')`,
  `SELECT user_id FROM events EXCEPT SELECT id FROM users WHERE tier = 'free'`,
  `SELECT user_id FROM events UNION ALL SELECT id FROM users`,
  `SELECT payload->'sku' AS j, payload->>'sku' AS s FROM events`,
  `SELECT json_extract(payload, '$.amount') AS a, json_extract_string(payload, '$.sku') AS s FROM events`,
  `SELECT payload::json->'tags'->>0 AS first_tag FROM events`,
  `SELECT id, json_keys(payload) AS k FROM events WHERE payload IS NOT NULL`,
  `SELECT e.id, j.key, j.value FROM events e, json_each(e.payload) j`,
  `WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT sum(n) AS s FROM r`,
  `SELECT * FROM range(5) r(i) JOIN nums ON nums.k = r.i`,
  `SELECT unnest([1, 2, 3]) AS u, k FROM nums WHERE k < 3`,
  `SELECT g, count(*), sum(k), avg(x), min(s), max(s), stddev_samp(k), string_agg(s, ',' ORDER BY k) FROM nums GROUP BY g ORDER BY g`,
  `SELECT g, b, count(*) FROM nums GROUP BY ROLLUP (g, b) ORDER BY ALL`,
  `SELECT k, row_number() OVER w, rank() OVER w, sum(x) OVER (ORDER BY k ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM nums WINDOW w AS (PARTITION BY g ORDER BY k) ORDER BY k`,
  `SELECT k, (SELECT max(k) FROM nums n2 WHERE n2.g = n1.g AND n2.k < n1.k) AS prev FROM nums n1 ORDER BY k`,
  `SELECT * FROM nums WHERE EXISTS (SELECT 1 FROM users WHERE users.tier = 'pro' AND nums.k = 1)`,
  `SELECT k, f, bl FROM nums ORDER BY k LIMIT 5 OFFSET 3`,
  `SELECT DISTINCT ON (g) g, k FROM nums ORDER BY g, k DESC`,
  `SELECT quantile_cont(x, 0.5), approx_count_distinct(s), list(k ORDER BY k)[1:3], arg_max(k, x), bool_and(b), histogram(g) FROM nums`,
  `FROM users SELECT id, upper(email) WHERE tier <> 'pro'`,
  `SELECT * FROM users LEFT JOIN events ON users.id = events.user_id AND events.event_type = 'view'`,
  `SELECT * FROM users u FULL OUTER JOIN events_staging s ON u.id = s.user_id`,
  `SELECT * FROM users ASOF JOIN events ON users.id = events.user_id AND users.signup <= events.occurred_at`,
  `SELECT count(*) FILTER (WHERE b), sum(k) FILTER (WHERE NOT b) FROM nums`,
  `SELECT date_trunc('month', occurred_at) AS m, count(*) FROM events GROUP BY ALL ORDER BY m`,
  `SELECT * EXCLUDE (payload) REPLACE (upper(user_id) AS user_id) FROM events`,
  `SELECT COLUMNS('.*id') FROM events`,
  `PIVOT nums ON g IN (0, 1, 2) USING sum(k) GROUP BY b`,
  `PIVOT nums ON g USING sum(k) GROUP BY b`,
  `DESCRIBE SELECT * FROM events`,
  `DESCRIBE FROM users JOIN events ON users.id = events.user_id`,
  `SELECT struct_pack(a := k, b := s) AS st, [k, k * 2] AS l, map([s], [k]) AS m FROM nums WHERE k < 4`,
  `SELECT 1 AS one, 'x' AS s, 9007199254740993::BIGINT AS big, 1.10::DECIMAL(10,2) AS d, DATE '2024-02-29' AS dt, INTERVAL 3 DAY AS iv`,
  `VALUES (1, 'a'), (2, 'b')`,
  `SELECT extract(year FROM '2024-05-01'::DATE) AS y, trim(BOTH 'x' FROM 'xax') AS t, substring('abcdef' FROM 2 FOR 3) AS s`,
  `SELECT * FROM events_staging NATURAL JOIN events`,
  `SELECT * FROM events WHERE occurred_at < TIMESTAMP '2025-01-01 00:00:00'`,
  `SELECT event_type, count(*) FROM events GROUP BY event_type HAVING count(*) > 1`,
  `SELECT * FROM nums QUALIFY row_number() OVER (PARTITION BY g ORDER BY k DESC) = 1`,
  `SUMMARIZE nums`,
  `SHOW TABLES`,
  `SHOW ALL TABLES`,
  `DESCRIBE users`,
  `DESCRIBE SELECT k, s, x * 2 AS y FROM nums`,
  `SELECT typeof(payload), typeof(occurred_at), typeof(id) FROM events LIMIT 1`,
];

describe('reads match DuckDB', () => {
  for (const sql of READS) {
    it(sql.replace(/\s+/g, ' ').slice(0, 100), async () => {
      await both(sql);
    });
  }
});

describe('writes match DuckDB (rows affected and resulting contents)', () => {
  const WRITES: Array<[string, string]> = [
    [`UPDATE events SET event_type = 'click_pricing' WHERE id = 1 AND user_id = 'u-101'`, 'events'],
    [`UPDATE events SET event_type = 'archived' WHERE occurred_at < TIMESTAMP '2025-01-01 00:00:00'`, 'events'],
    [`DELETE FROM events WHERE id = 2 AND user_id = 'u-101'`, 'events'],
    [`UPDATE nums SET x = x * 2, s = s || '!' WHERE k % 7 = 0`, 'nums'],
    [`UPDATE nums SET s = NULL WHERE k > 1000`, 'nums'],
    [`DELETE FROM nums WHERE k BETWEEN 10 AND 14 OR s = 'v3'`, 'nums'],
    [`UPDATE users SET tier = u2.tier FROM (SELECT 'u-104' AS id, 'pro' AS tier) u2 WHERE users.id = u2.id`, 'users'],
    [`DELETE FROM users WHERE id NOT IN (SELECT user_id FROM events)`, 'users'],
    [`MERGE INTO events AS t
      USING (SELECT * FROM events_staging) AS s
      ON t.id = s.id AND t.user_id = s.user_id
      WHEN MATCHED THEN UPDATE SET event_type = s.event_type, payload = s.payload
      WHEN NOT MATCHED THEN INSERT (id, user_id, occurred_at, event_type, payload)
      VALUES (s.id, s.user_id, s.occurred_at, s.event_type, s.payload)`, 'events'],
    [`MERGE INTO users USING (VALUES ('u-101', 'new@x.io'), ('u-900', 'z@x.io')) AS s(id, email) ON users.id = s.id
      WHEN MATCHED THEN UPDATE SET email = s.email WHEN NOT MATCHED THEN INSERT (id, email) VALUES (s.id, s.email)`, 'users'],
    [`MERGE INTO events_staging t USING events s ON t.id = s.id WHEN MATCHED THEN DELETE WHEN NOT MATCHED BY SOURCE THEN UPDATE SET event_type = 'orphan'`, 'events_staging'],
    [`MERGE INTO nums USING (SELECT 1000 AS k, 1 AS g) src ON nums.k = src.k WHEN NOT MATCHED THEN INSERT BY NAME`, 'nums'],
    [`MERGE INTO nums USING (SELECT * FROM nums WHERE k < 3) src ON nums.k = src.k WHEN MATCHED THEN UPDATE SET *`, 'nums'],
    [`MERGE INTO nums USING (SELECT k + 5000 AS k, g, x, f, b, s, bl FROM nums WHERE k < 3) src ON nums.k = src.k WHEN NOT MATCHED THEN INSERT *`, 'nums'],
    [`INSERT INTO nums SELECT * FROM nums WHERE k < 5`, 'nums'],
    [`INSERT INTO nums BY NAME SELECT 77 AS k, 'by-name' AS s`, 'nums'],
    [`INSERT INTO nums DEFAULT VALUES`, 'nums'],
    [`INSERT INTO users (id) SELECT 'gen-' || i FROM range(3) t(i)`, 'users'],
    [`WITH src AS (SELECT 'cte' AS id) INSERT INTO users (id) SELECT id FROM src`, 'users'],
    [`INSERT INTO nums (k, s) SELECT k, s FROM nums WHERE false`, 'nums'],
    [`INSERT INTO nums (k, s) VALUES (501, 'r1'), (502, 'r2') RETURNING k, s, g IS NULL AS no_g`, 'nums'],
    [`UPDATE nums SET x = -x WHERE k IN (501, 502) RETURNING *`, 'nums'],
    [`DELETE FROM nums WHERE k = 501 RETURNING k`, 'nums'],
    [`MERGE INTO nums USING (VALUES (502), (503)) s(k) ON nums.k = s.k WHEN MATCHED THEN UPDATE SET s = 'm' WHEN NOT MATCHED THEN INSERT (k) VALUES (s.k) RETURNING merge_action, k, s`, 'nums'],
    [`DELETE FROM nums WHERE k > (SELECT avg(k) + 10 FROM nums)`, 'nums'],
    [`UPDATE nums SET x = (SELECT max(x) FROM nums) WHERE k = 3`, 'nums'],
    [`DELETE FROM users AS u USING events e WHERE u.id = e.user_id AND e.event_type = 'view'`, 'users'],
    [`WITH m AS (SELECT 1 AS k) UPDATE nums SET s = 'cte' FROM m WHERE nums.k = m.k`, 'nums'],
    [`UPDATE nums n SET s = 'aliased' WHERE n.k = 4 AND n.g IS NOT NULL`, 'nums'],
    [`UPDATE nums SET s = 'none' WHERE k = -12345`, 'nums'],
    [`DELETE FROM nums WHERE s IS NULL AND k IS NULL`, 'nums'],
    [`UPDATE nums SET g = g + 1`, 'nums'],
    [`INSERT OR REPLACE INTO users (id, email) VALUES ('u-102', 'replaced@x.io'), ('u-777', 'n@x.io')`, 'users'],
    [`INSERT OR IGNORE INTO users (id, email) VALUES ('u-102', 'ignored@x.io'), ('u-778', 'm@x.io')`, 'users'],
    [`INSERT INTO users (id, email) VALUES ('u-103', 'c2@x.io'), ('u-779', 'o@x.io') ON CONFLICT (id) DO UPDATE SET email = excluded.email`, 'users'],
    [`INSERT INTO users (id, email) VALUES ('u-103', 'x') ON CONFLICT DO NOTHING`, 'users'],
    [`INSERT INTO nums VALUES (DEFAULT, 1, 1.5, 2.5, true, 'defaults', NULL)`, 'nums'],
    [`INSERT INTO nums (k, s) SELECT k + 900, s FROM nums ORDER BY k DESC LIMIT 3`, 'nums'],
    [`DELETE FROM nums WHERE k >= 900`, 'nums'],
    [`MERGE INTO nums USING (SELECT 2 AS k) s ON nums.k = s.k WHEN MATCHED THEN UPDATE SET s = 'two' WHEN NOT MATCHED BY SOURCE AND nums.k > 5000 THEN DELETE`, 'nums'],
    [`TRUNCATE events_staging`, 'events_staging'],
  ];
  for (const [sql, table] of WRITES) {
    it(sql.replace(/\s+/g, ' ').slice(0, 100), async () => {
      await both(sql);
      await sameTable(table);
    });
  }
});

describe('failing writes fail on both sides and change nothing', () => {
  const FAILING: Array<[string, string, string]> = [
    [`INSERT INTO users DEFAULT VALUES`, 'users', 'ERR_CONSTRAINT_NOT_NULL'],
    [`INSERT INTO events (id, user_id) VALUES (100, 'x')`, 'events', 'ERR_CONSTRAINT_NOT_NULL'],
    [`UPDATE events SET occurred_at = NULL WHERE id = 3`, 'events', 'ERR_CONSTRAINT_NOT_NULL'],
    [`INSERT INTO nums (k) VALUES ('not a number')`, 'nums', 'ERR_TYPE_MISMATCH'],
    [`UPDATE nums SET g = 100000 WHERE k = 1`, 'nums', 'ERR_TYPE_MISMATCH'],
    [`INSERT INTO events VALUES (1, 'a', TIMESTAMP '2026-01-01', 'click', '{not json')`, 'events', 'ERR_TYPE_MISMATCH'],
    [`INSERT INTO nums (nope) VALUES (1)`, 'nums', 'ERR_SQL_BIND'],
    [`INSERT INTO users (id, email) VALUES ('u-101', 'dup@x.io')`, 'users', 'ERR_CONSTRAINT_PRIMARY_KEY'],
    [`INSERT INTO users (id) VALUES ('fresh-1'), ('fresh-1')`, 'users', 'ERR_CONSTRAINT_PRIMARY_KEY'],
    [`INSERT INTO users SELECT * FROM users`, 'users', 'ERR_CONSTRAINT_PRIMARY_KEY'],
    [`UPDATE users SET id = 'u-102' WHERE id = 'u-101'`, 'users', 'ERR_CONSTRAINT_PRIMARY_KEY'],
    [`UPDATE events SET user_id = 'u-101', id = 1 WHERE id = 3`, 'events', 'ERR_CONSTRAINT_PRIMARY_KEY'],
    [`MERGE INTO users USING (VALUES ('new-a'), ('new-a')) s(id) ON users.id = s.id WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)`, 'users', 'ERR_CONSTRAINT_PRIMARY_KEY'],
    [`UPDATE nums SET k = k + 2147483647 WHERE k > 5`, 'nums', 'ERR_SQL_EXECUTION'],
  ];
  for (const [sql, table, code] of FAILING) {
    it(sql.slice(0, 100), async () => {
      await expect(ref.run(sql)).rejects.toThrow();
      const before = await h.engine.describeTable(h.bucket, table);
      await expect(h.exec(sql)).rejects.toMatchObject({ code });
      const after = await h.engine.describeTable(h.bucket, table);
      expect(after.deltaVersion).toBe(before.deltaVersion);
      await sameTable(table);
    });
  }
});

describe('DDL results', () => {
  it('CTAS keeps the query\'s DuckDB types (nested ones too) and holds the same rows', async () => {
    const sql = `CREATE TABLE click_summary AS SELECT user_id, COUNT(*) AS n, avg(id) AS a, max(occurred_at) AS last, list(id) AS ids FROM events WHERE event_type LIKE 'click%' GROUP BY user_id`;
    await ref.run(sql);
    const out = await h.ddl(sql);
    expect(out.action).toBe('CREATE_TABLE_AS');
    expect(out.table?.columns.map((c) => [c.name, c.type, c.duckdbType])).toEqual([
      ['user_id', 'COLUMN_TYPE_STRING', 'VARCHAR'], ['n', 'COLUMN_TYPE_LONG', 'BIGINT'], ['a', 'COLUMN_TYPE_DOUBLE', 'DOUBLE'],
      ['last', 'COLUMN_TYPE_TIMESTAMP', 'TIMESTAMP'], ['ids', 'COLUMN_TYPE_UNSPECIFIED', 'BIGINT[]'],
    ]);
    await sameTable('click_summary');
    await both('SELECT user_id, unnest(ids) AS id FROM click_summary ORDER BY ALL');
  });

  it('ALTER TABLE with several ADD COLUMNs (one with a DEFAULT backfilled like DuckDB)', async () => {
    const sql = `ALTER TABLE users ADD COLUMN score INTEGER, ADD COLUMN note VARCHAR DEFAULT 'n/a'`;
    for (const part of [`ALTER TABLE users ADD COLUMN score INTEGER`, `ALTER TABLE users ADD COLUMN note VARCHAR DEFAULT 'n/a'`]) await ref.run(part);
    const out = await h.ddl(sql);
    expect(out.action).toBe('ALTER_TABLE');
    expect(out.table?.columns.slice(-2)).toEqual([
      { name: 'score', type: 'COLUMN_TYPE_INT', duckdbType: 'INTEGER', nullable: true, defaultExpression: '' },
      { name: 'note', type: 'COLUMN_TYPE_STRING', duckdbType: 'VARCHAR', nullable: true, defaultExpression: "'n/a'" },
    ]);
    await sameTable('users');
    await both(`INSERT INTO users (id) VALUES ('after-alter')`);
    await sameTable('users');
  });

  it('CTAS forms: AS FROM, AS WITH, AS (query), PARTITIONED BY, OR REPLACE, IF NOT EXISTS', async () => {
    for (const sql of [
      'CREATE TABLE ctas_from AS FROM nums WHERE k < 5',
      'CREATE TABLE ctas_with AS WITH x AS (SELECT k, s FROM nums) SELECT * FROM x WHERE k < 5',
      'CREATE TABLE ctas_paren AS (SELECT k, s FROM nums WHERE k < 5)',
    ]) {
      await ref.run(sql);
      expect((await h.ddl(sql)).action).toBe('CREATE_TABLE_AS');
    }
    // CTAS keeps the query's column types, like DuckDB.
    await sameTable('ctas_with');
    await sameTable('ctas_paren');
    await sameTable('ctas_from');
    const part = await h.ddl('CREATE TABLE ctas_part PARTITIONED BY (g) AS SELECT g, k FROM nums');
    expect(part.table?.partitionColumns).toEqual(['g']);
    await ref.run('CREATE TABLE ctas_part AS SELECT g, k FROM nums');
    await sameTable('ctas_part');
    const replaced = await h.ddl('CREATE OR REPLACE TABLE ctas_part AS SELECT 1 AS one');
    expect(replaced).toMatchObject({ action: 'CREATE_TABLE_AS', version: 1 });
    expect((await h.query('SELECT * FROM ctas_part')).rows).toEqual([[1]]);
    expect((await h.ddl('CREATE TABLE IF NOT EXISTS ctas_part AS SELECT 2 AS two')).action).toBe('NOOP');
  });

  it('ALTER COLUMN: SET/DROP DEFAULT, DROP/SET NOT NULL, SET DATA TYPE behave like DuckDB', async () => {
    await both(`CREATE TABLE alt (id INTEGER NOT NULL, v VARCHAR, n SMALLINT DEFAULT 7, PRIMARY KEY (id))`);
    await both(`INSERT INTO alt VALUES (1, 'a', 1), (2, NULL, 2)`);
    const steps = [
      `ALTER TABLE alt ALTER COLUMN v SET DEFAULT 'dflt'`,
      `INSERT INTO alt (id) VALUES (3)`,
      `ALTER TABLE alt ALTER COLUMN n DROP DEFAULT`,
      `INSERT INTO alt (id, v) VALUES (4, 'x')`,
      `ALTER TABLE alt ALTER COLUMN n SET DATA TYPE BIGINT`,
      `ALTER TABLE alt ALTER COLUMN n TYPE VARCHAR`,
      `INSERT INTO alt VALUES (5, 'y', 'text')`,
    ];
    for (const sql of steps) {
      await both(sql);
      await sameTable('alt');
    }
    await both(`DESCRIBE alt`);
    await both(`PRAGMA table_info('alt')`);
    // SET NOT NULL is checked against the rows: refused while a NULL exists, accepted after.
    await expect(ref.run(`ALTER TABLE alt ALTER COLUMN n SET NOT NULL`)).rejects.toThrow();
    const before = await h.engine.describeTable(h.bucket, 'alt');
    await expect(h.exec(`ALTER TABLE alt ALTER COLUMN n SET NOT NULL`)).rejects.toMatchObject({ code: 'ERR_CONSTRAINT_NOT_NULL' });
    expect((await h.engine.describeTable(h.bucket, 'alt')).deltaVersion).toBe(before.deltaVersion);
    await both(`UPDATE alt SET n = '0' WHERE n IS NULL`);
    await both(`ALTER TABLE alt ALTER COLUMN n SET NOT NULL`);
    await both(`DESCRIBE alt`);
    await expect(ref.run(`INSERT INTO alt (id) VALUES (6)`)).rejects.toThrow();
    await expect(h.exec(`INSERT INTO alt (id) VALUES (6)`)).rejects.toMatchObject({ code: 'ERR_CONSTRAINT_NOT_NULL' });
    await both(`ALTER TABLE alt ALTER COLUMN v DROP NOT NULL`);
    await sameTable('alt');
  });

  it('DROP TABLE and DROP TABLE IF EXISTS', async () => {
    await both('CREATE TABLE tmp_drop (a INTEGER)');
    await both('INSERT INTO tmp_drop VALUES (1)');
    const dropped = await h.ddl('DROP TABLE tmp_drop');
    await ref.run('DROP TABLE tmp_drop');
    expect(dropped).toMatchObject({ action: 'DROP_TABLE', tableName: 'tmp_drop' });
    expect((await h.ddl('DROP TABLE IF EXISTS tmp_drop')).action).toBe('NOOP');
    await expect(h.exec('SELECT * FROM tmp_drop')).rejects.toMatchObject({ code: 'ERR_TABLE_NOT_FOUND' });
    const tables = await h.query('SHOW TABLES');
    expect(tables.rows.map((r) => r[0])).not.toContain('tmp_drop');
  });
});

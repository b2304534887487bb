/**
 * The fixture tables of the compatibility suite, created identically through the engine and in
 * the reference DuckDB. `typed` holds DuckDB types beyond the eleven API types (DECIMAL, LIST,
 * ARRAY, STRUCT, MAP, UUID, HUGEINT, TIMESTAMPTZ, ENUM, INTERVAL, TIME, …); values are chosen so
 * that float sums are exact (binary fractions) and every ORDER BY in a case is total.
 */

/** Column list of `typed` (also used for typed copies in write cases). */
export const TYPED_COLUMNS = `(id INTEGER PRIMARY KEY, amount DECIMAL(12,2), tiny TINYINT, tags VARCHAR[], scores INTEGER[],
     vec DOUBLE[3], attrs STRUCT(color VARCHAR, size INTEGER), props MAP(VARCHAR, INTEGER), uid UUID, big HUGEINT,
     ub UBIGINT, seen TIMESTAMPTZ, mood ENUM('sad', 'ok', 'happy'), dur INTERVAL, t TIME,
     items STRUCT(k VARCHAR, v INTEGER[])[])`;

export const TYPED_ROWS = `INSERT INTO typed VALUES
     (1, 1234.50, -7, ['a', 'b'], [3, 1, 2], [1.0, 2.0, 2.0], {'color': 'red', 'size': 10}, MAP {'x': 1, 'y': 2},
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 170141183460469231731687303715884105, 18446744073709551615,
      TIMESTAMPTZ '2026-05-27 10:00:00+00', 'happy', INTERVAL '1 day 2 hours', TIME '09:30:00',
      [{'k': 'p', 'v': [1, 2]}, {'k': 'q', 'v': []}]),
     (2, 0.05, 127, ['b', 'c', NULL], [], [0.5, -0.5, 0.0], {'color': 'blue', 'size': NULL}, MAP {'x': 5},
      '00000000-0000-0000-0000-000000000001', -99999999999999999999999999999999999999, 0,
      TIMESTAMPTZ '2026-05-28 23:30:00.5+02', 'sad', INTERVAL '-3 minutes', TIME '23:59:59.999999',
      [{'k': 'r', 'v': NULL}]),
     (3, -999.99, NULL, NULL, [10], NULL, NULL, MAP {}, NULL, 0, 42,
      NULL, 'ok', INTERVAL '1 year 1 month', NULL, []),
     (4, NULL, 0, ['c'], [5, 5, NULL], [3.0, 4.0, 0.0], {'color': NULL, 'size': 3}, NULL,
      'ffffffff-ffff-ffff-ffff-ffffffffffff', NULL, NULL,
      TIMESTAMPTZ '1970-01-01 00:00:00+00', NULL, NULL, TIME '00:00:00', NULL)`;

export const FIXTURE_SQL: readonly string[] = [
  `CREATE TABLE emp (
     id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, dept VARCHAR, salary DOUBLE, bonus INTEGER,
     hired DATE, manager_id BIGINT, active BOOLEAN, level SMALLINT)`,
  `INSERT INTO emp VALUES
     (1, 'Ada', 'eng', 120000.5, 5000, DATE '2019-03-01', NULL, true, 5),
     (2, 'Brian', 'eng', 95000.25, 3000, DATE '2020-07-15', 1, true, 3),
     (3, 'Chen', 'eng', 88000.0, NULL, DATE '2021-01-10', 1, false, 2),
     (4, 'Dana', 'sales', 70000.75, 8000, DATE '2018-11-30', NULL, true, 4),
     (5, 'Eve', 'sales', 65000.0, 7000, DATE '2022-02-14', 4, true, 2),
     (6, 'Femi', 'ops', 60000.5, 1000, DATE '2023-05-05', 4, false, 1),
     (7, 'Gus', NULL, 50000.0, NULL, DATE '2024-01-02', 2, true, 1),
     (8, 'Hana', 'eng', 101000.0, 4000, DATE '2019-09-09', 1, true, 4)`,
  `CREATE TABLE dept (name VARCHAR PRIMARY KEY, budget INTEGER, region VARCHAR)`,
  `INSERT INTO dept VALUES ('eng', 500000, 'EU'), ('sales', 200000, 'UK'), ('ops', 100000, 'US'), ('legal', 50000, 'US')`,
  `CREATE TABLE sales (
     id BIGINT NOT NULL, region VARCHAR NOT NULL, product VARCHAR, qty INTEGER, price DOUBLE,
     sold_at TIMESTAMP, note VARCHAR) PARTITIONED BY (region)`,
  `INSERT INTO sales VALUES
     (1, 'UK', 'widget', 3, 9.5, TIMESTAMP '2026-01-01 09:00:00', 'first'),
     (2, 'UK', 'gadget', 1, 24.25, TIMESTAMP '2026-01-02 10:30:00', NULL),
     (3, 'EU', 'widget', 5, 9.5, TIMESTAMP '2026-01-02 11:00:00', 'bulk'),
     (4, 'EU', 'gizmo', 2, 14.0, TIMESTAMP '2026-01-03 12:15:00', NULL),
     (5, 'US', 'widget', 7, 8.75, TIMESTAMP '2026-01-03 13:45:00', 'promo'),
     (6, 'US', 'gadget', 4, 22.5, TIMESTAMP '2026-01-04 08:00:00', NULL),
     (7, 'APAC', 'gizmo', 6, 13.5, TIMESTAMP '2026-01-05 16:20:00', 'bulk'),
     (8, 'APAC', 'widget', 2, 9.5, TIMESTAMP '2026-01-06 17:00:00', NULL),
     (9, 'UK', 'gizmo', 1, 15.0, TIMESTAMP '2026-01-07 07:10:00', 'vip'),
     (10, 'EU', 'gadget', 3, 23.0, TIMESTAMP '2026-01-08 18:30:00', NULL)`,
  `CREATE TABLE events (
     id BIGINT NOT NULL, user_id VARCHAR NOT NULL, occurred_at TIMESTAMP NOT NULL,
     event_type VARCHAR NOT NULL, payload JSON, PRIMARY KEY (id, user_id)) PARTITIONED BY (event_type)`,
  `INSERT INTO events VALUES
     (1, 'u-101', TIMESTAMP '2026-05-27 10:00:00', 'click', '{"page":"/pricing","tags":["a","b"],"n":1}'),
     (2, 'u-101', TIMESTAMP '2026-05-27 10:01:00', 'click', '{"page":"/signup","tags":[],"n":2}'),
     (3, 'u-102', TIMESTAMP '2026-05-27 10:02:00', 'purchase', '{"sku":"A-12","amount":49.99,"tags":["x"]}'),
     (4, 'u-103', TIMESTAMP '2026-05-28 09:00:00', 'purchase', '{"sku":"B-7","amount":12.5,"big":9007199254740993}'),
     (5, 'u-102', TIMESTAMP '2026-05-28 09:30:00', 'click', '{"page":"/pricing","nested":{"k":[1,2,3]}}'),
     (6, 'u-104', TIMESTAMP '2026-05-29 12:00:00', 'view', NULL)`,
  `CREATE TABLE users (id VARCHAR PRIMARY KEY, email VARCHAR, tier VARCHAR, created DATE)`,
  `INSERT INTO users VALUES
     ('u-101', 'a@example.com', 'pro', DATE '2025-01-01'),
     ('u-102', 'b@example.com', 'free', DATE '2025-02-01'),
     ('u-103', 'c@example.com', 'pro', DATE '2025-03-01'),
     ('u-105', 'e@example.com', 'free', DATE '2025-05-01')`,
  `CREATE TABLE prices (ticker VARCHAR, ts TIMESTAMP, price DOUBLE)`,
  `INSERT INTO prices VALUES
     ('ACME', TIMESTAMP '2026-01-01 09:00:00', 10.0), ('ACME', TIMESTAMP '2026-01-01 10:00:00', 10.5),
     ('ACME', TIMESTAMP '2026-01-01 11:00:00', 11.25), ('BOLT', TIMESTAMP '2026-01-01 09:30:00', 20.0),
     ('BOLT', TIMESTAMP '2026-01-01 10:30:00', 19.75)`,
  `CREATE TABLE trades (id INTEGER, ticker VARCHAR, ts TIMESTAMP, qty INTEGER)`,
  `INSERT INTO trades VALUES
     (1, 'ACME', TIMESTAMP '2026-01-01 09:15:00', 100), (2, 'ACME', TIMESTAMP '2026-01-01 10:45:00', 50),
     (3, 'BOLT', TIMESTAMP '2026-01-01 09:10:00', 10), (4, 'BOLT', TIMESTAMP '2026-01-01 11:00:00', 70),
     (5, 'ACME', TIMESTAMP '2026-01-01 12:00:00', 5)`,
  `CREATE TABLE kinds (k SMALLINT, i INTEGER, l BIGINT, f FLOAT, d DOUBLE, b BOOLEAN, dt DATE, ts TIMESTAMP, bin BLOB, s VARCHAR, j JSON)`,
  `INSERT INTO kinds VALUES
     (1, -2147483648, 9223372036854775807, 0.1, 0.1, true, DATE '1970-01-01', TIMESTAMP '1970-01-01 00:00:00.000001', '\\x00\\xFF'::BLOB, 'héllo', '{"a":1}'),
     (2, 2147483647, -9223372036854775808, -1.5, 1e300, false, DATE '2262-04-11', TIMESTAMP '2026-12-31 23:59:59.999999', 'abc'::BLOB, '', '[1,2,{"b":null}]'),
     (3, 0, 9007199254740993, 3.25, -0.0, NULL, DATE '0001-01-01', NULL, NULL, 'line1\nline2', '"str"'),
     (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  `CREATE TABLE typed ${TYPED_COLUMNS}`,
  TYPED_ROWS,
];

/** Tables the fixtures create (for sanity checks and for resetting). */
export const FIXTURE_TABLES = ['emp', 'dept', 'sales', 'events', 'users', 'prices', 'trades', 'kinds', 'typed'] as const;

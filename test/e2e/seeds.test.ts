/**
 * End-to-end over the seeds' SQL contract (shared/seeds/001: DDL, writes, reads, JSON, refusals)
 * and the `contracts` example of the product overview (seeds 000), through the HTTP API of a
 * started server. Every statement also runs on a plain in-process DuckDB (test/support/
 * duckdb-reference.ts) and k3's answer must be identical: rows for reads, rowsAffected and the
 * resulting table contents for writes. Tests run in order and build on each other.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '@k3/core/delta';
import { LocalObjectStore } from '@k3/core/object-store';
import { compareResults } from '../support/compare-results.ts';
import { DuckDBReference } from '../support/duckdb-reference.ts';
import { createResponseValidator, type ResponseValidator } from '../support/openapi-validator.ts';
import { k3fetch, execute, startServer, type ExecuteBody, type StartedServer } from '../support/server.ts';

const BUCKET = 'seeds';
let server: StartedServer;
let ref: DuckDBReference;
/** Every response is also checked against the server's own OpenAPI document. */
let conforms: ResponseValidator;

beforeAll(async () => {
  server = await startServer();
  ref = await DuckDBReference.create();
  conforms = await createResponseValidator(server.url);
});
afterAll(async () => {
  ref?.close();
  await server?.stop();
});

async function k3(sql: string, extra: Record<string, unknown> = {}): Promise<ExecuteBody> {
  const res = await execute(server.url, BUCKET, sql, extra);
  expect(res.status, `${sql}\n→ ${JSON.stringify(res.body)}`).toBe(200);
  expect(conforms('ExecuteResponse', res.body)).toBeUndefined();
  return res.body;
}

const WAREHOUSE_STRATEGIES = [
  'QUERY_STRATEGY_UNARY_WAREHOUSE',
  'QUERY_STRATEGY_FEDERATED_AGGREGATE',
  'QUERY_STRATEGY_FEDERATED_SCAN',
  'QUERY_STRATEGY_FEDERATED_TO_SINGLE',
];

/** Runs a read on both sides and compares. */
async function read(sql: string, opts: { ordered?: boolean; extra?: Record<string, unknown> } = {}): Promise<ExecuteBody> {
  const body = await k3(sql, opts.extra);
  expect(body.query, JSON.stringify(body)).toBeDefined();
  // EVENTUAL reads scan Delta only: unary, or federated over partitions (seeds 003).
  expect(WAREHOUSE_STRATEGIES).toContain(body.query!.strategy);
  expect(body.query!.servedBy).toBe('SERVED_BY_WAREHOUSE');
  expect(body.query!.rowCount).toBe(String(body.query!.rows.length));
  const expected = await ref.run(sql);
  const cmp = compareResults(body.query!, expected, { ordered: opts.ordered ?? false });
  expect(cmp.equal, `${sql}\n${cmp.message}`).toBe(true);
  return body;
}

/** Drains `table`'s write log into Delta (Compact RPC), so EVENTUAL reads and the SELECT side of later writes see every row. */
async function compact(table: string): Promise<void> {
  const res = await k3fetch(`${server.url}/${BUCKET}/tables/${table}/_compact`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Runs a write on both sides; rowsAffected must match and `table` must end up identical. */
async function write(sql: string, table: string, strategy?: RegExp): Promise<ExecuteBody> {
  const body = await k3(sql);
  expect(body.write, JSON.stringify(body)).toBeDefined();
  expect(body.write!.rowsAffected).toBe(await ref.rowsAffected(sql));
  // Keyed writes go to the write log (version ""); direct writes commit a Delta version.
  expect(body.write!.version).toMatch(/^\d*$/);
  await compact(table);
  if (strategy) expect(body.write!.strategy).toMatch(strategy);
  await read(`SELECT * FROM ${table}`);
  return body;
}

/** Runs DDL on both sides. */
async function ddl(sql: string, action: string): Promise<ExecuteBody> {
  const body = await k3(sql);
  expect(body.ddl, JSON.stringify(body)).toBeDefined();
  expect(body.ddl!.action).toBe(action);
  await ref.run(sql);
  return body;
}

async function refused(sql: string, code: string): Promise<{ message: string }> {
  const res = await execute(server.url, BUCKET, sql);
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.code).toBe(code);
  expect(conforms('ErrorBody', res.body)).toBeUndefined();
  return { message: res.body.message ?? '' };
}

describe('seeds 001: DDL', () => {
  it('CREATE TABLE with a composite primary key, a partition column and a JSON column', async () => {
    const body = await ddl(
      `CREATE TABLE events (
        id BIGINT NOT NULL,
        user_id VARCHAR NOT NULL,
        occurred_at TIMESTAMP NOT NULL,
        event_type VARCHAR NOT NULL,
        payload JSON,
        PRIMARY KEY (id, user_id)
      ) PARTITIONED BY (event_type)`,
      'CREATE_TABLE',
    );
    const table = body.ddl!.table!;
    expect(table).toMatchObject({ name: 'events', bucket: BUCKET, partitionColumns: ['event_type'], mergeKeys: ['id', 'user_id'], status: 'TABLE_STATUS_ACTIVE' });
    expect(table.columns).toEqual([
      { name: 'id', type: 'COLUMN_TYPE_LONG', nullable: false, defaultExpression: '', duckdbType: '' },
      { name: 'user_id', type: 'COLUMN_TYPE_STRING', nullable: false, defaultExpression: '', duckdbType: '' },
      { name: 'occurred_at', type: 'COLUMN_TYPE_TIMESTAMP', nullable: false, defaultExpression: '', duckdbType: '' },
      { name: 'event_type', type: 'COLUMN_TYPE_STRING', nullable: false, defaultExpression: '', duckdbType: '' },
      { name: 'payload', type: 'COLUMN_TYPE_JSON', nullable: true, defaultExpression: '', duckdbType: '' },
    ]);
    const described = await (await k3fetch(`${server.url}/${BUCKET}/tables/events`)).json();
    expect(described).toMatchObject(table);
    expect(conforms('Table', described)).toBeUndefined();
  });

  it('CREATE TABLE with an inline PRIMARY KEY (users) and IF NOT EXISTS on an existing table is a no-op', async () => {
    const body = await ddl('CREATE TABLE users (id VARCHAR PRIMARY KEY, email VARCHAR, tier VARCHAR)', 'CREATE_TABLE');
    expect(body.ddl!.table!.mergeKeys).toEqual(['id']);
    const again = await k3('CREATE TABLE IF NOT EXISTS users (id VARCHAR PRIMARY KEY)');
    expect(again.ddl!.action).toBe('NOOP');
  });

  it('the eleven column types (and their DuckDB aliases) store and read back exactly like DuckDB', async () => {
    const body = await ddl(
      `CREATE TABLE eleven (s VARCHAR, i INTEGER, l BIGINT, sh SMALLINT, f FLOAT, d DOUBLE, b BOOLEAN, dt DATE, ts TIMESTAMP, bin BLOB, j JSON,
        a_text TEXT, a_int8 INT8, a_real REAL, a_bool BOOL, a_bytea BYTEA)`,
      'CREATE_TABLE',
    );
    expect(body.ddl!.table!.columns.map((c) => c.type)).toEqual([
      'COLUMN_TYPE_STRING', 'COLUMN_TYPE_INT', 'COLUMN_TYPE_LONG', 'COLUMN_TYPE_SHORT', 'COLUMN_TYPE_FLOAT', 'COLUMN_TYPE_DOUBLE',
      'COLUMN_TYPE_BOOLEAN', 'COLUMN_TYPE_DATE', 'COLUMN_TYPE_TIMESTAMP', 'COLUMN_TYPE_BINARY', 'COLUMN_TYPE_JSON',
      'COLUMN_TYPE_STRING', 'COLUMN_TYPE_LONG', 'COLUMN_TYPE_FLOAT', 'COLUMN_TYPE_BOOLEAN', 'COLUMN_TYPE_BINARY',
    ]);
    await write(
      `INSERT INTO eleven VALUES
       ('ü', -2147483648, 9223372036854775807, -32768, 0.1, 1e-300, true, DATE '1970-01-01', TIMESTAMP '2026-05-27 10:00:00.123456', '\\xDE\\xAD'::BLOB, '{"k":[1,2.5,"x",null]}', 't', -1, 1.5, false, 'abc'::BLOB),
       (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
      'eleven',
    );
    const res = await execute(server.url, BUCKET, 'CREATE TABLE no_decimal (a DECIMAL(10,2))');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_TYPE_MISMATCH');
    expect(res.body.message).toMatch(/eleven column types/);
  });

  it('SHOW TABLES and DESCRIBE answer like DuckDB', async () => {
    await read('SHOW TABLES');
    const described = await k3('DESCRIBE events');
    expect(described.query!.rows.map((r) => [r[0], r[1]])).toEqual([
      ['id', 'BIGINT'],
      ['user_id', 'VARCHAR'],
      ['occurred_at', 'TIMESTAMP'],
      ['event_type', 'VARCHAR'],
      ['payload', 'JSON'],
    ]);
  });

  it('ALTER TABLE … ADD COLUMN, and several ADD COLUMNs in one statement', async () => {
    const one = await ddl('ALTER TABLE events ADD COLUMN session_id VARCHAR', 'ALTER_TABLE');
    expect(one.ddl!.table!.columns.map((c) => c.name)).toContain('session_id');
    const k3Many = await k3('ALTER TABLE users ADD COLUMN signup_date DATE, ADD COLUMN score DOUBLE');
    expect(k3Many.ddl!.action).toBe('ALTER_TABLE');
    await ref.run('ALTER TABLE users ADD COLUMN signup_date DATE');
    await ref.run('ALTER TABLE users ADD COLUMN score DOUBLE');
    expect(k3Many.ddl!.table!.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'id:COLUMN_TYPE_STRING',
      'email:COLUMN_TYPE_STRING',
      'tier:COLUMN_TYPE_STRING',
      'signup_date:COLUMN_TYPE_DATE',
      'score:COLUMN_TYPE_DOUBLE',
    ]);
  });

  it('DEFAULT expressions (GENERATE_UUID(), CURRENT_TIMESTAMP(), ULID(), literals) apply when a column is absent', async () => {
    const body = await ddl(
      `CREATE TABLE tickets (
        id VARCHAR DEFAULT GENERATE_UUID(), created TIMESTAMP DEFAULT CURRENT_TIMESTAMP(), ref VARCHAR DEFAULT ULID(),
        priority INTEGER DEFAULT 42, state VARCHAR DEFAULT 'pending', urgent BOOLEAN DEFAULT true, title VARCHAR NOT NULL)`,
      'CREATE_TABLE',
    );
    // SQL function names are case-insensitive; the engine reports DuckDB's canonical spelling
    // (for `true` that is a cast expression, so only its presence is checked; its effect below).
    const defaults = body.ddl!.table!.columns.map((c) => c.defaultExpression.toLowerCase());
    expect(defaults.filter((_d, i) => i !== 5)).toEqual(['generate_uuid()', 'current_timestamp()', 'ulid()', '42', "'pending'", '']);
    expect(defaults[5]).not.toBe('');
    const before = Date.now();
    const ins = await k3("INSERT INTO tickets (title) VALUES ('a'), ('b')");
    expect(ins.write!.rowsAffected).toBe('2');
    const rows = (await k3('SELECT id, created, ref, priority, state, urgent, title FROM tickets ORDER BY title')).query!.rows;
    expect(rows).toHaveLength(2);
    for (const [id, created, ulid, priority, state, urgent] of rows) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(ulid).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
      const ms = Date.parse(`${String(created).replace(' ', 'T')}Z`);
      expect(Math.abs(ms - before)).toBeLessThan(60_000);
      expect([priority, state, urgent]).toEqual([42, 'pending', true]);
    }
    expect(rows[0]![0]).not.toBe(rows[1]![0]);
  });

  it('refuses a default that does not fit its column type, at creation', async () => {
    const res = await execute(server.url, BUCKET, "CREATE TABLE bad_default (n INTEGER DEFAULT 'not a number')");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_DEFAULT_EXPRESSION_INVALID');
  });
});

describe('seeds 001: writes', () => {
  it('single-row INSERT (keyed) and bulk INSERT', async () => {
    await write(
      `INSERT INTO events (id, user_id, occurred_at, event_type, payload)
       VALUES (1, 'u-101', TIMESTAMP '2026-05-27 10:00:00', 'click', '{"page":"/pricing"}')`,
      'events',
    );
    await write(
      `INSERT INTO events (id, user_id, occurred_at, event_type, payload) VALUES
       (2, 'u-101', TIMESTAMP '2026-05-27 10:01:00', 'click', '{"page":"/signup","tags":["new","web"]}'),
       (3, 'u-102', TIMESTAMP '2026-05-27 10:02:00', 'purchase', '{"sku":"A-12","amount":49.99}'),
       (4, 'u-103', TIMESTAMP '2024-12-31 23:00:00', 'purchase', '{"sku":"B-7","amount":12.5,"big":12345678901234567890}'),
       (5, 'u-102', TIMESTAMP '2026-05-28 09:00:00', 'click', '{"page":"/pricing","tags":["ret"]}'),
       (6, 'u-104', TIMESTAMP '2024-06-01 08:00:00', 'view', NULL)`,
      'events',
    );
    await write(
      `INSERT INTO users VALUES ('u-101', 'a@example.com', 'pro', DATE '2025-01-01', 1.5),
       ('u-102', 'b@example.com', 'free', NULL, NULL), ('u-103', 'c@example.com', 'pro', DATE '2025-03-01', 3.25)`,
      'users',
    );
  });

  it('CTAS infers the schema from the SELECT, and INSERT … SELECT appends to it', async () => {
    const body = await ddl(
      `CREATE TABLE click_summary AS
       SELECT user_id, COUNT(*) AS n
       FROM events
       WHERE event_type = 'click'
       GROUP BY user_id`,
      'CREATE_TABLE_AS',
    );
    expect(body.ddl!.table!.columns.map((c) => `${c.name}:${c.type}`)).toEqual(['user_id:COLUMN_TYPE_STRING', 'n:COLUMN_TYPE_LONG']);
    await read('SELECT * FROM click_summary');
    await write(`INSERT INTO click_summary SELECT user_id, COUNT(*) FROM events WHERE event_type = 'click' GROUP BY user_id`, 'click_summary');
  });

  it('UPDATE via the primary key and via a non-key predicate', async () => {
    await write("UPDATE events SET event_type = 'click_pricing' WHERE id = 1 AND user_id = 'u-101'", 'events');
    await write("UPDATE events SET event_type = 'archived' WHERE occurred_at < TIMESTAMP '2025-01-01 00:00:00'", 'events', /NON_KEYED_UPDATE|KEYED/);
  });

  it('MERGE INTO … USING a staging table, matched and not matched', async () => {
    await ddl('CREATE TABLE events_staging (id BIGINT, user_id VARCHAR, occurred_at TIMESTAMP, event_type VARCHAR, payload JSON)', 'CREATE_TABLE');
    await write(
      `INSERT INTO events_staging VALUES
       (2, 'u-101', TIMESTAMP '2026-05-27 10:01:00', 'signup', '{"page":"/signup","v":2}'),
       (7, 'u-105', TIMESTAMP '2026-05-29 11:00:00', 'purchase', '{"sku":"C-1","amount":5}')`,
      'events_staging',
    );
    const merged = await write(
      `MERGE INTO events AS t
       USING (SELECT * FROM events_staging) AS s
       ON t.id = s.id AND t.user_id = s.user_id
       WHEN MATCHED THEN UPDATE SET event_type = s.event_type, payload = s.payload
       WHEN NOT MATCHED THEN INSERT (id, user_id, occurred_at, event_type, payload)
       VALUES (s.id, s.user_id, s.occurred_at, s.event_type, s.payload)`,
      'events',
    );
    expect(merged.write!.strategy).toMatch(/^WRITE_STRATEGY_MERGE_/);
  });

  it('DELETE via the primary key and via a non-key predicate', async () => {
    await write("DELETE FROM events WHERE id = 1 AND user_id = 'u-101'", 'events');
    await write("DELETE FROM events WHERE occurred_at < TIMESTAMP '2025-01-01 00:00:00'", 'events');
  });

  it('a NOT NULL violation changes nothing', async () => {
    const state = async () => {
      const q = (await k3('SELECT * FROM events ORDER BY ALL')).query!;
      return { rows: q.rows, version: q.version };
    };
    const before = await state();
    const res = await execute(server.url, BUCKET, "INSERT INTO events (id, user_id, occurred_at, event_type) VALUES (8, NULL, TIMESTAMP '2026-01-01 00:00:00', 'click')");
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_CONSTRAINT_NOT_NULL');
    expect(await state()).toEqual(before);
  });
});

describe('seeds 001: reads', () => {
  it('simple SELECT with LIMIT, with the default and explicit EVENTUAL freshness', async () => {
    await read("SELECT * FROM events WHERE event_type = 'click' LIMIT 100");
    await read("SELECT * FROM events WHERE event_type = 'click' LIMIT 100", { extra: { freshness: 'FRESHNESS_EVENTUAL' } });
    await read('SELECT count(*) FROM events', { extra: { freshness: 'FRESHNESS_UNSPECIFIED' } });
  });

  it('aggregates with ORDER BY', async () => {
    await read('SELECT user_id, COUNT(*) AS n FROM events GROUP BY user_id ORDER BY n DESC, user_id', { ordered: true });
  });

  it('joins', async () => {
    await read(
      `SELECT e.user_id, u.email, COUNT(*) AS clicks
       FROM events e JOIN users u ON e.user_id = u.id
       WHERE e.event_type = 'click'
       GROUP BY e.user_id, u.email`,
    );
  });

  it('window functions', async () => {
    await read('SELECT user_id, occurred_at, LAG(occurred_at) OVER (PARTITION BY user_id ORDER BY occurred_at) AS prev_event FROM events');
  });

  it('CTEs over JSON fields', async () => {
    await read(
      `WITH purchases AS (
         SELECT user_id, payload->>'sku' AS sku, (payload->>'amount')::double AS amount
         FROM events WHERE event_type = 'purchase'
       )
       SELECT sku, SUM(amount) AS total FROM purchases GROUP BY sku`,
    );
  });

  it('subqueries', async () => {
    await read("SELECT * FROM events WHERE user_id IN (SELECT id FROM users WHERE tier = 'pro')");
  });

  it('set operations', async () => {
    await read(`(SELECT user_id FROM events WHERE event_type = 'click')
      INTERSECT
      (SELECT user_id FROM events WHERE event_type = 'purchase')`);
  });
});

describe('seeds 001: JSON columns', () => {
  const shapes = [
    "SELECT payload->'sku' FROM events",
    "SELECT payload->>'sku' FROM events",
    "SELECT json_extract(payload, '$.amount') FROM events",
    "SELECT json_extract_string(payload, '$.sku') FROM events",
    'SELECT e.id, j.key, j.value, j.type FROM events e, json_each(e.payload) AS j',
    "SELECT e.id, t.fullkey, t.atom FROM events e, json_tree(e.payload) AS t WHERE t.atom IS NOT NULL",
    "SELECT json_keys(payload), json_type(payload), json_valid(payload) FROM events",
    "SELECT payload->'$.tags[0]', payload->>'$.tags[1]' FROM events",
    "SELECT payload->>'page' AS page, count(*) FROM events WHERE payload IS NOT NULL GROUP BY page",
    "SELECT from_json(payload, '{\"sku\":\"VARCHAR\",\"amount\":\"DOUBLE\"}') AS s FROM events",
    "SELECT (payload->>'amount')::double AS amount FROM events",
    "SELECT payload::json->'tags'->>0 FROM events",
    'SELECT id, payload FROM events',
  ];
  for (const sql of shapes) it(sql, async () => void (await read(sql)));

  it('json_each as a scalar in the SELECT list is refused exactly as DuckDB 1.5 refuses it (it is a table function)', async () => {
    const sql = 'SELECT json_each(payload) FROM events';
    await expect(ref.run(sql)).rejects.toThrow(/table function/);
    const res = await execute(server.url, BUCKET, sql);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('ERR_SQL_BIND');
    expect(res.body.message).toMatch(/table function/);
  });

  it('keeps JSON lossless: a 20-digit number inside a document keeps its digits', async () => {
    await write(`INSERT INTO events_staging VALUES (9, 'u-9', TIMESTAMP '2026-01-01 00:00:00', 'x', '{"big":12345678901234567890,"f":0.1}')`, 'events_staging');
    const body = await read("SELECT payload, payload->>'big' AS big FROM events_staging WHERE id = 9");
    expect(body.query!.rows[0]![1]).toBe('12345678901234567890');
    expect(String(body.query!.rows[0]![0])).toContain('12345678901234567890');
  });
});

describe('seeds 001: refusals', () => {
  it('BEGIN / COMMIT / ROLLBACK', async () => {
    for (const sql of ['BEGIN', 'COMMIT', 'ROLLBACK']) {
      const { message } = await refused(sql, 'ERR_SQL_TRANSACTION_UNSUPPORTED');
      expect(message.length).toBeGreaterThan(20);
    }
  });

  it('multi-statement bodies', async () => {
    await refused("SELECT 1; SELECT 2;", 'ERR_SQL_MULTI_STATEMENT');
    await refused("INSERT INTO users (id) VALUES ('x'); DELETE FROM users", 'ERR_SQL_MULTI_STATEMENT');
  });

  it('ALTER TABLE DROP COLUMN and RENAME COLUMN, with what to do instead', async () => {
    const drop = await refused('ALTER TABLE events DROP COLUMN session_id', 'ERR_SQL_UNSUPPORTED');
    expect(drop.message).toMatch(/CREATE TABLE .*AS SELECT|CTAS/i);
    const rename = await refused('ALTER TABLE events RENAME COLUMN payload TO body', 'ERR_SQL_UNSUPPORTED');
    expect(rename.message).toMatch(/CREATE TABLE .*AS SELECT|CTAS/i);
    await read('SELECT * FROM events');
  });
});

describe('seeds 001: DROP TABLE', () => {
  it('DROP TABLE and DROP TABLE IF EXISTS', async () => {
    await ddl('DROP TABLE click_summary', 'DROP_TABLE');
    const res = await execute(server.url, BUCKET, 'SELECT * FROM click_summary');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('ERR_TABLE_NOT_FOUND');
    const again = await k3('DROP TABLE IF EXISTS click_summary');
    expect(again.ddl!.action).toBe('NOOP');
    await read('SHOW TABLES');
    const listed = (await (await k3fetch(`${server.url}/${BUCKET}/tables`)).json()) as { tables: Array<{ name: string }> };
    for (const t of listed.tables) expect(conforms('Table', t)).toBeUndefined();
    expect(listed.tables.map((t) => t.name).sort()).toEqual(['eleven', 'events', 'events_staging', 'tickets', 'users']);
  });
});

describe('seeds 000: the contracts example', () => {
  const GROUP_BY = `SELECT region,
       COUNT(*)      AS cnt,
       SUM(amount)   AS total,
       AVG(amount)   AS avg_value
FROM contracts
WHERE signed_at > '2026-01-01'
GROUP BY region
ORDER BY total DESC`;

  it('CREATE TABLE contracts … PARTITIONED BY (region), rows in UK/EU/US/APAC, the GROUP BY of the seeds', async () => {
    const created = await ddl(
      'CREATE TABLE contracts (id BIGINT PRIMARY KEY, region VARCHAR NOT NULL, signed_at DATE, amount DOUBLE, channel VARCHAR) PARTITIONED BY (region)',
      'CREATE_TABLE',
    );
    expect(created.ddl!.table!.partitionColumns).toEqual(['region']);
    await write(
      `INSERT INTO contracts VALUES
       (9912001, 'UK', DATE '2026-04-01', 58200.00, 'web'), (9912002, 'UK', DATE '2026-04-02', 61250.50, 'sales'),
       (9912003, 'UK', DATE '2026-04-04', 91400.00, 'web'), (9912004, 'EU', DATE '2026-03-15', 45000.25, 'partner'),
       (9912005, 'EU', DATE '2026-04-07', 67300.00, 'web'), (9912006, 'US', DATE '2026-02-01', 60100.00, 'sales'),
       (9912007, 'APAC', DATE '2025-12-30', 12000.00, 'web'), (9912008, 'APAC', DATE '2026-05-05', 30500.75, 'partner'),
       (9912009, 'US', DATE '2025-11-11', 99999.99, 'web')`,
      'contracts',
    );
    await write(
      `INSERT INTO contracts SELECT 10000000 + range, ['UK', 'EU', 'US', 'APAC'][range % 4 + 1], DATE '2025-10-01' + (range % 200)::INTEGER,
         1000 + (range * 37 % 5000) / 4.0, 'bulk' FROM range(2000)`,
      'contracts',
    );
    const body = await read(GROUP_BY, { ordered: true });
    expect(body.query!.rows.map((r) => r[0])).toHaveLength(4);
    const snapshot = await loadSnapshot(new LocalObjectStore(path.join(server.dataDir, BUCKET)), 'tables/contracts/');
    expect(new Set(snapshot.files.map((f) => String(f.partitionValues['region']))).size).toBe(4);
    expect(body.query!.version).toBe(String(snapshot.version));
  });

  it('the GROUP BY read straight from the table\'s Parquet files by DuckDB gives the same answer', async () => {
    const snapshot = await loadSnapshot(new LocalObjectStore(path.join(server.dataDir, BUCKET)), 'tables/contracts/');
    const files = snapshot.files.map((f) => `'${path.join(server.dataDir, BUCKET, f.key).replaceAll("'", "''")}'`);
    const direct = await ref.run(GROUP_BY.replace('FROM contracts', `FROM read_parquet([${files.join(', ')}], hive_partitioning = true)`));
    const body = await k3(GROUP_BY);
    const cmp = compareResults(body.query!, direct, { ordered: true });
    expect(cmp.equal, cmp.message).toBe(true);
  });
});

/**
 * Differential test of the keyed single-row write fast paths (packages/core/src/sql/keyed-row-fast-path.ts,
 * keyed-point-write.ts,
 * docs/design/keyed-row-fast-path.md): two engines over their own buckets get the same statements —
 * one with the fast path (default), one with K3_KEYED_ROW_FAST_PATH=false (the general keyed-write
 * path). Every outcome (rows affected, strategy, RETURNING rows, or error code AND message) and the
 * STRONG table after every statement must be equal; the fast engine must use fewer DuckDB calls on
 * the statements the fast path takes (so the test cannot pass by both engines taking the same path).
 * The log is left un-drained (rows in Delta, in the log, and tombstones in the log are all hit).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';
import { instrument, type DuckDBCalls } from '../../packages/core/test/sql/duckdb-call-counter.ts';

interface Side {
  h: Harness;
  counter: DuckDBCalls;
}

async function side(env: Record<string, string>): Promise<Side> {
  let counter: DuckDBCalls | undefined;
  const h = await createHarness(env, {
    drainLogWrites: false,
    wrapDb: (db) => {
      const i = instrument(db);
      counter = i.counter;
      return i.db;
    },
  });
  return { h, counter: counter! };
}

let fast: Side;
let general: Side;

const SETUP = [
  "CREATE TABLE kv (id BIGINT PRIMARY KEY, name VARCHAR NOT NULL, n INTEGER CONSTRAINT n_positive CHECK (n >= 0), d DOUBLE DEFAULT 1.5, j JSON)",
  'CREATE TABLE ck (a INTEGER, b VARCHAR, v INTEGER, PRIMARY KEY (a, b))',
  "INSERT INTO kv SELECT i, 'row' || i, i % 7, i / 2, NULL FROM range(1, 201) AS t(i)",
  "INSERT INTO ck SELECT i % 10, 'k' || (i // 10), i FROM range(0, 50) AS t(i)",
  // No CHECK constraint, integer and VARCHAR columns: rows of plain literals need no DuckDB call (literal-row.ts).
  "CREATE TABLE lit (id BIGINT PRIMARY KEY, s VARCHAR, n INTEGER NOT NULL, u SMALLINT, t VARCHAR DEFAULT 'dflt')",
  "INSERT INTO lit SELECT i, 's' || i, i, i % 200, 't' FROM range(1, 101) AS t(i)",
];

async function both(fn: (s: Side) => Promise<void>): Promise<void> {
  await fn(fast);
  await fn(general);
}

beforeAll(async () => {
  fast = await side({});
  general = await side({ K3_KEYED_ROW_FAST_PATH: 'false' });
  await both(async ({ h }) => {
    for (const sql of SETUP) await h.exec(sql);
    await h.engine.compact(h.bucket, 'kv');
    await h.engine.compact(h.bucket, 'ck');
    await h.engine.compact(h.bucket, 'lit');
    // Un-drained state: a row only in the log, a Delta row replaced in the log, a Delta row deleted in the log.
    await h.exec("INSERT INTO kv VALUES (1000, 'logged', 1, 2.5, '{\"a\": 1}')");
    await h.exec("UPDATE kv SET name = 'changed' WHERE id = 10");
    await h.exec('DELETE FROM kv WHERE id = 20');
  });
}, 120_000);
afterAll(async () => {
  await fast?.h.close();
  await general?.h.close();
});

type Outcome = { ok: { rowsAffected: number; strategy: string; returning?: unknown } } | { error: { code: unknown; message: string } };

async function outcome(s: Side, sql: string, idempotencyKey?: string, params?: unknown[]): Promise<{ outcome: Outcome; calls: number }> {
  s.counter.reset();
  try {
    const r = await s.h.engine.execute({ bucket: s.h.bucket, sql, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}), ...(params !== undefined ? { params } : {}) });
    if (!('write' in r)) throw new Error(`not a write: ${sql}`);
    const { rowsAffected, strategy, returning } = r.write;
    return { outcome: { ok: { rowsAffected, strategy, ...(returning !== undefined ? { returning } : {}) } }, calls: s.counter.calls.length };
  } catch (err) {
    const e = err as { code?: unknown; message?: string };
    return { outcome: { error: { code: e.code, message: String(e.message) } }, calls: s.counter.calls.length };
  }
}

async function strong(s: Side, table: string): Promise<unknown[][]> {
  const r = await s.h.engine.execute({ bucket: s.h.bucket, sql: `SELECT * FROM ${table} ORDER BY ALL`, freshness: Freshness.STRONG });
  if (!('query' in r)) throw new Error('not a query');
  return r.query.rows;
}

/** [statement, table it writes, expected: an error code or the rows affected, the fast path takes it] */
const CASES: [string, string, string | number, boolean][] = [
  ["INSERT INTO kv VALUES (5000, 'new', 3, 0.25, '{\"x\":[1, 2]}')", 'kv', 1, true],
  ["INSERT INTO kv (id, name) VALUES (5001, 'defaults')", 'kv', 1, true],
  ["INSERT INTO kv VALUES (5, 'dup in delta', 1, 1, NULL)", 'kv', 'ERR_CONSTRAINT_PRIMARY_KEY', true],
  ["INSERT INTO kv VALUES (1000, 'dup in log', 1, 1, NULL)", 'kv', 'ERR_CONSTRAINT_PRIMARY_KEY', true],
  ["INSERT INTO kv VALUES (5000, 'dup of a fast insert', 1, 1, NULL)", 'kv', 'ERR_CONSTRAINT_PRIMARY_KEY', true],
  ["INSERT INTO kv VALUES (20, 'deleted in the log: free again', 1, 1, NULL)", 'kv', 1, true],
  ['INSERT INTO kv VALUES (5002, NULL, 1, 1, NULL)', 'kv', 'ERR_CONSTRAINT_NOT_NULL', false],
  ["INSERT INTO kv VALUES (5003, 'negative', -1, 1, NULL)", 'kv', 'ERR_CONSTRAINT_CHECK', false],
  ["INSERT INTO kv VALUES (5, 'dup and negative', -1, 1, NULL)", 'kv', 'ERR_CONSTRAINT_CHECK', false],
  ["INSERT INTO kv VALUES ('abc', 'bad id', 1, 1, NULL)", 'kv', 'ERR_TYPE_MISMATCH', false],
  ["INSERT INTO kv VALUES (5004, 'bad json', 1, 1, '{nope')", 'kv', 'ERR_TYPE_MISMATCH', false],
  ["INSERT INTO kv VALUES (5005, 'returning', 2, 3, NULL) RETURNING id, name, d", 'kv', 1, false],
  ["INSERT OR REPLACE INTO kv VALUES (7, 'replaced delta row', 4, 4, NULL)", 'kv', 1, true],
  ["INSERT OR REPLACE INTO kv VALUES (10, 'replaced log row', 4, 4, NULL)", 'kv', 1, true],
  ["INSERT OR REPLACE INTO kv VALUES (6000, 'replace = insert', 4, 4, NULL)", 'kv', 1, true],
  ["INSERT OR REPLACE INTO kv VALUES (8, 'replace violates check', -4, 4, NULL)", 'kv', 'ERR_CONSTRAINT_CHECK', false],
  ["INSERT OR REPLACE INTO kv (name, id) VALUES ('column list, key second', 16)", 'kv', 1, true],
  ["INSERT OR REPLACE INTO kv VALUES (CAST('17' AS BIGINT), 'key computed: dry run', 1, 1, NULL)", 'kv', 1, true],
  ["INSERT OR REPLACE INTO kv VALUES (-3, 'negative key', 1, 1, NULL)", 'kv', 1, true],
  ["INSERT OR REPLACE INTO kv VALUES ('18', 'string literal for a BIGINT key: dry run', 1, 1, NULL)", 'kv', 1, true],
  // Blind replaces (no column list / every non-key column from EXCLUDED): the old row is not read.
  ["INSERT INTO kv VALUES (50, 'blind upsert of a delta row', 2, 2, NULL) ON CONFLICT (id) DO UPDATE SET name = excluded.name, n = excluded.n, d = excluded.d, j = excluded.j", 'kv', 1, true],
  ["INSERT INTO kv (id, name) VALUES (51, 'blind upsert, defaults') ON CONFLICT DO UPDATE SET j = EXCLUDED.j, name = EXCLUDED.name, n = EXCLUDED.n, d = EXCLUDED.d", 'kv', 1, true],
  ["INSERT INTO kv VALUES (1000, 'blind upsert of a log row', 2, 2, NULL) ON CONFLICT (id) DO UPDATE SET name = excluded.name, n = excluded.n, d = excluded.d, j = excluded.j", 'kv', 1, true],
  ["INSERT INTO kv VALUES (6002, 'blind upsert, new key', 2, 2, NULL) ON CONFLICT (id) DO UPDATE SET name = excluded.name, n = excluded.n, d = excluded.d, j = excluded.j", 'kv', 1, true],
  ["INSERT OR REPLACE INTO kv VALUES (52, NULL, 1, 1, NULL)", 'kv', 'ERR_CONSTRAINT_NOT_NULL', false],
  ["INSERT OR REPLACE INTO kv VALUES (53, 'default d', 1, DEFAULT, NULL)", 'kv', 1, true],
  ["INSERT OR REPLACE INTO kv VALUES (54, 'bad json', 1, 1, '{nope')", 'kv', 'ERR_TYPE_MISMATCH', false],
  ["INSERT OR IGNORE INTO kv VALUES (9, 'ignored', 4, 4, NULL)", 'kv', 0, true],
  ["INSERT INTO kv VALUES (11, 'nothing', 1, 1, NULL) ON CONFLICT DO NOTHING", 'kv', 0, true],
  ["INSERT INTO kv VALUES (6001, 'do nothing, new', 1, 1, NULL) ON CONFLICT DO NOTHING", 'kv', 1, true],
  ["INSERT INTO kv VALUES (12, 'x', 5, 1, NULL) ON CONFLICT (id) DO UPDATE SET n = kv.n + excluded.n, name = excluded.name || '!'", 'kv', 1, true],
  ["INSERT INTO kv VALUES (10, 'x', 5, 1, NULL) ON CONFLICT (id) DO UPDATE SET n = kv.n * 10", 'kv', 1, true],
  ["INSERT INTO kv VALUES (13, 'x', 5, 1, NULL) ON CONFLICT (id) DO UPDATE SET n = 99 WHERE kv.n > 1000", 'kv', 0, true],
  ["INSERT INTO kv VALUES (14, 'x', 5, 1, NULL) ON CONFLICT (id) DO UPDATE SET n = -1", 'kv', 'ERR_CONSTRAINT_CHECK', false],
  ["INSERT INTO kv VALUES (15, 'x', 5, 1, NULL) ON CONFLICT (id) DO UPDATE SET id = 7000", 'kv', 'any', false],
  ["UPDATE kv SET name = 'upd delta row', n = n + 1 WHERE id = 30", 'kv', 1, true],
  ["UPDATE kv SET name = name || ' again' WHERE id = 1000", 'kv', 1, true],
  ["UPDATE kv SET n = 1 WHERE id = 20", 'kv', 1, true],
  ['UPDATE kv SET n = 1 WHERE id = 99999', 'kv', 0, true],
  ['UPDATE kv SET n = -5 WHERE id = 31', 'kv', 'ERR_CONSTRAINT_CHECK', false],
  ['UPDATE kv SET name = NULL WHERE id = 32', 'kv', 'ERR_CONSTRAINT_NOT_NULL', false],
  ["UPDATE kv SET n = 'many' WHERE id = 33", 'kv', 'any', false],
  ['UPDATE kv SET nope = 1 WHERE id = 33', 'kv', 'any', false],
  ['UPDATE kv SET id = 7001 WHERE id = 34', 'kv', 1, false],
  ['UPDATE kv SET id = 35 WHERE id = 36', 'kv', 'ERR_CONSTRAINT_PRIMARY_KEY', false],
  ['DELETE FROM kv WHERE id = 40', 'kv', 1, true],
  ['DELETE FROM kv WHERE id = 1000', 'kv', 1, true],
  ['DELETE FROM kv WHERE id = 40', 'kv', 0, true],
  ['DELETE FROM kv WHERE id = -7', 'kv', 0, true],
  ["DELETE FROM kv WHERE id = 41 AND name = 'row41'", 'kv', 1, false],
  ["INSERT INTO kv VALUES (40, 'reinsert after fast delete', 1, 1, NULL)", 'kv', 1, true],
  ["INSERT OR REPLACE INTO kv VALUES (41, 'blind replace of a tombstoned key', 1, 1, NULL)", 'kv', 1, true],
  ["UPDATE ck SET v = v * 2 WHERE a = 3 AND b = 'k1'", 'ck', 1, true],
  ["UPDATE ck SET v = 0 WHERE b = 'k1' AND a = 3", 'ck', 1, true],
  ["DELETE FROM ck WHERE a = 5 AND b = 'k0'", 'ck', 1, true],
  ["DELETE FROM ck WHERE a = 5 AND b = 'it''s'", 'ck', 0, true],
  ["INSERT INTO ck VALUES (3, 'k2', 1)", 'ck', 'ERR_CONSTRAINT_PRIMARY_KEY', true],
  ["INSERT INTO ck VALUES (3, 'k9', 1)", 'ck', 1, true],
  ["INSERT INTO ck VALUES (3, 'k9', 2)", 'ck', 'ERR_CONSTRAINT_PRIMARY_KEY', true],
  ["INSERT INTO ck VALUES (NULL, 'k9', 2)", 'ck', 'ERR_CONSTRAINT_NOT_NULL', false],
  ["INSERT OR REPLACE INTO ck VALUES (4, 'k1', 77)", 'ck', 1, true],
  ["INSERT INTO ck VALUES (4, 'k2', 78) ON CONFLICT (b, a) DO UPDATE SET v = excluded.v", 'ck', 1, true],
  ["INSERT INTO ck VALUES (4, 'k1', 5) ON CONFLICT (a, b) DO UPDATE SET v = ck.v + excluded.v", 'ck', 1, true],
];

/**
 * Rows of plain literals (literal-row.ts): [statement, expected, the fast path makes no DuckDB call
 * but the statement split]. The others fall back to DuckDB (casts, DEFAULT, NULL in a NOT NULL
 * column, out-of-range literals, odd tokens) and must still agree with the general path.
 */
const LITERAL_CASES: [string, string | number, boolean][] = [
  ["INSERT INTO lit VALUES (500, 'new', 5, 7, 'x')", 1, true],
  ["INSERT INTO lit VALUES (500, 'dup of a literal insert', 1, 1, NULL)", 'ERR_CONSTRAINT_PRIMARY_KEY', true],
  ["INSERT INTO lit VALUES (5, 'dup in delta', 5, 7, 'x')", 'ERR_CONSTRAINT_PRIMARY_KEY', false],
  ["INSERT INTO lit VALUES (-501, 'it''s ünïcødé 😀 \\ \"q\"', -2147483648, -32768, '')", 1, true],
  ["INSERT INTO lit (t, u, n, s, id) VALUES ('reordered', 0, 1, NULL, 502)", 1, true],
  ["INSERT INTO lit (\"ID\", S, n, u, t) VALUES (503, 'quoted upper-case column', 1, 1, 't')", 1, true],
  ["INSERT INTO \"lit\" VALUES (504, 'quoted table', 2147483647, 32767, 't')", 1, true],
  ["INSERT INTO lit VALUES (0505, 'leading zero', 1, 1, 't')", 1, true],
  ['INSERT INTO lit (id, n) VALUES (506, 1)', 1, false],
  ["INSERT INTO lit VALUES (507, 's', NULL, 1, 't')", 'ERR_CONSTRAINT_NOT_NULL', false],
  ["INSERT INTO lit VALUES (NULL, 's', 1, 1, 't')", 'ERR_CONSTRAINT_NOT_NULL', false],
  ["INSERT INTO lit VALUES (508, 's', 2147483648, 1, 't')", 'any', false],
  ["INSERT INTO lit VALUES (509, 's', 1, 32768, 't')", 'any', false],
  ["INSERT INTO lit VALUES (510, 's', 1, -32769, 't')", 'any', false],
  ["INSERT INTO lit VALUES (511, 42, 1, 1, 't')", 1, false],
  ["INSERT INTO lit VALUES (512, 's', '7', 1, 't')", 1, false],
  ["INSERT INTO lit VALUES (513, E'esc\\tape', 1, 1, 't')", 'any', false],
  ["INSERT INTO lit VALUES (514, 's', 1, 1, DEFAULT)", 1, false],
  ["INSERT INTO lit VALUES (515, 's', 1, 1, 't', 'extra')", 'any', false],
  ["INSERT INTO lit VALUES (516, 's', 1, 1)", 'any', false],
  ["INSERT INTO lit (id, s, n, u, s) VALUES (517, 'a', 1, 1, 'b')", 'any', false],
  ["INSERT INTO lit VALUES (518, 's', - 3, 1, 't') -- a trailing comment", 1, false],
  ["INSERT OR REPLACE INTO lit VALUES (6, 'blind literal over a delta row', 6, 6, 'r')", 1, true],
  ["INSERT OR REPLACE INTO lit VALUES (500, 'blind literal over a log row', 6, 6, NULL)", 1, true],
  ["INSERT INTO lit VALUES (7, 'blind upsert literal', 7, 7, 'u') ON CONFLICT (id) DO UPDATE SET s = excluded.s, n = excluded.n, u = excluded.u, t = excluded.t", 1, true],
  ["INSERT INTO lit VALUES (8, 'not blind', 8, 8, 'u') ON CONFLICT (id) DO UPDATE SET n = lit.n + 1", 1, false],
  ["INSERT INTO lit VALUES (500, 'dup of a blind replace', 1, 1, 't')", 'ERR_CONSTRAINT_PRIMARY_KEY', true],
  ["INSERT INTO lit BY NAME VALUES (519, 'by name', 1, 1, 't')", 'any', false],
  ["INSERT INTO lit BY POSITION VALUES (520, 'by position', 1, 1, 't')", 'any', false],
  ["INSERT INTO lit AS x VALUES (521, 'aliased target', 1, 1, 't')", 'any', false],
  ["INSERT INTO main.lit VALUES (522, 'qualified target', 1, 1, 't')", 'any', false],
  ["INSERT INTO lit VALUES (523, 's', 1, 1, 't'), (524, 's', 1, 1, 't')", 'any', false],
  ["INSERT INTO lit VALUES (525, 's' COLLATE nocase, 1, 1, 't')", 'any', false],
  ["INSERT INTO lit VALUES (526, 's', +1, 1, 't')", 'any', false],
  ["INSERT INTO lit VALUES (527, 's', 1e3, 1, 't')", 'any', false],
  ["insert into lit values (528, 'lower-case keywords', 1, 1, 't')", 1, true],
  ['INSERT INTO lit VALUES (529, NULL, 0, NULL, NULL)', 1, true],
  ["INSERT INTO lit VALUES (530, 'new\nline\ttab', 1, 1, 't')", 1, true],
  ["/* leading comment */ INSERT INTO lit VALUES (531, 'commented', 1, 1, 't')", 1, false],
  ["INSERT INTO lit VALUES ('532', 'string key', 1, 1, 't')", 1, false],
  ["INSERT INTO lit VALUES (533, -'5', 1, 1, 't')", 'any', false],
];

describe('keyed single-row fast path = the general keyed-write path', () => {
  it.each(LITERAL_CASES)('literal row: %s', async (sql, expected, noDuckDB) => {
    const f = await outcome(fast, sql);
    const g = await outcome(general, sql);
    expect(f.outcome).toEqual(g.outcome);
    if (typeof expected === 'number') expect(g.outcome).toMatchObject({ ok: { rowsAffected: expected } });
    else if (expected !== 'any') expect(g.outcome).toMatchObject({ error: { code: expected } });
    // The statement split is the one DuckDB call left; the row, the key clash and the record need none.
    if (noDuckDB) expect(f.calls).toBeLessThanOrEqual(1);
    expect(await strong(fast, 'lit')).toEqual(await strong(general, 'lit'));
  });

  it.each(CASES)('%s', async (sql, table, expected, fastPath) => {
    const f = await outcome(fast, sql);
    const g = await outcome(general, sql);
    expect(f.outcome).toEqual(g.outcome);
    if (expected === 'any') {
      // Whatever DuckDB decides for a key-changing DO UPDATE, both paths agree (checked above).
    } else if (typeof expected === 'string') {
      expect(g.outcome).toMatchObject({ error: { code: expected } });
    } else {
      expect(g.outcome).toMatchObject({ ok: { rowsAffected: expected } });
    }
    // Never more calls than the general path (a blind replace is 2 calls there too since wip/merge4).
    if (fastPath) expect(f.calls).toBeLessThanOrEqual(g.calls);
    expect(await strong(fast, table)).toEqual(await strong(general, table));
  });

  it('literal rows with BOOLEAN columns', async () => {
    await both(async ({ h }) => {
      await h.exec('CREATE TABLE lb (id INTEGER PRIMARY KEY, b BOOLEAN, c BOOLEAN NOT NULL)');
    });
    const cases: [string, string | number, boolean][] = [
      ['INSERT INTO lb VALUES (1, true, FALSE)', 1, true],
      ['INSERT INTO lb VALUES (2, NULL, True)', 1, true],
      ['INSERT OR REPLACE INTO lb VALUES (1, false, true)', 1, true],
      ['INSERT INTO lb VALUES (1, true, true)', 'ERR_CONSTRAINT_PRIMARY_KEY', true],
      ["INSERT INTO lb VALUES (3, 't', 'f')", 1, false],
      ['INSERT INTO lb VALUES (4, 1, 0)', 1, false],
      ['INSERT INTO lb VALUES (5, true, NULL)', 'ERR_CONSTRAINT_NOT_NULL', false],
      ['INSERT INTO lb VALUES (6, NOT true, true)', 1, false],
    ];
    for (const [sql, expected, noDuckDB] of cases) {
      const f = await outcome(fast, sql);
      const g = await outcome(general, sql);
      expect([sql, f.outcome]).toEqual([sql, g.outcome]);
      if (typeof expected === 'number') expect(g.outcome).toMatchObject({ ok: { rowsAffected: expected } });
      else expect(g.outcome).toMatchObject({ error: { code: expected } });
      if (noDuckDB) expect(f.calls).toBeLessThanOrEqual(1);
    }
    expect(await strong(fast, 'lb')).toEqual(await strong(general, 'lb'));
  });

  it('K3_KEYED_LITERAL_ROWS=false: DuckDB coerces the literal row again (same outcome, one call more)', async () => {
    const off = await side({ K3_KEYED_LITERAL_ROWS: 'false' });
    try {
      await off.h.exec(SETUP[4]!);
      const sql = "INSERT INTO lit VALUES (700, 'switch', 1, 1, 't')";
      const o = await outcome(off, sql);
      const f = await outcome(fast, sql);
      expect(o.outcome).toEqual(f.outcome);
      expect(f.calls).toBeLessThanOrEqual(1);
      expect(o.calls).toBe(f.calls + 1);
      const dup = await outcome(off, sql);
      expect(dup.outcome).toMatchObject({ error: { code: 'ERR_CONSTRAINT_PRIMARY_KEY' } });
    } finally {
      await off.h.close();
    }
  });

  it('parameters: a plain INSERT takes the fast path, an upsert the general one, with equal outcomes', async () => {
    const cases: [string, unknown[], string | number, boolean][] = [
      ['INSERT INTO kv VALUES ($1, $2, $3, $4, $5)', [9000, 'param', 2, 0.5, '{"p": true}'], 1, true],
      ['INSERT INTO kv (id, name) VALUES ($1, $2)', [9001, 'param defaults'], 1, true],
      ['INSERT INTO kv VALUES ($1, $2, $3, $4, $5)', [9000, 'param dup', 2, 0.5, null], 'ERR_CONSTRAINT_PRIMARY_KEY', true],
      ['INSERT INTO kv VALUES ($1, $2, $3, $4, $5)', [5, 'param dup in delta', 2, 0.5, null], 'ERR_CONSTRAINT_PRIMARY_KEY', true],
      ['INSERT INTO kv VALUES ($1, $2, $3, $4, $5)', [9002, null, 2, 0.5, null], 'ERR_CONSTRAINT_NOT_NULL', false],
      ['INSERT INTO kv VALUES ($1, $2, $3, $4, $5)', [9003, 'param check', -2, 0.5, null], 'ERR_CONSTRAINT_CHECK', false],
      ['INSERT INTO kv VALUES ($1, $2, $3, $4, $5)', ['nine', 'param type', 2, 0.5, null], 'any', false],
      ['INSERT OR REPLACE INTO kv VALUES ($1, $2, $3, $4, $5)', [9000, 'param upsert', 3, 0.5, null], 1, false],
    ];
    for (const [sql, params, expected, fastPath] of cases) {
      const f = await outcome(fast, sql, undefined, params);
      const g = await outcome(general, sql, undefined, params);
      expect([sql, params, f.outcome]).toEqual([sql, params, g.outcome]);
      if (typeof expected === 'number') expect(g.outcome).toMatchObject({ ok: { rowsAffected: expected } });
      else if (expected !== 'any') expect(g.outcome).toMatchObject({ error: { code: expected } });
      if (fastPath) expect(f.calls).toBeLessThan(g.calls);
    }
    expect(await strong(fast, 'kv')).toEqual(await strong(general, 'kv'));
  });

  it('idempotency keys: a retry answers the recorded outcome and writes nothing', async () => {
    for (const s of [fast, general]) {
      const first = await outcome(s, "INSERT INTO kv VALUES (8000, 'once', 1, 1, NULL)", 'req-8000');
      const again = await outcome(s, "INSERT INTO kv VALUES (8000, 'once', 1, 1, NULL)", 'req-8000');
      expect(first.outcome).toMatchObject({ ok: { rowsAffected: 1 } });
      expect(again.outcome).toEqual(first.outcome);
      const up = await outcome(s, "INSERT OR REPLACE INTO kv VALUES (8000, 'twice', 2, 1, NULL)", 'req-8000-b');
      const upAgain = await outcome(s, "INSERT OR REPLACE INTO kv VALUES (8000, 'thrice', 3, 1, NULL)", 'req-8000-b');
      expect(up.outcome).toMatchObject({ ok: { rowsAffected: 1 } });
      expect(upAgain.outcome).toEqual(up.outcome);
    }
    expect(await strong(fast, 'kv')).toEqual(await strong(general, 'kv'));
    const row = await fast.h.engine.execute({ bucket: fast.h.bucket, sql: 'SELECT name, n FROM kv WHERE id = 8000', freshness: Freshness.STRONG });
    expect('query' in row && row.query.rows).toEqual([['twice', 2]]);
  });

  it('what the fast path wrote drains into Delta like the general path', async () => {
    await both(async ({ h }) => {
      while ((await h.engine.compact(h.bucket, 'kv')).truncated);
      while ((await h.engine.compact(h.bucket, 'ck')).truncated);
    });
    for (const table of ['kv', 'ck']) {
      const read = async (s: Side): Promise<unknown[][]> => {
        const r = await s.h.engine.execute({ bucket: s.h.bucket, sql: `SELECT * FROM ${table} ORDER BY ALL`, freshness: Freshness.EVENTUAL });
        return 'query' in r ? r.query.rows : [];
      };
      const rows = await read(fast);
      expect(rows.length).toBeGreaterThan(40);
      expect(rows).toEqual(await read(general));
    }
  });
});

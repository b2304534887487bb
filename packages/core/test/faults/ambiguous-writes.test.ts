/**
 * Ambiguous writes, proven per write path (docs/design/faults.md): for every storage call a write
 * path makes, one run injects an AMBIGUOUS SUCCESS at exactly that call (the operation takes
 * effect, the caller sees ERR_STORE_UNAVAILABLE) with no store retries, so the fault reaches the
 * path's own logic. Then:
 *   - success  ⇒ the effect is there exactly once;
 *   - an error ⇒ it is a retryable AppError, and retrying the same request (same idempotency key)
 *                 succeeds and leaves the effect exactly once;
 *   - the Delta log passes the validator and every live file exists.
 * A failure names the path, the call and the fault seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecuteResponse } from '../../src/api/index.ts';
import { isAppError } from '../../src/errors/index.ts';
import { WRITE_OPS, type StoreOp } from '../../src/object-store/index.ts';
import { tableRoot } from '../../src/object-store/paths.ts';
import { createFaultyEngine, type FaultyEngine } from '../support/faulty-engine.ts';
import { checkDeltaLog } from '../support/log-check.ts';
import { proveAmbiguous } from '../support/prove-ambiguous.ts';

const SEED = 18;
const KEY = 'req-7f3a';
let fx: FaultyEngine;
let buckets = 0;

beforeAll(async () => {
  fx = await createFaultyEngine({ seed: SEED });
});
afterAll(async () => {
  await fx.close();
});

interface Ctx {
  readonly bucket: string;
  sql(sql: string, opts?: { key?: string; strong?: boolean }): Promise<ExecuteResponse>;
  rows(sql: string): Promise<unknown[][]>;
}

interface WritePath {
  readonly name: string;
  /** The table whose log is checked at the end (none after DROP). */
  readonly table?: string;
  setup(c: Ctx): Promise<void>;
  act(c: Ctx): Promise<unknown>;
  check(c: Ctx): Promise<void>;
  /** Inject only at state-changing calls (paths with many reads). */
  readonly writeCallsOnly?: boolean;
}

function ctxFor(bucket: string): Ctx {
  return {
    bucket,
    sql: (sql, opts = {}) => fx.engine.execute({ bucket, sql, ...(opts.key !== undefined ? { idempotencyKey: opts.key } : {}), ...(opts.strong ? { freshness: 'FRESHNESS_STRONG' } : {}) }),
    async rows(sql) {
      const r = await fx.engine.execute({ bucket, sql, freshness: 'FRESHNESS_STRONG' });
      if (!('query' in r)) throw new Error(`not a query: ${sql}`);
      return r.query.rows;
    },
  };
}

async function freshBucket(): Promise<Ctx> {
  const bucket = `amb-${++buckets}`;
  await fx.stores.create(bucket);
  return ctxFor(bucket);
}

/** Runs `path` once per storage call of its act, with an ambiguous success injected at that call. */
function prove(path: WritePath): Promise<{ calls: number; errors: number }> {
  return proveAmbiguous<Ctx>({
    name: path.name,
    async fresh() {
      const ctx = await freshBucket();
      const store = fx.faults(ctx.bucket);
      await path.setup(ctx);
      return { ctx, store };
    },
    act: (c) => path.act(c),
    check: (c) => path.check(c),
    ...(path.writeCallsOnly ? { inject: (call: { op: StoreOp }) => WRITE_OPS.includes(call.op) } : {}),
    async after(c, where) {
      if (path.table !== undefined) expect(await checkDeltaLog(fx.stores.open(c.bucket), tableRoot('tables/', path.table)), where).toEqual([]);
    },
  });
}

const count = async (c: Ctx, sql: string): Promise<number> => Number((await c.rows(sql))[0]?.[0]);

const createA = async (c: Ctx): Promise<void> => {
  await c.sql('CREATE TABLE a (x INTEGER, p VARCHAR)');
};
const createAWithRow = async (c: Ctx): Promise<void> => {
  await createA(c);
  await c.sql(`INSERT INTO a VALUES (1, 'x')`);
};
const createK = async (c: Ctx): Promise<void> => {
  await c.sql('CREATE TABLE k (id INTEGER PRIMARY KEY, v INTEGER)');
  await c.sql('INSERT INTO k VALUES (1, 10), (2, 20)');
};

const PATHS: WritePath[] = [
  {
    name: 'commit (INSERT into a table without a key)',
    table: 'a',
    setup: createA,
    act: (c) => c.sql(`INSERT INTO a VALUES (1, 'x')`, { key: KEY }),
    async check(c) {
      expect(await count(c, 'SELECT count(*) FROM a WHERE x = 1')).toBe(1);
    },
  },
  {
    // No key: the commit's own read-back (txnId) must decide; a single fault cannot hide the outcome.
    name: 'commit without an idempotency key (INSERT)',
    table: 'a',
    setup: createA,
    act: (c) => c.sql(`INSERT INTO a VALUES (1, 'x')`),
    async check(c) {
      expect(await count(c, 'SELECT count(*) FROM a WHERE x = 1')).toBe(1);
    },
  },
  {
    name: 'commit (UPDATE, not idempotent by itself)',
    table: 'a',
    setup: createAWithRow,
    act: (c) => c.sql('UPDATE a SET x = x + 1', { key: KEY }),
    async check(c) {
      expect(await c.rows('SELECT x FROM a')).toEqual([[2]]);
    },
  },
  {
    name: 'write-log record (keyed UPDATE v = v + 1)',
    table: 'k',
    setup: createK,
    act: (c) => c.sql('UPDATE k SET v = v + 1 WHERE id = 1', { key: KEY }),
    async check(c) {
      expect(await c.rows('SELECT id, v FROM k ORDER BY id')).toEqual([[1, 11], [2, 20]]);
      // …and still exactly once after the record is drained into Delta.
      await fx.engine.compact(c.bucket, 'k');
      expect(await c.rows('SELECT id, v FROM k ORDER BY id')).toEqual([[1, 11], [2, 20]]);
    },
  },
  {
    name: 'drain (Compact)',
    table: 'k',
    async setup(c) {
      await createK(c);
      await c.sql('UPDATE k SET v = v + 5 WHERE id = 2');
      await c.sql('INSERT INTO k VALUES (3, 30)');
      await c.sql('DELETE FROM k WHERE id = 1');
    },
    act: (c) => fx.engine.compact(c.bucket, 'k'),
    async check(c) {
      const model = [[2, 25], [3, 30]];
      expect(await c.rows('SELECT id, v FROM k ORDER BY id')).toEqual(model);
      while ((await fx.engine.compact(c.bucket, 'k')).walEntriesProcessed !== 0);
      const eventual = await c.sql('SELECT id, v FROM k ORDER BY id');
      expect('query' in eventual && eventual.query.rows).toEqual(model);
    },
  },
  {
    name: 'optimize',
    table: 'a',
    async setup(c) {
      await createA(c);
      for (let i = 1; i <= 3; i++) await c.sql(`INSERT INTO a VALUES (${i}, 'x')`);
    },
    act: (c) => fx.engine.optimizeTable(c.bucket, 'a', {}),
    async check(c) {
      expect(await c.rows('SELECT x FROM a ORDER BY x')).toEqual([[1], [2], [3]]);
    },
  },
  {
    name: 'vacuum',
    table: 'a',
    async setup(c) {
      await createA(c);
      for (let i = 1; i <= 2; i++) await c.sql(`INSERT INTO a VALUES (${i}, 'x')`);
      await c.sql('DELETE FROM a WHERE x = 1');
    },
    act: (c) => fx.engine.vacuumTable(c.bucket, 'a', { retentionHours: 0, disableRetentionCheck: true }),
    async check(c) {
      expect(await c.rows('SELECT x FROM a')).toEqual([[2]]);
    },
  },
  {
    name: 'restore',
    table: 'a',
    async setup(c) {
      await createAWithRow(c);
      await c.sql(`INSERT INTO a VALUES (2, 'y')`);
    },
    act: (c) => fx.engine.restoreTable(c.bucket, 'a', { version: 1 }),
    async check(c) {
      expect(await c.rows('SELECT x FROM a')).toEqual([[1]]);
    },
  },
  {
    name: 'DDL: CREATE TABLE',
    table: 'c',
    setup: async () => undefined,
    act: (c) => c.sql('CREATE TABLE c (id INTEGER PRIMARY KEY, s VARCHAR)', { key: KEY }),
    async check(c) {
      expect(await c.rows(`SELECT column_name FROM (DESCRIBE c)`)).toEqual([['id'], ['s']]);
    },
  },
  {
    name: 'DDL: the CreateTable RPC',
    table: 'r',
    setup: async () => undefined,
    act: (c) => fx.engine.createTable(c.bucket, {
      name: 'r', columns: [{ name: 'id', type: 'COLUMN_TYPE_INT', nullable: false, defaultExpression: '' }, { name: 's', type: 'COLUMN_TYPE_STRING', nullable: true, defaultExpression: '' }], mergeKeys: ['id'],
    }, { idempotencyKey: KEY }),
    async check(c) {
      expect(await c.rows(`SELECT column_name FROM (DESCRIBE r)`)).toEqual([['id'], ['s']]);
    },
  },
  {
    name: 'DDL: ALTER TABLE ADD COLUMN',
    table: 'a',
    setup: createA,
    act: (c) => c.sql('ALTER TABLE a ADD COLUMN y INTEGER', { key: KEY }),
    async check(c) {
      expect(await c.rows(`SELECT column_name FROM (DESCRIBE a)`)).toEqual([['x'], ['p'], ['y']]);
    },
  },
  {
    name: 'DDL: DROP TABLE',
    setup: createAWithRow,
    act: (c) => c.sql('DROP TABLE a', { key: KEY }),
    async check(c) {
      const r = await c.sql('SHOW TABLES');
      expect('query' in r && r.query.rows).toEqual([]);
    },
  },
];

describe('an ambiguous success at each storage call of each write path ends in the true outcome', () => {
  for (const path of PATHS) {
    it(path.name, async () => {
      const { calls } = await prove(path);
      expect(calls).toBeGreaterThan(0);
    }, 180_000);
  }
});

describe('an unknown outcome (the answer lost AND the read-back failing) is retryable and safe to retry with the key', () => {
  const cases = [
    // The written object, read back after the lost answer: version 1 of a / write-log seq 2 of k.
    { name: 'Delta commit', setup: createA, sql: `INSERT INTO a VALUES (7, 'u')`, written: /_delta_log\/0{19}1\.json$/, read: (c: Ctx) => c.rows('SELECT x FROM a'), want: [[7]] },
    { name: 'write-log record', setup: createK, sql: 'UPDATE k SET v = v + 1 WHERE id = 2', written: /_k3_wal\/0*2\.rec$/, read: (c: Ctx) => c.rows('SELECT v FROM k WHERE id = 2'), want: [[21]] },
  ];
  for (const t of cases) {
    it(t.name, async () => {
      const c = await freshBucket();
      const store = fx.faults(c.bucket);
      await t.setup(c);
      store.inject({ kind: 'ambiguous', ops: ['putIfAbsent'], key: t.written, times: 1 }).inject({ kind: 'error', ops: ['get'], key: t.written, times: 1 });
      const err = await c.sql(t.sql, { key: 'once' }).then(() => undefined, (e: unknown) => e);
      store.clear();
      expect(store.faults.map((f) => f.kind), store.describe()).toEqual(['ambiguous', 'error']);
      expect(err, store.describe()).toMatchObject({ code: 'ERR_WRITE_OUTCOME_UNKNOWN' });
      expect(isAppError(err) && err.retryable).toBe(true);
      await c.sql(t.sql, { key: 'once' });
      await c.sql(t.sql, { key: 'once' });
      expect(await t.read(c)).toEqual(t.want);
    });
  }
});

describe('idempotency keys outlive the write log', () => {
  it('a keyed write retried after its record was drained into Delta is answered, not applied again', async () => {
    const c = await freshBucket();
    await createK(c);
    const first = await c.sql('UPDATE k SET v = v + 1 WHERE id = 1', { key: 'drained-once' });
    while ((await fx.engine.compact(c.bucket, 'k')).walEntriesProcessed !== 0);
    const retry = await c.sql('UPDATE k SET v = v + 1 WHERE id = 1', { key: 'drained-once' });
    expect('write' in retry && retry.write.rowsAffected).toBe('write' in first && first.write.rowsAffected);
    expect(await c.rows('SELECT v FROM k WHERE id = 1')).toEqual([[11]]);
    // A different key is a different write.
    await c.sql('UPDATE k SET v = v + 1 WHERE id = 1', { key: 'another' });
    expect(await c.rows('SELECT v FROM k WHERE id = 1')).toEqual([[12]]);
  });
});

/**
 * A keyed write that pinned the table definition before an ALTER TABLE and appends its record
 * after the ALTER committed (wal/record-upgrade.ts; docs/design/wal-and-compaction.md, "Records
 * older than the definition"). The race is forced deterministically: the write's record PUT is
 * held at the store until the ALTER has committed. The acknowledged row must then read exactly as
 * plain DuckDB gives it for the same statements serialized write-then-ALTER — at STRONG (from this
 * coordinator and from a second one over the same bucket), through a point lookup, and at EVENTUAL
 * after a drain. A value the ALTER could not have converted is set aside loudly, never applied half.
 * Runs over a local directory store and over S3 (s3rver behind the conditional-create proxy).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness, type ExecuteResponse } from '../../packages/core/src/api/index.ts';
import { loadConfig } from '../../packages/core/src/config/index.ts';
import { createDuckDB, FileCache, type K3DuckDB } from '../../packages/core/src/exec/index.ts';
import { createBucketStoreFactory, type ObjectStore } from '../../packages/core/src/object-store/index.ts';
import { Engine } from '../../packages/core/src/sql/index.ts';
import { startS3Server, type S3TestServer } from '../../packages/core/test/support/s3-server.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';
import { DuckDBReference } from '../support/duckdb-reference.ts';

const RECORD = /_k3_wal\/\d{20}\.rec$/;

/** Holds the next write-log record PUT until released. */
class RecordGate {
  #armed: { reached: () => void; released: Promise<void> } | undefined;

  /** Arms the gate: `reached` resolves when a record PUT is waiting, `release` lets it through. */
  arm(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    const released = new Promise<void>((r) => (release = r));
    this.#armed = { reached, released };
    return { reached: reachedP, release };
  }

  wrap(store: ObjectStore): ObjectStore {
    return new Proxy(store, {
      get: (target, prop, receiver) => {
        if (prop === 'putIfAbsent') {
          return async (key: string, body: Uint8Array): Promise<boolean> => {
            const armed = this.#armed;
            if (armed !== undefined && RECORD.test(key)) {
              this.#armed = undefined;
              armed.reached();
              await armed.released;
            }
            return target.putIfAbsent(key, body);
          };
        }
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
}

interface Side {
  readonly engine: Engine;
  /** A second coordinator over the same bucket (no shared process state). */
  readonly other: Engine;
  readonly gate: RecordGate;
  /** The bucket, read directly. */
  readonly store: ObjectStore;
  close(): Promise<void>;
}

async function engineOver(env: Record<string, string>, dir: string, bucket: string, wrap?: (s: ObjectStore) => ObjectStore, s3?: S3TestServer): Promise<{ engine: Engine; db: K3DuckDB; store: ObjectStore }> {
  const cacheDir = await mkdtemp(path.join(dir, 'cache-'));
  const config = loadConfig({ ...env, K3_CACHE_DIR: cacheDir });
  const db = await createDuckDB({ threads: 1, allowedDirectories: [cacheDir, ...(env['K3_DATA_DIR'] !== undefined ? [env['K3_DATA_DIR']] : [])] });
  const stores = createBucketStoreFactory(config, { ...(s3 !== undefined ? { s3Client: s3.client } : {}), ...(wrap !== undefined ? { wrapAdapter: wrap } : {}) });
  return { engine: new Engine({ stores, db, cache: new FileCache({ dir: cacheDir, maxBytes: 1 << 28 }), config }), db, store: stores.open(bucket) };
}

async function side(kind: 'local' | 's3', bucket: string): Promise<Side> {
  const dir = await mkdtemp(path.join(tmpdir(), 'k3-alter-race-'));
  const s3 = kind === 's3' ? await startS3Server({ conditionalWrites: 'honest' }) : undefined;
  if (s3 !== undefined) await s3.createBucket(bucket);
  const env: Record<string, string> = s3 !== undefined
    ? { K3_STORE: 's3', K3_S3_ENDPOINT: s3.endpoint, K3_S3_FORCE_PATH_STYLE: 'true' }
    : { K3_STORE: 'local', K3_DATA_DIR: path.join(dir, 'data') };
  const gate = new RecordGate();
  const a = await engineOver(env, dir, bucket, (s) => gate.wrap(s), s3);
  const b = await engineOver(env, dir, bucket, undefined, s3);
  return {
    engine: a.engine,
    other: b.engine,
    gate,
    store: b.store,
    async close() {
      await a.engine.close();
      await b.engine.close();
      a.db.closeSync();
      b.db.closeSync();
      await s3?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

for (const kind of ['local', 's3'] as const) {
  describe(`a keyed write racing ALTER TABLE (${kind} store)`, () => {
    const bucket = 'race-bucket';
    let s: Side;
    let ref: DuckDBReference;
    beforeAll(async () => {
      s = await side(kind, bucket);
      ref = await DuckDBReference.create();
    });
    afterAll(async () => {
      await s.close();
      ref.close();
    });

    const exec = (sql: string, engine = s.engine, freshness?: Freshness): Promise<ExecuteResponse> => engine.execute({ bucket, sql, ...(freshness !== undefined ? { freshness } : {}) });
    async function rows(sql: string, freshness: Freshness, engine = s.engine): Promise<unknown[][]> {
      const r = await exec(sql, engine, freshness);
      if (!('query' in r)) throw new Error('expected a query');
      return wireRows(r.query);
    }
    /** A STRONG point lookup by primary key, answered by the point-lookup path. */
    async function lookup(sql: string): Promise<unknown[][]> {
      const r = await exec(sql, s.engine, Freshness.STRONG);
      if (!('query' in r)) throw new Error('expected a query');
      expect(String(r.query.strategyReason), sql).toContain('point lookup:');
      return wireRows(r.query);
    }
    async function drain(table: string): Promise<void> {
      while ((await s.engine.compact(bucket, table)).truncated);
    }

    /** Runs `write` pinned to the definition before `alters` and appended after they committed; its outcome. */
    async function racing(write: string, ...alters: string[]): Promise<ExecuteResponse> {
      const { reached, release } = s.gate.arm();
      const written = exec(write);
      await reached; // the write pinned the old definition and built its record
      for (const sql of alters) await exec(sql); // commit while the record is not in the log yet
      release();
      return written;
    }

    /**
     * `create`, one row drained into Delta, then `write` pinned before `alter` and appended after
     * it; DuckDB runs the same statements serialized write-then-ALTER.
     */
    async function race(table: string, create: string, seed: string, write: string, alter: string): Promise<void> {
      for (const sql of [create, seed]) {
        await exec(sql);
        await ref.runAll([sql]);
      }
      await drain(table);
      const w = await racing(write, alter);
      expect('write' in w && w.write.rowsAffected).toBeGreaterThan(0); // acknowledged
      await ref.runAll([write, alter]);
      const d = await s.engine.describeTable(bucket, table);
      expect(Number(d.walBacklogEntries ?? 0), 'the racing record is in the log, after the ALTER').toBeGreaterThan(0);
    }

    async function expectLikeDuckDB(table: string): Promise<void> {
      const all = `SELECT * FROM ${table} ORDER BY id`;
      const expected = (await ref.run(all)).rows;
      expect(await rows(all, Freshness.STRONG), 'STRONG').toEqual(expected);
      expect(await rows(all, Freshness.STRONG, s.other), 'STRONG, another coordinator').toEqual(expected);
      const one = `SELECT * FROM ${table} WHERE id = 2`;
      expect(await lookup(one), 'point lookup').toEqual((await ref.run(one)).rows);
      await drain(table);
      expect(await rows(all, Freshness.EVENTUAL), 'EVENTUAL after the drain').toEqual(expected);
      expect(await rows(all, Freshness.EVENTUAL, s.other), 'EVENTUAL, another coordinator').toEqual(expected);
      const d = await s.engine.describeTable(bucket, table);
      expect(Number(d.lastDrainRowsRejected ?? 0)).toBe(0);
    }

    it('ADD COLUMN … DEFAULT: the racing row gets the default', async () => {
      await race('r1', 'CREATE TABLE r1 (id INTEGER PRIMARY KEY, v INTEGER)', 'INSERT INTO r1 VALUES (1, 10)', 'INSERT INTO r1 VALUES (2, 20)', "ALTER TABLE r1 ADD COLUMN tag VARCHAR DEFAULT 'x'");
      await expectLikeDuckDB('r1');
      expect(await rows('SELECT tag FROM r1 WHERE id = 2', Freshness.STRONG)).toEqual([['x']]);
    });

    it('ADD COLUMN … DEFAULT GENERATE_UUID(): each racing row gets its own UUID, the same at every reader', async () => {
      for (const sql of ['CREATE TABLE ru (id INTEGER PRIMARY KEY, v INTEGER)', 'INSERT INTO ru VALUES (1, 10)']) await exec(sql);
      await drain('ru');
      await racing('INSERT INTO ru VALUES (2, 20), (3, 30), (4, 40)', 'ALTER TABLE ru ADD COLUMN g VARCHAR DEFAULT GENERATE_UUID()');
      const all = 'SELECT id, g FROM ru ORDER BY id';
      const strong = await rows(all, Freshness.STRONG);
      expect(new Set(strong.map((r) => r[1])).size).toBe(4);
      for (const r of strong) expect(r[1]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(await rows(all, Freshness.STRONG, s.other)).toEqual(strong);
      expect(await lookup('SELECT id, g FROM ru WHERE id = 3')).toEqual([strong[2]]);
      await drain('ru');
      expect(await rows(all, Freshness.EVENTUAL)).toEqual(strong);
    });

    it('ADD COLUMN without DEFAULT: the racing row reads NULL', async () => {
      await race('r2', 'CREATE TABLE r2 (id INTEGER PRIMARY KEY, v INTEGER)', 'INSERT INTO r2 VALUES (1, 10)', 'INSERT INTO r2 VALUES (2, 20)', 'ALTER TABLE r2 ADD COLUMN n INTEGER');
      await expectLikeDuckDB('r2');
    });

    it('SET DATA TYPE INTEGER → BIGINT: the racing row is cast, not set aside', async () => {
      await race('r3', 'CREATE TABLE r3 (id INTEGER PRIMARY KEY, v INTEGER)', 'INSERT INTO r3 VALUES (1, 10)', 'INSERT INTO r3 VALUES (2, 2147483647)', 'ALTER TABLE r3 ALTER COLUMN v SET DATA TYPE BIGINT');
      await expectLikeDuckDB('r3');
    });

    it('SET DATA TYPE DOUBLE → DECIMAL: the racing row is rounded by the same cast', async () => {
      await race('r4', 'CREATE TABLE r4 (id INTEGER PRIMARY KEY, v DOUBLE)', 'INSERT INTO r4 VALUES (1, 1.5)', 'INSERT INTO r4 VALUES (2, 2.345678)', 'ALTER TABLE r4 ALTER COLUMN v SET DATA TYPE DECIMAL(10, 2)');
      await expectLikeDuckDB('r4');
      expect(await rows('SELECT v::VARCHAR FROM r4 WHERE id = 2', Freshness.EVENTUAL)).toEqual([['2.35']]);
    });

    it('SET DATA TYPE … USING and a racing DELETE: both follow the ALTER', async () => {
      await race('r5', 'CREATE TABLE r5 (id INTEGER PRIMARY KEY, v VARCHAR)', "INSERT INTO r5 VALUES (1, '7'), (3, '9')", "INSERT INTO r5 VALUES (2, '41')", 'ALTER TABLE r5 ALTER COLUMN v SET DATA TYPE INTEGER USING CAST(v AS INTEGER) + 1');
      await expectLikeDuckDB('r5');
      // A tombstone of the old definition still deletes.
      await racing('DELETE FROM r5 WHERE id = 3', 'ALTER TABLE r5 ALTER COLUMN v SET DATA TYPE BIGINT');
      await ref.runAll(['DELETE FROM r5 WHERE id = 3', 'ALTER TABLE r5 ALTER COLUMN v SET DATA TYPE BIGINT']);
      await expectLikeDuckDB('r5');
    });

    it('several ALTERs commit while the write is pinned: it converts through each of them in order', async () => {
      for (const sql of ['CREATE TABLE r7 (id INTEGER PRIMARY KEY, v INTEGER)', 'INSERT INTO r7 VALUES (1, 10)']) {
        await exec(sql);
        await ref.runAll([sql]);
      }
      await drain('r7');
      const alters = ['ALTER TABLE r7 ADD COLUMN c INTEGER DEFAULT 5', 'ALTER TABLE r7 ALTER COLUMN c SET DEFAULT 7', 'ALTER TABLE r7 ADD COLUMN n VARCHAR', 'ALTER TABLE r7 ALTER COLUMN v SET DATA TYPE DOUBLE'];
      await racing('INSERT INTO r7 VALUES (2, 20)', ...alters);
      await ref.runAll(['INSERT INTO r7 VALUES (2, 20)', ...alters, 'INSERT INTO r7 (id, v) VALUES (3, 30)']);
      await exec('INSERT INTO r7 (id, v) VALUES (3, 30)');
      await expectLikeDuckDB('r7');
      expect(await rows('SELECT c FROM r7 ORDER BY id', Freshness.STRONG)).toEqual([[5], [5], [7]]);
    });

    it('a 5,000-row statement (the drain folds it in DuckDB) is converted like a one-row one', async () => {
      await race('r8', 'CREATE TABLE r8 (id INTEGER PRIMARY KEY, v INTEGER)', 'INSERT INTO r8 VALUES (1, 10)', 'INSERT INTO r8 SELECT i, i * 10 FROM range(2, 5002) t(i)', "ALTER TABLE r8 ADD COLUMN tag VARCHAR DEFAULT 'x'");
      await expectLikeDuckDB('r8');
      expect(await rows("SELECT count(*) FROM r8 WHERE tag = 'x'", Freshness.EVENTUAL)).toEqual([['5001']]);
    });

    it('SET NOT NULL committed while a NULL was pinned: the statement is set aside at every reader', async () => {
      for (const sql of ['CREATE TABLE r9 (id INTEGER PRIMARY KEY, v INTEGER)', 'INSERT INTO r9 VALUES (1, 10)']) await exec(sql);
      await drain('r9');
      const w = await racing('INSERT INTO r9 VALUES (2, NULL), (3, 30)', 'ALTER TABLE r9 ALTER COLUMN v SET NOT NULL');
      expect('write' in w && w.write.rowsAffected, 'acknowledged under the old definition').toBe(2);
      expect(await rows('SELECT * FROM r9 ORDER BY id', Freshness.STRONG), 'STRONG').toEqual([[1, 10]]);
      expect(await rows('SELECT * FROM r9 ORDER BY id', Freshness.STRONG, s.other), 'STRONG, another coordinator').toEqual([[1, 10]]);
      expect(await lookup('SELECT * FROM r9 WHERE id = 3'), 'point lookup').toEqual([]);
      await drain('r9');
      expect(await rows('SELECT * FROM r9 ORDER BY id', Freshness.EVENTUAL)).toEqual([[1, 10]]);
      expect(Number((await s.engine.describeTable(bucket, 'r9')).lastDrainRowsRejected)).toBe(2);
    });

    it('a value the ALTER could not have cast is set aside whole and loudly, never applied', async () => {
      // DuckDB refuses the ALTER after the write; here the ALTER committed first, so the write's
      // statement is the one that cannot apply.
      for (const sql of ['CREATE TABLE r6 (id INTEGER PRIMARY KEY, v VARCHAR)', "INSERT INTO r6 VALUES (1, '10')"]) await exec(sql);
      await drain('r6');
      const w = await racing("INSERT INTO r6 VALUES (2, 'abc'), (3, '30')", 'ALTER TABLE r6 ALTER COLUMN v SET DATA TYPE INTEGER');
      expect('write' in w && w.write.rowsAffected, 'acknowledged under the old definition').toBe(2);
      const ref6 = await DuckDBReference.create();
      try {
        await ref6.runAll(['CREATE TABLE r6 (id INTEGER PRIMARY KEY, v VARCHAR)', "INSERT INTO r6 VALUES (1, '10'), (2, 'abc'), (3, '30')"]);
        await expect(ref6.runAll(['ALTER TABLE r6 ALTER COLUMN v SET DATA TYPE INTEGER'])).rejects.toThrow(/Could not convert string 'abc'/);
      } finally {
        ref6.close();
      }
      expect(await rows('SELECT * FROM r6 ORDER BY id', Freshness.STRONG)).toEqual([[1, 10]]);
      expect(await lookup('SELECT * FROM r6 WHERE id = 3')).toEqual([]);
      await drain('r6');
      expect(await rows('SELECT * FROM r6 ORDER BY id', Freshness.EVENTUAL)).toEqual([[1, 10]]);
      const d = await s.engine.describeTable(bucket, 'r6');
      expect(Number(d.lastDrainRowsRejected)).toBe(2);
      const [history] = await rows("SELECT operation, operation_metrics::VARCHAR FROM k3_history('r6', 1)", Freshness.EVENTUAL);
      expect(history?.[0]).toBe('MERGE');
      expect(String(history?.[1])).toMatch(/numRejectedRows['"]?\s*[:=]\s*['"]?2/);
      // The statement's rows are kept under _k3_wal/rejected/ with the reason DuckDB gave.
      const listed = await s.store.list('tables/r6/_k3_wal/rejected/');
      const bodies = await Promise.all(listed.objects.map(async (o) => new TextDecoder().decode((await s.store.get(o.key)) ?? new Uint8Array())));
      const rejected = bodies.flatMap((b) => (JSON.parse(b) as { rejected: { reason: string; values: string[] }[] }).rejected);
      expect(rejected.map((r) => r.values)).toEqual([['2', 'abc'], ['3', '30']]);
      for (const r of rejected) expect(r.reason).toMatch(/^alter-conversion-failed: Conversion Error: Could not convert string 'abc'/);
    });
  });
}

/**
 * Time travel and the maintenance SQL forms through the real Engine (local store, real DuckDB):
 * AS OF on any table reference (two tables at two versions, one table at two versions, DML
 * sources, CTAS), versions reported per table, k3_history('t'), RESTORE / OPTIMIZE / VACUUM /
 * DESCRIBE HISTORY, and the clear errors (before first, after latest, vacuumed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeOf } from '../support/error-code.ts';
import { createHarness, type Harness } from './engine-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

const rows = async (sql: string): Promise<unknown[][]> => (await h.query(sql)).rows;

describe('engine time travel', () => {
  /** version → sorted ids of t at that version, recorded as the table is built. */
  const seen = new Map<number, unknown[][]>();
  let v0Time = '';

  it('builds versions and reads each with AS OF VERSION / TIMESTAMP', async () => {
    const created = await h.ddl('CREATE TABLE t (id INTEGER, name VARCHAR)');
    seen.set(Number(created.version), []);
    await h.ddl('CREATE TABLE u (k INTEGER)');
    for (const sql of ["INSERT INTO t VALUES (1, 'a'), (2, 'b')", "INSERT INTO t VALUES (3, 'c')", 'DELETE FROM t WHERE id = 2', "UPDATE t SET name = 'z' WHERE id = 1"]) {
      const w = await h.write(sql);
      seen.set(Number(w.version), await rows('SELECT id, name FROM t ORDER BY id'));
    }
    await h.write('INSERT INTO u VALUES (10)');
    for (const [v, expected] of seen) {
      const q = await h.query(`SELECT id, name FROM t AS OF VERSION ${v} ORDER BY id`);
      expect(q.rows).toEqual(expected);
      expect(q.versions).toEqual({ t: Number(v) });
      expect(q.version).toBe(Number(v));
    }
    const history = await h.query("SELECT version, timestamp FROM k3_history('t') ORDER BY version");
    expect(history.rows.map((r) => Number(r[0]))).toEqual([...seen.keys()]);
    for (const [version, ts] of history.rows as [string, string][]) {
      const q = await h.query(`SELECT id, name FROM t AS OF TIMESTAMP '${ts}' ORDER BY id`);
      expect(q.rows).toEqual(seen.get(Number(version)));
    }
    v0Time = (history.rows[0] as [string, string])[1];
  });

  it('reads two tables at different versions and one table at two versions', async () => {
    const versions = [...seen.keys()];
    const [a, b] = [versions[1]!, versions[2]!];
    const q = await h.query(`SELECT (SELECT count(*) FROM t VERSION AS OF ${a}) AS x, (SELECT count(*) FROM t AT (VERSION => ${b})) AS y, (SELECT count(*) FROM u AS OF VERSION 0) AS z`);
    expect(q.rows).toEqual([[String(seen.get(a)!.length), String(seen.get(b)!.length), '0']]);
    expect(q.versions).toEqual({ [`t@v${a}`]: Number(a), [`t@v${b}`]: Number(b), u: 0 });
    const both = await h.query(`SELECT n.id FROM t AS OF VERSION ${b} AS o JOIN t AS n USING (id) ORDER BY n.id`);
    expect(both.versions.t).toBe(Number(versions[versions.length - 1]));
    expect(both.versions[`t@v${b}`]).toBe(Number(b));
  });

  it('describes a time-travelled query with that version\'s schema', async () => {
    const versions = [...seen.keys()];
    await h.ddl('ALTER TABLE u ADD COLUMN extra VARCHAR');
    const now = await h.query('DESCRIBE SELECT * FROM u');
    expect(now.rows.map((r) => r[0])).toEqual(['k', 'extra']);
    const then = await h.query('DESCRIBE SELECT * FROM u AS OF VERSION 1');
    expect(then.rows.map((r) => r[0])).toEqual(['k']);
    expect(versions.length).toBeGreaterThan(2);
  });

  it('uses time travel as a write source', async () => {
    const versions = [...seen.keys()];
    const first = versions[1]!;
    await h.ddl(`CREATE TABLE snap AS SELECT * FROM t AS OF VERSION ${first}`);
    expect(await rows('SELECT id::INTEGER, name FROM snap ORDER BY id')).toEqual(seen.get(first));
    // INSERT … SELECT and MERGE … USING read the past of the very table they write.
    // (snap's version 0 is the CTAS: the rows of t at `first`.)
    await h.write(`INSERT INTO snap SELECT * FROM snap AS OF VERSION 0 WHERE id = 1`);
    expect(await rows('SELECT id::INTEGER, name FROM snap ORDER BY id, name')).toEqual([...seen.get(first)!, [1, 'a']].sort((x, y) => Number(x[0]) - Number(y[0])));
    const merged = await h.write(`MERGE INTO snap USING snap AS OF VERSION 0 AS old ON snap.id = old.id AND snap.id = 2 WHEN MATCHED THEN UPDATE SET name = 'merged'`);
    expect(merged.rowsAffected).toBe(1);
    expect(await rows("SELECT id::INTEGER, name FROM snap WHERE name = 'merged'")).toEqual([[2, 'merged']]);
  });

  it('refuses versions that do not exist, times before the first commit, and writes to the past', async () => {
    expect(await codeOf(h.exec('SELECT * FROM t AS OF VERSION 999'))).toBe('ERR_DELTA_VERSION_NOT_FOUND');
    expect(await codeOf(h.exec("SELECT * FROM t AS OF TIMESTAMP '2001-01-01T00:00:00Z'"))).toBe('ERR_DELTA_TIMESTAMP_OUT_OF_RANGE');
    expect(await codeOf(h.exec(`SELECT * FROM t AS OF TIMESTAMP '${new Date(Date.now() + 3_600_000).toISOString()}'`))).toBe('ERR_DELTA_TIMESTAMP_OUT_OF_RANGE');
    expect(await codeOf(h.exec('DELETE FROM t AS OF VERSION 1 WHERE id = 1'))).toBe('ERR_SQL_UNSUPPORTED');
    expect(await codeOf(h.exec('SELECT * FROM t AS OF VERSION (1 + 1)'))).toBe('ERR_SQL_UNSUPPORTED');
    expect(await codeOf(h.exec("SELECT * FROM k3_history(42)"))).toBe('ERR_SQL_PARSE');
    expect(await codeOf(h.exec("SELECT * FROM k3_history('nope')"))).toBe('ERR_TABLE_NOT_FOUND');
    expect(v0Time).not.toBe('');
  });

  it('RESTORE, DESCRIBE HISTORY, OPTIMIZE and VACUUM in SQL', async () => {
    const versions = [...seen.keys()];
    const target = versions[1]!;
    const restored = await h.ddl(`RESTORE TABLE t TO VERSION ${target}`);
    expect(restored.action).toBe('RESTORE_TABLE');
    expect(Number(restored.versionAfter)).toBe(Number(restored.versionBefore) + 1);
    expect(restored.version).toBe(restored.versionAfter);
    expect(await rows('SELECT id, name FROM t ORDER BY id')).toEqual(seen.get(target));

    const hist = await h.query('DESCRIBE HISTORY t LIMIT 2');
    expect(hist.columns.map((c) => c.name)).toEqual(['version', 'timestamp', 'operation', 'operation_parameters', 'operation_metrics', 'user_metadata', 'engine_info', 'read_version']);
    expect(hist.rows.map((r) => r[2])).toEqual(['RESTORE', 'UPDATE']);

    await h.write("INSERT INTO t VALUES (7, 'x')");
    await h.write("INSERT INTO t VALUES (8, 'y')");
    const before = await rows('SELECT * FROM t ORDER BY id');
    const opt = await h.query('OPTIMIZE t');
    expect(opt.columns.map((c) => c.name)).toContain('files_removed');
    expect(Number(opt.rows[0]![3])).toBeGreaterThan(1);
    expect(await rows('SELECT * FROM t ORDER BY id')).toEqual(before);

    const dry = await h.query('VACUUM t RETAIN 168 HOURS DRY RUN');
    expect(dry.columns.map((c) => c.name)).toEqual(['version', 'files_deleted', 'files_deleted_paths', 'dry_run']);
    expect(dry.rows[0]![3]).toBe(true);
    expect(await codeOf(h.exec('VACUUM t RETAIN 0 HOURS'))).toBe('ERR_VACUUM_RETENTION_TOO_SHORT');
  });

  it('OPTIMIZE next to concurrent DELETEs and INSERTs: all succeed, the rows are the serial result', async () => {
    await h.ddl('CREATE TABLE c (id INTEGER)');
    for (let i = 0; i < 8; i++) await h.write(`INSERT INTO c VALUES (${i * 2}), (${i * 2 + 1})`);
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        h.engine.optimizeTable(h.bucket, 'c', {}),
        h.write(`DELETE FROM c WHERE id = ${round * 2}`),
        h.write(`INSERT INTO c VALUES (${100 + round})`),
      ]);
      for (let i = 0; i < 4; i++) await h.write(`INSERT INTO c VALUES (${200 + round * 10 + i})`);
    }
    const expected = [...Array.from({ length: 16 }, (_, i) => i).filter((i) => ![0, 2, 4].includes(i)), 100, 101, 102, ...[0, 1, 2].flatMap((r) => [0, 1, 2, 3].map((i) => 200 + r * 10 + i))];
    expect((await rows('SELECT id FROM c ORDER BY id')).map((r) => r[0])).toEqual(expected.sort((a, b) => a - b));
  });

  it('time travel to a vacuumed version fails with ERR_DELTA_DATA_FILE_MISSING', async () => {
    const r = await h.engine.vacuumTable(h.bucket, 't', { retentionHours: 0, disableRetentionCheck: true });
    expect(Number(r.filesDeleted)).toBeGreaterThan(0);
    const versions = [...seen.keys()];
    expect(await codeOf(h.exec(`SELECT * FROM t AS OF VERSION ${versions[1]!}`))).toBe('ERR_DELTA_DATA_FILE_MISSING');
    expect(await codeOf(h.exec(`RESTORE TABLE t TO VERSION ${versions[1]!}`))).toBe('ERR_DELTA_DATA_FILE_MISSING');
  });
});

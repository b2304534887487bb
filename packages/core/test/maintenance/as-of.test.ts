/**
 * extractAsOf: time-travel clauses found by tokens (never inside strings or comments), removed,
 * and reported as pins; the rewritten SQL parses in DuckDB; and end to end, one query reads the
 * same table at two versions next to its latest state through bindings named by the pins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/delta/snapshot.ts';
import { bindSnapshotCached } from '../../src/exec/read-snapshot-rows.ts';
import { quoteIdentifier } from '../../src/exec/sql-quote.ts';
import { extractAsOf } from '../../src/maintenance/as-of.ts';
import { append, createTable, createTableEnv, field, type TableEnv } from './support/table-env.ts';

let env: TableEnv;
beforeAll(async () => {
  env = await createTableEnv();
});
afterAll(async () => env.close());

async function parses(sql: string): Promise<{ error: boolean; statements?: unknown[] }> {
  const text = (await env.conn.runAndReadAll(`SELECT json_serialize_sql(${`'${sql.replaceAll("'", "''")}'`})`)).getRows()[0]?.[0];
  return JSON.parse(String(text)) as { error: boolean };
}

describe('extractAsOf', () => {
  it('rewrites AS OF VERSION into a binding aliased as the table', () => {
    expect(extractAsOf('SELECT * FROM t AS OF VERSION 3 WHERE id = 1')).toEqual({
      sql: 'SELECT * FROM "t@v3" AS t WHERE id = 1',
      pins: [{ name: 't', parts: ['t'], table: 't', at: { version: 3 }, binding: 't@v3' }],
    });
  });

  it('ignores look-alikes in strings, comments and quoted identifiers', () => {
    const sql = `SELECT 'FROM t AS OF VERSION 3' AS s, "AS OF VERSION 4" /* FROM t AS OF VERSION 2 */ FROM t -- AS OF VERSION 1\nWHERE x = $$ AS OF VERSION 9 $$`;
    expect(extractAsOf(sql)).toEqual({ sql, pins: [] });
  });

  it('handles timestamps, qualified and quoted names, aliases before or after, JOINs, Spark and DuckDB forms', () => {
    const sql = `SELECT * FROM main."My T" AS OF TIMESTAMP '2026-05-18T00:00Z' AS m
      JOIN u AT (VERSION => 2) ON m.id = u.id
      LEFT JOIN v AS vv AT (TIMESTAMP => TIMESTAMP '2026-05-18 00:00:00') ON vv.id = m.id, w VERSION AS OF 7 ww`;
    const { sql: out, pins } = extractAsOf(sql);
    const ts = Date.UTC(2026, 4, 18);
    expect(pins).toEqual([
      { name: 'main."My T"', parts: ['main', 'My T'], table: 'My T', alias: 'm', at: { timestamp: ts }, binding: `My T@ts${ts}` },
      { name: 'u', parts: ['u'], table: 'u', at: { version: 2 }, binding: 'u@v2' },
      { name: 'v', parts: ['v'], table: 'v', alias: 'vv', at: { timestamp: ts }, binding: `v@ts${ts}` },
      { name: 'w', parts: ['w'], table: 'w', alias: 'ww', at: { version: 7 }, binding: 'w@v7' },
    ]);
    expect(out).toBe(`SELECT * FROM "My T@ts${ts}" AS m
      JOIN "u@v2" AS u ON m.id = u.id
      LEFT JOIN "v@ts${ts}" AS vv ON vv.id = m.id, "w@v7" AS ww`);
  });

  it('gives one pin per (table, target) and distinct bindings for distinct versions', () => {
    const { pins, sql } = extractAsOf('SELECT * FROM t AS OF VERSION 1 a JOIN t AS OF VERSION 2 b USING (id) JOIN t AS OF VERSION 1 c USING (id)');
    expect(pins.map((p) => p.binding)).toEqual(['t@v1', 't@v2']);
    expect(sql).toBe('SELECT * FROM "t@v1" AS a JOIN "t@v2" AS b USING (id) JOIN "t@v1" AS c USING (id)');
  });

  it('pins the source of MERGE … USING and of INSERT … SELECT', () => {
    expect(extractAsOf('MERGE INTO t USING t AS OF VERSION 2 AS s ON t.id = s.id WHEN NOT MATCHED THEN INSERT *').sql)
      .toBe('MERGE INTO t USING "t@v2" AS s ON t.id = s.id WHEN NOT MATCHED THEN INSERT *');
    expect(extractAsOf('INSERT INTO u SELECT * FROM t VERSION AS OF 1').sql).toBe('INSERT INTO u SELECT * FROM "t@v1" AS t');
    expect(extractAsOf('SELECT * FROM a JOIN b USING (id)')).toEqual({ sql: 'SELECT * FROM a JOIN b USING (id)', pins: [] });
  });

  it('refuses clauses it cannot resolve', () => {
    expect(() => extractAsOf('SELECT * FROM (SELECT 1) AS OF VERSION 3')).toThrow(expect.objectContaining({ code: 'ERR_SQL_UNSUPPORTED' }));
    expect(() => extractAsOf('SELECT * FROM t AS OF VERSION x')).toThrow(expect.objectContaining({ code: 'ERR_SQL_UNSUPPORTED' }));
    expect(() => extractAsOf('SELECT * FROM t AT (TIMESTAMP => now())')).toThrow(expect.objectContaining({ code: 'ERR_SQL_UNSUPPORTED' }));
    expect(() => extractAsOf("SELECT * FROM t AS OF TIMESTAMP 'last tuesday'")).toThrow(expect.objectContaining({ code: 'ERR_BAD_REQUEST' }));
    expect(() => extractAsOf('SELECT * FROM t a AS OF VERSION 1 b')).toThrow(expect.objectContaining({ code: 'ERR_SQL_UNSUPPORTED' }));
  });

  it('stands next to DuckDB: AT (…) parses natively (at_clause), every rewrite parses, AS OF does not', async () => {
    const native = await parses('SELECT * FROM t AT (VERSION => 3)');
    expect(native.error).toBe(false);
    expect(JSON.stringify(native.statements)).toContain('"at_clause":{"unit":"VERSION"');
    expect((await parses('SELECT * FROM t AS OF VERSION 3')).error).toBe(true);
    for (const sql of ['SELECT * FROM t AS OF VERSION 3 x WHERE x.a > 1', "SELECT * FROM t AS a AS OF TIMESTAMP '2026-01-01' JOIN u AT (VERSION => 1) ON true", 'WITH c AS (SELECT * FROM t VERSION AS OF 2) SELECT * FROM c']) {
      expect((await parses(extractAsOf(sql).sql)).error, sql).toBe(false);
    }
  });

  it('runs one query over the same table at two versions and at its latest', async () => {
    const root = 'tables/t/';
    await createTable(env, root, { type: 'struct', fields: [field('id', 'long'), field('v', 'string')] });
    await append(env, root, "SELECT 1 AS id, 'one' AS v"); // v1
    await append(env, root, "SELECT 2 AS id, 'two' AS v"); // v2
    const v2 = await loadSnapshot(env.store, root, { version: 2 });
    await append(env, root, "SELECT 3 AS id, 'three' AS v"); // v3

    const { sql, pins } = extractAsOf(`SELECT (SELECT count(*) FROM t) AS latest, (SELECT count(*) FROM t AS OF VERSION 1) AS at1,
      (SELECT count(*) FROM t AS OF TIMESTAMP '${new Date(v2.timestamp).toISOString()}') AS at2, (SELECT count(*) FROM t AS OF VERSION 2 AS x WHERE x.id > 1) AS x2`);
    const leases = [await bindSnapshotCached(env.conn, 't', await loadSnapshot(env.store, root), env.cache, env.store)];
    for (const pin of pins) leases.push(await bindSnapshotCached(env.conn, pin.binding, await loadSnapshot(env.store, root, pin.at), env.cache, env.store));
    try {
      const row = (await env.conn.runAndReadAll(sql)).getRowObjectsJson()[0];
      expect(row).toEqual({ latest: '3', at1: '1', at2: '2', x2: '1' });
    } finally {
      for (const name of ['t', ...pins.map((p) => p.binding)]) await env.conn.run(`DROP VIEW IF EXISTS ${quoteIdentifier(name)}`);
      for (const l of leases) l.release();
    }
  });
});

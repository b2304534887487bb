/**
 * A Postgres prepared statement is analysed once (packages/core/src/sql/analysed-statement.ts):
 * Parse keeps the engine's analysis and the catalog recognition, and every Bind/Execute of it hands
 * the same analysed statement to the engine instead of parsing the text again.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AnalysedStatement } from '@k3/core/sql';
import { startPg, type StartedPg } from './support.ts';

let srv: StartedPg;
let client: pg.Client;

beforeAll(async () => {
  srv = await startPg();
  client = new pg.Client({ host: '127.0.0.1', port: srv.port, user: 'admin', password: srv.secrets.admin, database: 'demo' });
  await client.connect();
  await client.query('CREATE TABLE prep_pts (id BIGINT, v VARCHAR)');
  await client.query("INSERT INTO prep_pts SELECT range, 'v' || range FROM range(50)");
}, 60_000);

afterAll(async () => {
  await client?.end();
  await srv?.stop();
});

describe('prepared statements reuse one analysis', () => {
  test('five executions of a named statement: analysed once, the same analysis handed to every execution', async () => {
    const engine = srv.engine;
    const analyses: string[] = [];
    const handed: Array<AnalysedStatement | undefined> = [];
    const analyse = engine.analyse.bind(engine);
    const execute = engine.execute.bind(engine);
    engine.analyse = (sql, n) => {
      analyses.push(sql);
      return analyse(sql, n);
    };
    engine.execute = (opts) => {
      handed.push(opts.analysed);
      return execute(opts);
    };
    try {
      const text = 'SELECT v FROM prep_pts WHERE id = $1';
      for (let i = 0; i < 5; i++) {
        const r = await client.query({ name: 'by_id', text, values: [i * 7] });
        expect(r.rows).toEqual([{ v: `v${i * 7}` }]);
      }
      expect(analyses).toEqual([text]);
      expect(handed).toHaveLength(5);
      expect(handed[0]).toBeDefined();
      for (const a of handed) expect(a).toBe(handed[0]);
      expect(handed[0]!.placeholders).toBe(1);
      // An unnamed (one-off) statement is not kept: its text goes to the engine's cache as usual.
      const before = engine.statementCacheStats();
      await client.query('SELECT count(*) AS n FROM prep_pts');
      await client.query('SELECT count(*) AS n FROM prep_pts');
      const after = engine.statementCacheStats();
      expect(after.hits - before.hits).toBeGreaterThanOrEqual(1);
    } finally {
      engine.analyse = analyse;
      engine.execute = execute;
    }
  }, 60_000);
});

/**
 * The analysed statement (packages/core/src/sql/analysed-statement.ts) against the stage-by-stage
 * pipeline it replaced, over every SQL text of the compatibility suite (plus setup and verify
 * statements): same statement text, same shape, same tokens, same refusal — so nothing DuckDB
 * parses stopped working. Then the counts it promises, held deterministically: one token pass per
 * plain statement whatever its length, and one DuckDB parse (json_serialize_sql /
 * extractStatements) per statement text, zero on a repeat or a prepared statement.
 */
import { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseStatement } from '../../packages/core/src/sql/analysed-statement.ts';
import { singleStatement } from '../../packages/core/src/sql/classify-statement.ts';
import { maintenanceStatementOf } from '../../packages/core/src/sql/maintenance-statements.ts';
import { tokenPasses } from '../../packages/core/src/sql/sql-tokens.ts';
import { numberPlaceholders } from '../../packages/core/src/sql/statement-params.ts';
import { StatementCache } from '../../packages/core/src/sql/statement-cache.ts';
import { rewriteTimeTravel } from '../../packages/core/src/sql/time-travel-binding.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';
import { ALL_CASES } from './cases.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';

/** The pipeline as it was: every stage tokenizing the text on its own. */
function stageByStage(sql: string, paramCount: number): unknown {
  const text = paramCount > 0 ? numberPlaceholders(sql, paramCount).sql : sql;
  const maintenance = maintenanceStatementOf(text);
  if (maintenance !== undefined) return { maintenance };
  const s = singleStatement(rewriteTimeTravel(text));
  return { sql: s.sql, shape: s.shape, tokens: s.tokens };
}

function analysedOf(sql: string, paramCount: number): unknown {
  const a = analyseStatement(sql, paramCount);
  if (a.maintenance !== undefined) return { maintenance: a.maintenance };
  const s = a.statement!;
  return { sql: s.sql, shape: s.shape, tokens: s.tokens };
}

function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (err) {
    return { error: err instanceof Error ? `${(err as { code?: string }).code ?? ''} ${err.message}` : String(err) };
  }
}

const EXTRA = [
  '  -- leading comment\n SELECT 1;',
  'SELECT * FROM t AS OF VERSION 3',
  'SELECT * FROM t VERSION AS OF 2 x JOIN u ON x.id = u.id',
  "SELECT * FROM t AT (TIMESTAMP => '2026-01-01')",
  "SELECT * FROM k3_history('t', 5)",
  "SELECT * FROM table_changes('t', 1, 2)",
  'DELETE FROM t AS OF VERSION 3 WHERE id = 1',
  'RESTORE TABLE t TO VERSION 2',
  'OPTIMIZE t ZORDER BY (a)',
  'VACUUM t RETAIN 200 HOURS DRY RUN',
  'DESCRIBE HISTORY t LIMIT 3',
  'SELECT 1; SELECT 2',
  ';;',
  "SELECT * FROM read_parquet('x.parquet')",
  'SELECT ? + ?',
  'SELECT $1, $2',
  'SELECT $2',
  'SELECT "of" FROM t',
  "SELECT 'AS OF' AS s",
  "CREATE TABLE p (a INT, b VARCHAR) PARTITIONED BY (b) WITH ('delta.enableChangeDataFeed' = true)",
  'ALTER TABLE t ADD COLUMN x INT, ADD COLUMN y INT',
];

describe('one analysis equals the stage-by-stage pipeline', () => {
  const texts = [...new Set([...ALL_CASES.flatMap((c) => [c.sql, ...(c.setup ?? []), ...(c.verify !== undefined ? [c.verify] : [])]), ...EXTRA])];

  it(`for all ${texts.length} texts of the compat suite and the k3 extensions`, () => {
    expect(texts.length).toBeGreaterThan(600);
    for (const sql of texts) {
      const paramCount = /\?|\$\d/.test(sql) ? (sql.match(/\?|\$\d/g) ?? []).length : 0;
      for (const count of paramCount > 0 ? [0, paramCount] : [0]) {
        expect(outcome(() => analysedOf(sql, count)), `${sql} (${count} values)`).toEqual(outcome(() => stageByStage(sql, count)));
      }
    }
  });
});

describe('work per statement, counted', () => {
  let h: Harness;
  const parses = { serialize: 0, extract: 0, target: '' };
  const origRun = DuckDBConnection.prototype.runAndReadAll;
  const origExtract = DuckDBConnection.prototype.extractStatements;

  beforeAll(async () => {
    h = await createHarness();
    await h.exec('CREATE TABLE pts (id BIGINT PRIMARY KEY, v VARCHAR)');
    await h.exec("INSERT INTO pts SELECT range, 'v' || range FROM range(100)");
    DuckDBConnection.prototype.runAndReadAll = function (this: DuckDBConnection, ...args: Parameters<typeof origRun>) {
      if (/json_serialize_sql/.test(String(args[0]))) parses.serialize++;
      return origRun.apply(this, args);
    };
    DuckDBConnection.prototype.extractStatements = function (this: DuckDBConnection, ...args: Parameters<typeof origExtract>) {
      // run / runAndReadAll extract every statement they run: count DuckDB parses of the user's text only.
      if (args[0] === parses.target) parses.extract++;
      return origExtract.apply(this, args);
    };
  }, 60_000);

  afterAll(async () => {
    DuckDBConnection.prototype.runAndReadAll = origRun;
    DuckDBConnection.prototype.extractStatements = origExtract;
    await h.close();
  });

  const inList = (n: number): string => `SELECT count(*) AS n FROM pts WHERE id IN (${Array.from({ length: n }, (_, i) => i * 3).join(', ')})`;

  async function counted(sql: string, opts: { analysed?: ReturnType<Harness['engine']['analyse']> } = {}): Promise<{ tokens: number; serialize: number; extract: number; rows: unknown }> {
    const target = analyseStatement(sql, 0).statement!.sql; // what DuckDB is asked to parse
    const tokens0 = tokenPasses();
    parses.serialize = 0;
    parses.extract = 0;
    parses.target = target;
    const r = await h.engine.execute({ bucket: h.bucket, sql, ...opts });
    return { tokens: tokenPasses() - tokens0, serialize: parses.serialize, extract: parses.extract, rows: 'query' in r ? wireRows(r.query) : undefined };
  }

  // The one-statement check of a query is answered by its AST (no PIVOT: DuckDB's only expansion),
  // so DuckDB parses the text once: json_serialize_sql, no extractStatements.
  it('a plain SELECT: one token pass, one json_serialize_sql, no extractStatements; none on a repeat', async () => {
    for (const n of [200, 2_000, 20_000]) {
      const sql = inList(n);
      const first = await counted(sql);
      expect(first, `first run, ${n} items`).toEqual({ tokens: 1, serialize: 1, extract: 0, rows: [[String(Math.ceil(100 / 3))]] });
      const again = await counted(sql);
      expect(again, `repeat, ${n} items`).toEqual({ tokens: 0, serialize: 0, extract: 0, rows: [[String(Math.ceil(100 / 3))]] });
    }
  }, 120_000);

  it('a statement analysed once and handed back (a prepared statement) is not analysed again', async () => {
    const sql = 'SELECT v FROM pts WHERE id = 42 AND v IS NOT NULL';
    const analysed = h.engine.analyse(sql, 0);
    const first = await counted(sql, { analysed });
    expect(first).toEqual({ tokens: 0, serialize: 1, extract: 0, rows: [['v42']] });
    expect(await counted(sql, { analysed })).toEqual({ tokens: 0, serialize: 0, extract: 0, rows: [['v42']] });
  }, 60_000);

  it('time travel costs one more token pass (the rewritten text), still one DuckDB parse', async () => {
    const sql = 'SELECT count(*) AS n FROM pts AS OF VERSION 1';
    const first = await counted(sql);
    expect(first.rows).toEqual([['100']]);
    expect(first.tokens).toBeLessThanOrEqual(6); // the rewrite stages (history, changes, AS OF) tokenize the text they rewrite
    expect(first.serialize + first.extract).toBe(1);
    expect((await counted(sql)).tokens).toBe(0);
  }, 60_000);
});

describe('StatementCache', () => {
  it('keeps the most recently used entries within its entry and character bounds', () => {
    const cache = new StatementCache({ maxEntries: 2, maxChars: 1_000 });
    const a = cache.analyse('SELECT 1', 0);
    cache.analyse('SELECT 2', 0);
    expect(cache.analyse('SELECT 1', 0)).toBe(a); // hit, now most recent
    cache.analyse('SELECT 3', 0); // evicts SELECT 2
    expect(cache.analyse('SELECT 1', 0)).toBe(a);
    expect(cache.stats()).toMatchObject({ entries: 2, hits: 2, misses: 3 });
    const big = `SELECT 1 /* ${'x'.repeat(2_000)} */`;
    expect(cache.analyse(big, 0)).not.toBe(cache.analyse(big, 0)); // longer than maxChars: analysed, never cached
    expect(cache.stats().entries).toBe(2);
    expect(cache.stats().chars).toBeLessThanOrEqual(1_000);
  });

  it('keys by parameter count and never caches a failure', () => {
    const cache = new StatementCache();
    expect(cache.analyse('SELECT $1', 1).text).toBe('SELECT $1');
    expect(() => cache.analyse('SELECT $1', 2)).toThrow(/placeholder/);
    expect(() => cache.analyse('SELECT 1; SELECT 2', 0)).toThrow(/One SQL statement/);
    expect(() => cache.analyse('SELECT 1; SELECT 2', 0)).toThrow(/One SQL statement/);
    expect(cache.stats().entries).toBe(1);
  });
});

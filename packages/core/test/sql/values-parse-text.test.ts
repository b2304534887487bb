/**
 * valuesParseText (sql/values-parse-text.ts) against DuckDB's own parser: the split of a statement
 * from its cut text (long literal VALUES lists cut to their representative rows) answers exactly as
 * the split of the text as written — the same statement count, or a parse error on both sides —
 * for well-formed statements (ingest MERGEs, multi-row INSERTs, strings holding `;`, expressions)
 * and for malformed ones (a missing comma between rows, a trailing comma, a broken expression
 * repeated in every row, a syntax error outside the list, two statements), plus a seeded sweep of
 * random rows and random damage. And through AnalysedStatement: the count and the error (code and
 * message) are the same with the cut on and off, and only a statement that parses from its cut
 * text is counted as cut.
 */
import { describe, expect, it } from 'vitest';
import { useDuckDB } from '../plan/support/duckdb.ts';
import { analyseStatement } from '../../src/sql/analysed-statement.ts';
import { tokenize } from '../../src/sql/sql-tokens.ts';
import { valuesParseCuts, valuesParseText } from '../../src/sql/values-parse-text.ts';

const duck = useDuckDB();

/** DuckDB's split of `sql`: its statement count, or 'error'. */
async function split(sql: string): Promise<number | 'error'> {
  try {
    return (await duck.conn.extractStatements(sql)).count;
  } catch {
    return 'error';
  }
}

/** The cut text (undefined: nothing cut) and both splits; the cut must answer as the text as written. */
async function agree(sql: string): Promise<string | undefined> {
  const cut = valuesParseText(sql, tokenize(sql));
  if (cut !== undefined) {
    expect(cut.length).toBeLessThan(sql.length);
    expect(await split(cut), `${sql.slice(0, 300)}\n→ ${cut.slice(0, 300)}`).toEqual(await split(sql));
  }
  return cut;
}

const rows = (n: number, f: (i: number) => string): string => Array.from({ length: n }, (_, i) => `(${f(i)})`).join(', ');
const ingest = (n: number, b = 7): string => `MERGE INTO events AS t USING (VALUES ${rows(n, (i) => `${100_000 + i}, ${i % 1000}, ${b}.5, TIMESTAMP '2026-06-01' + to_seconds(${b})`)}) AS s(id, device, v, ts) ON t.id = s.id
  WHEN MATCHED THEN UPDATE SET v = s.v, ts = s.ts WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.device, s.v, s.ts)`;

describe('the split of a statement from its cut VALUES lists', () => {
  it('cuts well-formed literal lists and parses as the text as written', async () => {
    const merge = ingest(200);
    const cut = await agree(merge);
    expect(cut).toBeDefined();
    // A handful of representative rows are left of 200; the rest of the statement is as written.
    expect(cut!.length).toBeLessThan(merge.length / 10);
    expect(cut!.endsWith(merge.slice(merge.indexOf(') AS s(id')))).toBe(true);
    expect(await agree(`INSERT INTO t VALUES ${rows(50, (i) => `${i}, 'a;b ${i}', ${i % 2 ? 'TRUE' : 'NULL'}, DATE '2026-01-0${(i % 9) + 1}', -${i}.25`)}`)).toBeDefined();
    expect(await agree(`INSERT OR REPLACE INTO t (a, b) VALUES ${rows(30, (i) => `${i}, round(2.5, 1) * ${i % 3}`)} ON CONFLICT DO NOTHING`)).toBeDefined();
    // Two lists in one statement, each cut; comments between and inside rows.
    expect(await agree(`SELECT * FROM (VALUES ${rows(20, (i) => `${i} /* c */`)}) a(x), -- x\n (VALUES ${rows(20, (i) => `'${i}'`)}) b(y)`)).toBeDefined();
    // Two statements stay two.
    expect(await split((await agree(`${ingest(20)}; SELECT 1`))!)).toBe(2);
  });

  it('leaves short lists, unequal widths and non-literal cells as written', async () => {
    expect(await agree(ingest(7))).toBeUndefined();
    expect(await agree(`INSERT INTO t VALUES ${rows(20, (i) => (i === 9 ? `${i}, 2, 3` : `${i}, 2`))}`)).toBeUndefined();
    expect(await agree(`INSERT INTO t VALUES ${rows(20, (i) => (i === 9 ? `${i}, random()` : `${i}, 2`))}`)).toBeUndefined();
    expect(await agree(`INSERT INTO t VALUES ${rows(20, (i) => `${i}, $1`)}`)).toBeUndefined();
    expect(await agree(`INSERT INTO t VALUES ${rows(20, (i) => `${i}, 2::INTEGER`)}`)).toBeUndefined();
    expect(await agree(`INSERT INTO t VALUES ${rows(20, (i) => `${i}, (SELECT 1)`)}`)).toBeUndefined();
  });

  it('a malformed statement fails on both sides', async () => {
    const bad = [
      // A syntax error after the list; a broken expression in every row; two numbers in a cell.
      ingest(40).replace('UPDATE SET', 'UPDTE SET'),
      `INSERT INTO t VALUES ${rows(20, (i) => `${i}, 1 +`)}`,
      `INSERT INTO t VALUES ${rows(20, (i) => `${i}, 1 2`)}`,
      `INSERT INTO t VALUES ${rows(20, (i) => `${i}, to_seconds(`)}`,
      // A broken cell in one later row only (its text is a signature of its own: that row is kept).
      `INSERT INTO t VALUES ${rows(20, (i) => (i === 13 ? `${i}, 1 +` : `${i}, 2`))}`,
      `INSERT INTO t VALUES ${rows(20, (i) => (i === 13 ? `${i}, round(1.5` : `${i}, 2`))}`,
      // A missing comma between two rows in the middle; a trailing comma; an empty row.
      `INSERT INTO t VALUES ${rows(20, (i) => `${i}, 2`).replace('(10, 2), ', '(10, 2) ')}`,
      `INSERT INTO t VALUES ${rows(20, (i) => `${i}, 2`)},`,
      `SELECT * FROM (VALUES ${rows(20, (i) => `${i}, 2`)},) s(a, b)`,
      `INSERT INTO t VALUES ${rows(20, (i) => `${i}, 2`)}, ()`,
      `INSERT INTO t VALUES ${rows(20, (i) => `${i}, 2`)} (3, 4)`,
    ];
    for (const sql of bad) await agree(sql);
    expect(await split(bad[0]!)).toBe('error');
    expect(await split(valuesParseText(bad[0]!, tokenize(bad[0]!))!)).toBe('error');
  });

  it('a seeded sweep of random rows and random damage', async () => {
    // mulberry32: every bit of the state mixes (a bare LCG's low bits repeat with a short period).
    let seed = 8;
    const rnd = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const cells = ['1', '-128', '300', '70000', '3000000000', '9223372036854775808', '1.5', '.25', '-0.001', "'x'", "'it''s'", "';'", 'NULL', 'TRUE', 'false',
      "DATE '2026-01-01'", "TIMESTAMP '2026-06-01' + to_seconds(3)", 'abs(-2) * 3', '(1 + 2) % 2', '1 +', '1 2', 'round(1.5', ')'];
    const damage = [(s: string) => s, (s: string) => s.replace('), (', ') ('), (s: string) => s.replace('), (', '), , ('), (s: string) => `${s},`,
      (s: string) => s.replace(/\(([^()]*)\)$/, '($1'), (s: string) => s.replace(', ', ' ')];
    let cut = 0;
    let failing = 0;
    for (let round = 0; round < 200; round++) {
      const width = 1 + rnd(4);
      const pool = Array.from({ length: 1 + rnd(4) }, () => cells[rnd(cells.length)]!);
      const list = damage[rnd(damage.length)]!(rows(8 + rnd(40), () => Array.from({ length: width }, () => pool[rnd(pool.length)]!).join(', ')));
      const sql = rnd(2) === 0 ? `INSERT INTO t VALUES ${list}` : `MERGE INTO t USING (VALUES ${list}) AS s(${Array.from({ length: width }, (_, j) => `c${j}`).join(', ')}) ON t.id = s.c0 WHEN MATCHED THEN DELETE`;
      const cutText = await agree(sql);
      if (cutText === undefined) continue;
      cut++;
      if ((await split(sql)) === 'error') failing++;
    }
    // The sweep exercises the cut (not only the declines), on statements that parse and that do not.
    expect(cut).toBeGreaterThan(50);
    expect(failing).toBeGreaterThan(20);
  });
});

describe('AnalysedStatement.statementCount with the cut', () => {
  it('the same count and the same error with the cut on and off', async () => {
    const good = ingest(200);
    const before = valuesParseCuts();
    expect(await analyseStatement(good, 0, { splitValuesCut: true }).statementCount(duck.conn)).toBe(1);
    expect(valuesParseCuts()).toBe(before + 1);
    expect(await analyseStatement(good, 0, { splitValuesCut: false }).statementCount(duck.conn)).toBe(1);
    expect(valuesParseCuts()).toBe(before + 1);
    for (const bad of [good.replace('UPDATE SET', 'UPDTE SET'), good.replace('), (100010', ') (100010')]) {
      const on = await analyseStatement(bad, 0, { splitValuesCut: true }).statementCount(duck.conn).then(() => 'parsed', (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`);
      const off = await analyseStatement(bad, 0, { splitValuesCut: false }).statementCount(duck.conn).then(() => 'parsed', (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`);
      expect(on).toMatch(/^ERR_SQL_PARSE: /);
      expect(on).toBe(off);
    }
    // Failed cuts are not counted as cuts.
    expect(valuesParseCuts()).toBe(before + 1);
  });
});

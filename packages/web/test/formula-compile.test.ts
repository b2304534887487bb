/**
 * Table formulas compiled to SQL give Excel's answers: each formula is compiled and run in a real
 * DuckDB (with the compiled parameters bound) over the seeds' contracts rows; expected values are
 * what Excel computes over the same rows (worked out by hand in the comments).
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileFormula, type FormulaContext } from '../src/formula/compile.ts';
import { parseFormula } from '../src/formula/parse.ts';

const ROWS = [
  [9912001, 'UK', '2026-04-01', 58200, 'web'],
  [9912002, 'EU', '2026-04-02', 42100, 'partner'],
  [9912003, 'UK', '2026-04-04', 91400, 'web'],
  [9912004, 'US', '2026-04-05', 24800, 'web'],
  [9912005, 'UK', '2026-04-07', 67300, 'api'],
  [9912006, 'EU', '2026-04-10', 33750, 'partner'],
  [9912007, 'UK', '2026-04-12', 78900, 'web'],
] as const;

const CTX: FormulaContext = {
  table: 'contracts',
  columns: [
    { name: 'id', type: 'BIGINT' }, { name: 'region', type: 'VARCHAR' }, { name: 'signed_at', type: 'DATE' },
    { name: 'amount', type: 'DECIMAL(18,2)' }, { name: 'channel', type: 'VARCHAR' },
  ],
  order: [{ column: 'id', descending: false }],
  cellValue: (row, col) => (row === 0 && col === 7 ? 'EU' : null), // H1 holds "EU"
};

let conn: DuckDBConnection;

async function run(formula: string): Promise<unknown[][]> {
  const c = compileFormula(formula, CTX);
  if (c === undefined) throw new Error(`${formula} was not compiled`);
  expect(c.sql).not.toMatch(/'UK'|58200|partner/); // values are parameters, never SQL text
  const stmt = await conn.prepare(c.sql);
  c.params.forEach((p, i) => {
    if (typeof p === 'number') stmt.bindDouble(i + 1, p);
    else if (p === null) stmt.bindNull(i + 1);
    else stmt.bindVarchar(i + 1, String(p));
  });
  const reader = await stmt.runAndReadAll();
  return reader.getRowsJS() as unknown[][];
}

const scalar = async (f: string): Promise<number | string | null> => {
  const v = (await run(f))[0]?.[0];
  return typeof v === 'bigint' ? Number(v) : v === null || v === undefined ? null : typeof v === 'object' ? Number(String(v)) : (v as number | string);
};

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run('CREATE TABLE contracts (id BIGINT, region VARCHAR, signed_at DATE, amount DECIMAL(18,2), channel VARCHAR)');
  for (const r of ROWS) await conn.run(`INSERT INTO contracts VALUES (${r[0]}, '${r[1]}', DATE '${r[2]}', ${r[3]}, '${r[4]}')`);
});
afterAll(() => conn?.closeSync());

describe('table formulas → DuckDB', () => {
  it('the seeds\' =SUMIFS(amount, region, "UK") is 295,800 (also with typographic quotes, by letters, lower case)', async () => {
    expect(await scalar('=SUMIFS(amount, region, "UK")')).toBe(295800);
    expect(await scalar('=SUMIFS(amount, region, \u201cUK\u201d)')).toBe(295800);
    expect(await scalar('=SUMIFS(D:D, B:B, "uk")')).toBe(295800);
    expect(await scalar('=sumifs(amount, region, "UK", channel, "web")')).toBe(58200 + 91400 + 78900);
  });
  it('plain aggregates', async () => {
    expect(await scalar('=SUM(amount)')).toBe(396450);
    expect(await scalar('=COUNT(amount)')).toBe(7);
    expect(await scalar('=COUNT(region)')).toBe(0); // Excel COUNT counts numbers only
    expect(await scalar('=COUNTA(region)')).toBe(7);
    expect(await scalar('=AVERAGE(amount)')).toBeCloseTo(396450 / 7, 6);
    expect(await scalar('=MIN(D:D)')).toBe(24800);
    expect(await scalar('=MAX(amount)')).toBe(91400);
  });
  it('criteria: operators, wildcards, <> includes blanks, cell references', async () => {
    expect(await scalar('=COUNTIFS(amount, ">50000")')).toBe(4);
    expect(await scalar('=COUNTIFS(amount, "<=33750")')).toBe(2);
    expect(await scalar('=COUNTIFS(region, "<>UK")')).toBe(3);
    expect(await scalar('=COUNTIFS(channel, "p*")')).toBe(2);
    expect(await scalar('=COUNTIFS(channel, "?eb")')).toBe(4);
    expect(await scalar('=SUMIFS(amount, region, H1)')).toBe(42100 + 33750);
    expect(await scalar('=COUNTIF(region, "EU")')).toBe(2);
    expect(await scalar('=SUMIF(region, "US", amount)')).toBe(24800);
    expect(await scalar('=AVERAGEIFS(amount, region, "EU")')).toBeCloseTo((42100 + 33750) / 2, 6);
    expect(await scalar('=MINIFS(amount, region, "UK")')).toBe(58200);
    expect(await scalar('=MAXIFS(amount, region, "UK")')).toBe(91400);
  });
  it('lookups: VLOOKUP exact, XLOOKUP with a fallback, INDEX/MATCH, MATCH', async () => {
    expect(await scalar('=VLOOKUP(9912004, A:D, 4, FALSE)')).toBe(24800);
    expect(await scalar('=VLOOKUP(9912004, A:E, 5, 0)')).toBe('web');
    expect(await scalar('=XLOOKUP("EU", region, amount)')).toBe(42100); // first in sheet order
    expect(await scalar('=XLOOKUP("FR", region, amount, -1)')).toBe(-1);
    expect(await scalar('=INDEX(amount, MATCH("US", region, 0))')).toBe(24800);
    expect(await scalar('=MATCH("US", region, 0)')).toBe(4);
    expect(await scalar('=INDEX(channel, 5)')).toBe('api');
  });
  it('arithmetic across table formulas', async () => {
    expect(await scalar('=SUMIFS(amount, region, "UK") / COUNTIFS(region, "UK")')).toBe(73950);
    expect(await scalar('=SUM(amount) - SUMIFS(amount, region, "UK")')).toBe(396450 - 295800);
  });
  it('UNIQUE spills the distinct values in first-appearance order', async () => {
    expect(compileFormula('=UNIQUE(region)', CTX)?.spills).toBe(true);
    expect((await run('=UNIQUE(region)')).map((r) => r[0])).toEqual(['UK', 'EU', 'US']);
  });
  it('leaves formulas without table columns to the sheet engine', () => {
    expect(compileFormula('=SUM(A1:A3)', CTX)).toBeUndefined();
    expect(compileFormula('=1+2', CTX)).toBeUndefined();
    expect(compileFormula('=UPPER("x")', CTX)).toBeUndefined();
    expect(compileFormula('plain text', CTX)).toBeUndefined();
  });
  it('an AS OF version reads that version; quoting survives odd names', () => {
    const c = compileFormula('=SUM(amount)', { ...CTX, asOfVersion: 12n });
    expect(c?.sql).toBe('SELECT (SELECT SUM("amount") FROM "contracts" AS OF VERSION 12) AS k3_value');
    const odd = compileFormula('=SUM(x)', { ...CTX, table: 'we"ird', columns: [{ name: 'x', type: 'DOUBLE' }] });
    expect(odd?.sql).toContain('FROM "we""ird"');
  });
  it('parses Excel syntax and reports errors', () => {
    expect(parseFormula('=SUMIFS(amount, region, "say ""hi""")')).toMatchObject({ kind: 'call', name: 'SUMIFS', args: [{ kind: 'name' }, { kind: 'name' }, { kind: 'str', value: 'say "hi"' }] });
    expect(parseFormula('=-D:D')).toMatchObject({ kind: 'neg', arg: { kind: 'cols', from: 3, to: 3 } });
    expect(() => parseFormula('=SUM(amount')).toThrow(/ends too early|missing/);
    expect(() => compileFormula('=SUMIFS(amount, region)', CTX)).toThrow(/pairs/);
  });
});

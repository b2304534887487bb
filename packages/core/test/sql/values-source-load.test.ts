/**
 * valuesSourceLoad (sql/values-source-load.ts) against DuckDB itself: for every VALUES source,
 * `SELECT * FROM <source as written>` and `SELECT * FROM <the loaded rows, cast>` give the same
 * column names, the same column types and the same values (compared as DuckDB's own text), and
 * the load declines (undefined) what it must leave to DuckDB: volatile or unknown functions,
 * `::` casts, DEFAULT, rows of unequal width, too few rows, and types that do not cast exactly.
 * Type edge cases: mixed integer widths across rows (value-dependent INTEGER_LITERAL unification),
 * decimals of different widths and scales mixed with integers, NULL in the first row, strings with
 * quotes, typed DATE / TIMESTAMP strings, expressions per row and per batch; plus a seeded random
 * sweep over mixes of those cells in every order.
 */
import { describe, expect, it } from 'vitest';
import { useDuckDB } from '../plan/support/duckdb.ts';
import { tokenize } from '../../src/sql/sql-tokens.ts';
import { valuesSourceLoad, valuesTypesCached } from '../../src/sql/values-source-load.ts';

const duck = useDuckDB();

async function typedText(from: string): Promise<{ names: string[]; types: string[]; rows: unknown[][] }> {
  const reader = await duck.conn.runAndReadAll(`SELECT * FROM ${from}`);
  const names = reader.columnNames();
  const text = await duck.conn.runAndReadAll(`SELECT ${names.map((n) => `CAST("${n}" AS VARCHAR)`).join(', ')} FROM ${from}`);
  return { names, types: reader.columnTypes().map(String), rows: text.getRows() };
}

/** The source through the load and as written; returns whether the load took it. */
async function same(rows: string[], alias = 's(a, b, c)'): Promise<boolean> {
  const width = alias.split(',').length;
  const source = `(VALUES ${rows.map((r) => `(${r})`).join(', ')}) AS ${alias}`;
  const sql = `MERGE INTO t USING ${source} ON t.id = s.a WHEN MATCHED THEN DELETE`;
  const start = sql.indexOf('(VALUES');
  const end = start + source.length;
  const loaded = await valuesSourceLoad(duck.conn, sql, tokenize(sql), start, end, width);
  const expected = await typedText(source).then((r) => r, (e: Error) => `error ${e.message.split('\n')[0]}`);
  // Nothing left behind on the connection.
  expect((await duck.conn.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '__k3%'`)).getRows()[0]![0]).toBe(0n);
  if (loaded === undefined) return false;
  expect(typeof expected, `${source} loaded but DuckDB refuses it: ${String(expected)}`).toBe('object');
  expect(await typedText(loaded.from), source).toEqual(expected);
  return true;
}

const rep = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

describe('a VALUES source loaded as typed columns', () => {
  it('types and values as DuckDB binds them', async () => {
    // The ingest bench's rows: a per-batch expression and a decimal, integers crossing widths.
    expect(await same(rep(40, (i) => `${2_000_000_000 + i * 10_000_000}, ${i * 7}, 3.5`).map((r, i) => `${r}, TIMESTAMP '2026-06-01' + to_seconds(4)`.replace(/, 3\.5/, i % 2 ? ', 3.5' : ', 3.5')), 's(a, b, c, d)')).toBe(true);
    // Mixed integer widths (tinyint, smallint, int, bigint, hugeint magnitudes; negatives at the edges).
    expect(await same([...rep(20, (i) => `${i}, -128, 1`), '300, -129, 70000', '3000000000, 127, -2147483648', '170141183460469231731687303715884105727, 0, 9223372036854775808'])).toBe(true);
    // Decimals of different scales and widths, with integers (DECIMAL(11,1) from INTEGER + DECIMAL).
    expect(await same([...rep(40, (i) => `${i % 3}.5, .25, 1`), '12.125, 5.0, 0.5', '-0.001, 00.50, 3000000000'])).toBe(true);
    // NULL in the first row, strings with quotes, booleans.
    expect(await same(['NULL, NULL, NULL', ...rep(20, (i) => `${i}, 'it''s ${i}', ${i % 2 ? 'TRUE' : 'false'}`), "NULL, '', NULL"])).toBe(true);
    // Typed strings and a per-row expression (its text differs per row: every row is bound, so it declines).
    expect(await same(rep(20, (i) => `${i}, DATE '2026-01-${String((i % 28) + 1).padStart(2, '0')}', TIMESTAMP '2026-06-01 10:00:0${i % 10}'`))).toBe(true);
    expect(await same(rep(20, (i) => `${i}, TIMESTAMP '2026-06-01' + to_seconds(${i}), 1`))).toBe(false);
    expect(await same(rep(20, (i) => `${i}, round(2.345, 1) * 2, upper('x') || 'y'`))).toBe(false);
    expect(await same(rep(20, (i) => `${i}, round(2.345, 1) * 2, upper('x')`))).toBe(true);
  });

  it('declines what DuckDB must decide', async () => {
    expect(await same(rep(20, (i) => `${i}, random(), 1`))).toBe(false);
    expect(await same(rep(20, (i) => `${i}, 1::SMALLINT, 1`))).toBe(false);
    expect(await same(rep(20, (i) => `${i}, DEFAULT, 1`))).toBe(false);
    expect(await same(rep(20, (i) => `${i}, ${i % 2 ? '1e3' : '2e3'}, 1`))).toBe(false); // DOUBLE from the representative rows
    expect(await same(rep(20, (i) => `${i}, 1.5, ${i % 2 ? '1e3' : '1e4'}`))).toBe(false); // DOUBLE: not an exact text cast
    expect(await same(rep(20, (i) => `${i}, 'a', ${i === 5 ? 1 : "'b'"}`))).toBe(false); // DuckDB refuses VARCHAR + INTEGER
    expect(await same(rep(5, (i) => `${i}, 1, 1`))).toBe(false); // too few rows to gain
    expect(await same([...rep(20, (i) => `${i}, 1, 1`), '1, 2'])).toBe(false); // unequal widths
    expect(await same(rep(20, (i) => `${i}, current_date, 1`))).toBe(false);
    expect(await same(rep(20, (i) => `${i}, ${i % 2 ? "TIMESTAMP '2026-01-01'" : "'2026-01-02'"}, 1`))).toBe(false); // a string into TIMESTAMP
    expect(await same(rep(20, (i) => `${i}, 1, ${i}`), 's(a, b)')).toBe(false); // the alias names fewer columns
    // A cell holding the separator or the NULL marker of the split strings.
    expect(await same(rep(20, (i) => `${i}, 'a\u001fb', 1`))).toBe(false);
    expect(await same(rep(20, (i) => `${i}, '\u001e', 1`))).toBe(false);
    expect(await same(rep(20, (i) => `${i}, 'a\u001db\u0001', 1`))).toBe(true);
  });

  it('takes known column types from earlier loads and evaluates a per-batch expression in the load', async () => {
    // The ingest bench's shape: the first batch binds representative rows, the next ones (same
    // signatures, another per-batch expression) do not — and still load DuckDB's exact rows.
    const batch = (b: number) => rep(40, (i) => `${100_000 + b * 30 + i}, ${(b * 30 + i) % 100}, ${b}.5, TIMESTAMP '2026-06-01' + to_seconds(${b})`);
    expect(await same(batch(1), 's(a, b, c, d)')).toBe(true);
    const cachedBefore = valuesTypesCached();
    for (let b = 2; b < 6; b++) expect(await same(batch(b), 's(a, b, c, d)')).toBe(true);
    expect(valuesTypesCached()).toBe(cachedBefore + 4);
    // A uniform expression of a type that does not read back from text (DOUBLE, a DECIMAL product) is exact this way too.
    expect(await same(rep(20, (i) => `${i}, 2, 1`))).toBe(true);
    expect(await same(rep(20, (i) => `${i}, 2, 1e3 / 7`))).toBe(true);
    expect(await same(rep(20, (i) => `${i}, 2, round(2.345, 1) * 3`))).toBe(true);
    // A new signature in a known column binds representative rows again (the uniform expression is still evaluated in the load).
    const again = valuesTypesCached();
    expect(await same(rep(20, (i) => `${i}, ${i === 3 ? 70000 : 2}, 1e3 / 7`))).toBe(true);
    expect(valuesTypesCached()).toBe(again);
  });

  it('matches DuckDB over a random sweep of cell mixes and orders', async () => {
    let seed = 14;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const ints = ['0', '1', '-1', '127', '128', '-128', '-129', '255', '256', '32767', '32768', '-32769', '65535', '65536', '2147483647', '2147483648', '-2147483648', '4294967296', '9223372036854775807', '9223372036854775808', '-9223372036854775808'];
    const decs = ['0.5', '.5', '5.', '12.25', '-0.001', '00.50', '99999.9', '1.000000000000000001'];
    const pools: string[][] = [
      ints, [...ints, ...decs], [...ints, 'NULL'], ["'x'", "'it''s'", "''", 'NULL'], ['TRUE', 'FALSE', 'NULL'],
      ["DATE '2026-01-01'", 'NULL'], ["TIMESTAMP '2026-06-01' + to_seconds(3)", "TIMESTAMP '2026-06-01 00:00:01'", 'NULL'], [...decs, 'NULL'],
    ];
    let taken = 0;
    for (let round = 0; round < 200; round++) {
      const cols = [pools[rnd(pools.length)]!, pools[rnd(pools.length)]!, pools[rnd(pools.length)]!];
      // Few distinct values per column, so enough rows repeat a signature for the load to take them.
      const picks = cols.map((pool) => rep(1 + rnd(3), () => pool[rnd(pool.length)]!));
      const rows = rep(40, () => picks.map((p) => p[rnd(p.length)]!).join(', '));
      if (await same(rows)) taken++;
    }
    expect(taken).toBeGreaterThan(60);
  });
});

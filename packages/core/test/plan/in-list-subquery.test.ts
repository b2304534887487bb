/**
 * compactIntegerInLists (plan/in-list-subquery.ts): which IN lists are handed to DuckDB as one
 * typed list, which are left byte-identical, and — run by real DuckDB over a table with NULLs and
 * integer columns of every width — that the compacted text answers exactly like the original.
 */
import { describe, expect, it } from 'vitest';
import { compactIntegerInLists, MIN_ITEMS } from '../../src/plan/in-list-subquery.ts';
import { serializeSelect } from '../../src/plan/select-ast.ts';
import { useDuckDB } from './support/duckdb.ts';

const db = useDuckDB();

const FIELDS: Record<string, string> = { id: 'long', i: 'integer', s: 'short', b: 'byte', v: 'string', d: 'double' };
const fieldType = (c: string): string | undefined => FIELDS[c.toLowerCase()];

async function compact(sql: string): Promise<string | undefined> {
  const [statement] = await serializeSelect(db.conn, sql);
  return compactIntegerInLists(sql, statement!, fieldType);
}

async function rows(sql: string): Promise<string> {
  const reader = await db.conn.runAndReadAll(sql);
  return JSON.stringify({ columns: reader.columnNames(), rows: reader.getRows() }, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

const items = (n: number, f = (k: number): number => k * 3): string => Array.from({ length: n }, (_, k) => f(k)).join(', ');

async function table(): Promise<void> {
  await db.conn.run(`CREATE OR REPLACE TABLE t AS SELECT range::BIGINT AS id, CASE WHEN range % 7 = 0 THEN NULL ELSE (range * 2)::INTEGER END AS i,
    (range % 300)::SMALLINT AS s, (range % 100)::TINYINT AS b, 'v' || range AS v, range / 2 AS d FROM range(2000)`);
}

describe('compactIntegerInLists', () => {
  it('writes a long integer IN list in WHERE as one typed list and leaves every other byte as written', async () => {
    const sql = `SELECT count(*) AS n, 'é' AS x FROM t WHERE id IN (${items(200)}) -- trailing`;
    const out = await compact(sql);
    expect(out).toBe(`SELECT count(*) AS n, 'é' AS x FROM t WHERE id IN (SELECT unnest('[${items(200).replaceAll(', ', ',')}]'::BIGINT[])) -- trailing`);
  });

  it('answers exactly like the list: IN, NOT IN, NULL columns, every integer width, AND / OR / NOT, qualified names, extremes', async () => {
    await table();
    const cases = [
      `SELECT * FROM t WHERE id IN (${items(300)}) ORDER BY id`,
      `SELECT id, i FROM t WHERE i NOT IN (${items(300)}) ORDER BY id`,
      `SELECT count(*), count(i) FROM t WHERE i IN (${items(500, (k) => k * 2)})`,
      `SELECT count(*) FROM t WHERE NOT (i IN (${items(500, (k) => k * 2)}))`,
      `SELECT count(*) FROM t WHERE s IN (${items(100, (k) => k * 7 - 200)}) OR b IN (${items(100, (k) => k * 1000)})`,
      `SELECT count(*) FROM t AS x WHERE x.b IN (${items(100, (k) => k - 50)}) AND x.id NOT IN (${items(100)})`,
      `SELECT count(*) FROM t WHERE id IN (9223372036854775807, -9223372036854775808, ${items(100)})`,
      `SELECT id IN (${items(100)}) AS hit, count(*) FROM t WHERE i IN (${items(100)}) GROUP BY ALL ORDER BY ALL`,
    ];
    for (const sql of cases) {
      const out = await compact(sql);
      expect(out, sql).toBeDefined();
      expect(out).toContain('SELECT unnest(');
      expect(await rows(out!), sql).toBe(await rows(sql));
    }
  });

  it('leaves lists it cannot prove equal as written (undefined: nothing to change)', async () => {
    await table();
    const declined = [
      `SELECT count(*) FROM t WHERE id IN (${items(MIN_ITEMS - 1)})`, // short
      `SELECT count(*) FROM t WHERE v IN (${items(100)})`, // a VARCHAR column
      `SELECT count(*) FROM t WHERE d IN (${items(100)})`, // not an integer column
      `SELECT count(*) FROM t WHERE id IN (${items(100)}, NULL)`, // a NULL item
      `SELECT count(*) FROM t WHERE id IN (${items(100)}, 2.5)`, // a non-integer item
      `SELECT count(*) FROM t WHERE id IN (${items(100)}, +7)`, // not written as plain digits
      `SELECT count(*) FROM t WHERE id IN (${items(100)}, 1_000)`,
      `SELECT count(*) FROM t WHERE id IN (${items(50)} /* c */, ${items(50)})`, // a comment inside
      `SELECT count(*) FROM t WHERE id IN (${items(100)}, 007)`,
      `SELECT id IN (${items(100)}) FROM t`, // select list (output names come from the text)
      `SELECT count(*) FROM t WHERE id + 1 IN (${items(100)})`, // not a column
      `SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM t AS u WHERE u.id IN (${items(100)}))`, // another scope
      `SELECT count(*) FROM t WHERE list_count(list_filter([1, 2], id -> id IN (${items(100)}))) > 0`, // a lambda
      `SELECT count(*) FROM t JOIN t AS u USING (id) WHERE id IN (${items(100)})`, // not one base table
      `SELECT count(*) FROM t WHERE other.id IN (${items(100)})`, // another relation's name
    ];
    for (const sql of declined) expect(await compact(sql), sql).toBeUndefined();
  });

  it('is linear: a 20,000-item list is found and written in one pass', async () => {
    const sql = `SELECT count(*) FROM t WHERE id IN (${items(20_000)})`;
    const out = await compact(sql);
    expect(out!.length).toBeLessThan(sql.length);
    await table();
    expect(await rows(out!)).toBe(await rows(sql));
  });
});

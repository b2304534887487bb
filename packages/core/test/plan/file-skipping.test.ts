import { describe, expect, it } from 'vitest';
import { integerListLiteral } from '../../src/plan/file-skipping.ts';
import { useDuckDB } from './support/duckdb.ts';
import { isSelectNode, serializeSelect, type Expr } from '../../src/plan/select-ast.ts';

const db = useDuckDB();

/** The items of `x IN (…)` as DuckDB's parser gives them. */
async function inItems(list: string): Promise<Expr[]> {
  const [stmt] = await serializeSelect(db.conn, `SELECT 1 WHERE x IN (${list})`);
  if (!isSelectNode(stmt!.node)) throw new Error('expected a SELECT');
  const where = stmt!.node.where_clause as unknown as { children: Expr[] };
  return where.children.slice(1);
}

describe('integerListLiteral (IN lists rendered without a DuckDB round trip)', () => {
  it('writes integer constants exactly, including values past 2^53 and negatives, as DuckDB reads them', async () => {
    const list = '1, -2, 9007199254740993, -9223372036854775808, 9223372036854775807, 300000000000';
    const literal = integerListLiteral(await inItems(list));
    expect(literal).toBeDefined();
    const fromLiteral = (await db.conn.runAndReadAll(`SELECT ${literal!}::VARCHAR`)).getRows()[0]![0];
    const fromDuckDB = (await db.conn.runAndReadAll(`SELECT [${list}]::BIGINT[]::VARCHAR`)).getRows()[0]![0];
    expect(fromLiteral).toBe(fromDuckDB);
  });

  it('declines lists with anything but non-NULL integer constants (DuckDB renders those)', async () => {
    for (const list of ['1, NULL', "1, 'a'", '1, 2.5', '1, 2::BIGINT', '1, 1 + 1', '1, $1', '170141183460469231731687303715884105727']) {
      expect(integerListLiteral(await inItems(list)), list).toBeUndefined();
    }
  });

  it('renders a 20,000-item list in one pass', async () => {
    const items = await inItems(Array.from({ length: 20_000 }, (_, i) => i * 3).join(', '));
    const literal = integerListLiteral(items)!;
    const [[n, last]] = (await db.conn.runAndReadAll(`SELECT len(${literal}), ${literal}[-1]`)).getRows() as [[bigint, bigint]];
    expect([n, last]).toEqual([20_000n, 59_997n]);
  });
});

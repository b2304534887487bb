import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors/index.ts';
import { columnRef, deserializeSelect, functionCall, integerConstant, isSelectNode, renderExpression, selectNode, serializeSelect, baseTable, type Expr, type SelectNode, type SelectStatement } from '../../src/plan/select-ast.ts';
import { exprKey, mapChildren, sameExpr } from '../../src/plan/ast-walk.ts';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

function selectOf(stmt: SelectStatement): SelectNode {
  if (!isSelectNode(stmt.node)) throw new Error('expected a SELECT node');
  return stmt.node;
}

async function roundTrip(sql: string): Promise<string> {
  const [stmt] = await serializeSelect(conn, sql);
  return deserializeSelect(conn, stmt!);
}

describe('select-ast', () => {
  it('round-trips SELECTs through DuckDB (golden)', async () => {
    expect(await roundTrip('select region, SUM(amount)/count(*) as x from t where a > 1 group by region having count(*) > 1 order by x desc limit 3 offset 1'))
      .toBe('SELECT region, (sum(amount) / count_star()) AS x FROM t WHERE (a > 1) GROUP BY region HAVING (count_star() > 1) ORDER BY x DESC LIMIT 3 OFFSET 1');
    expect(await roundTrip("SELECT * FROM t WHERE b IN (1, 2) AND c BETWEEN 1 AND 2 AND d::DATE = DATE '2024-01-01'"))
      .toBe("SELECT * FROM t WHERE ((b IN (1, 2)) AND (c BETWEEN 1 AND 2) AND (CAST(d AS DATE) = CAST('2024-01-01' AS DATE)))");
  });

  it('keeps integer literals beyond 2^53 exact', async () => {
    expect(await roundTrip('SELECT 9007199254740993, 170141183460469231731687303715884105727 FROM t WHERE id = -9223372036854775807'))
      .toBe('SELECT 9007199254740993, 170141183460469231731687303715884105727 FROM t WHERE (id = -9223372036854775807)');
  });

  it('maps a syntax error to ERR_SQL_PARSE and a non-SELECT to ERR_SQL_UNSUPPORTED', async () => {
    await expect(serializeSelect(conn, 'SELEC 1')).rejects.toSatisfy((e: unknown) => isAppError(e, 'ERR_SQL_PARSE'));
    await expect(serializeSelect(conn, 'INSERT INTO t VALUES (1)')).rejects.toSatisfy((e: unknown) => isAppError(e, 'ERR_SQL_UNSUPPORTED'));
  });

  it('builds statements DuckDB prints back', async () => {
    const node = selectNode({
      select_list: [{ ...functionCall('sum', [columnRef('t', 'amount')]), alias: 's' }, integerConstant(7)],
      from_table: baseTable('__k3_partition', 't'),
    });
    expect(await deserializeSelect(conn, { node })).toBe('SELECT sum(t.amount) AS s, 7 FROM __k3_partition AS t');
  });

  it('renders an expression the way DuckDB names the result column', async () => {
    const [stmt] = await serializeSelect(conn, 'SELECT SUM(Amount)/COUNT(*) AS ignored FROM t');
    const node = stmt!.node;
    if (!isSelectNode(node)) throw new Error('expected a SELECT node');
    expect(await renderExpression(conn, node.select_list[0]!)).toBe('(sum(Amount) / count_star())');
  });

  it('compares expressions structurally, ignoring positions, aliases and identifier case', async () => {
    const [a] = await serializeSelect(conn, 'SELECT sum(Amount) AS x FROM t');
    const [b] = await serializeSelect(conn, 'SELECT   SUM(amount) FROM t');
    const [c] = await serializeSelect(conn, 'SELECT sum(amount + 1) FROM t');
    const first = (s: typeof a): Expr => selectOf(s!).select_list[0]!;
    expect(sameExpr(first(a), first(b))).toBe(true);
    expect(sameExpr(first(a), first(c))).toBe(false);
    expect(exprKey(first(a))).not.toContain('query_location');
  });

  it('mapChildren rewrites nested expressions immutably', async () => {
    const [stmt] = await serializeSelect(conn, 'SELECT CASE WHEN a > 1 THEN b ELSE -c END FROM t');
    const node = selectOf(stmt!);
    const rename = (e: Expr): Expr => (e.class === 'COLUMN_REF' ? columnRef(`x_${e.column_names.at(-1)}`) : mapChildren(e, rename));
    const out = rename(node.select_list[0]!);
    const printed = await renderExpression(conn, out);
    expect(printed).toBe('CASE  WHEN ((x_a > 1)) THEN (x_b) ELSE -(x_c) END');
    expect(await renderExpression(conn, node.select_list[0]!)).toBe('CASE  WHEN ((a > 1)) THEN (b) ELSE -(c) END');
  });
});

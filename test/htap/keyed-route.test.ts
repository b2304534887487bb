/**
 * Golden routing decisions for tables with merge keys (keyed-route.ts): the WHERE / ON predicate
 * is read from DuckDB's own parse tree, so spelling variants (qualified names, casts, reversed
 * comparisons, composite keys) route alike, and anything not pinned by the keys stays on Delta.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createDuckDB, type K3DuckDB } from '../../packages/core/src/exec/index.ts';
import { singleStatement } from '../../packages/core/src/sql/classify-statement.ts';
import { routeKeyedWrite } from '../../packages/core/src/sql/keyed-route.ts';

let db: K3DuckDB;
let conn: DuckDBConnection;
beforeAll(async () => {
  db = await createDuckDB({ threads: 1 });
  conn = await db.connect();
});
afterAll(() => {
  conn.closeSync();
  db.closeSync();
});

async function route(sql: string, keys: string[]): Promise<string> {
  const statement = singleStatement(sql);
  if (statement.shape.kind !== 'dml') throw new Error(`not DML: ${sql}`);
  const r = await routeKeyedWrite(conn, statement, statement.shape, keys);
  return `${r.strategy.replace('WRITE_STRATEGY_', '')}@${r.path}`;
}

const GOLDEN: [string, string[], string][] = [
  ["INSERT INTO t VALUES (1, 'a')", ['id'], 'KEYED_INSERT_SINGLE@wal'],
  ['INSERT INTO t DEFAULT VALUES', ['id'], 'KEYED_INSERT_SINGLE@wal'],
  ["INSERT INTO t VALUES (1, 'a'), (2, 'b')", ['id'], 'KEYED_INSERT_BULK@wal'],
  ["INSERT INTO t VALUES (1, 'a') ON CONFLICT DO NOTHING", ['id'], 'KEYED_INSERT_SINGLE@wal'],
  ['INSERT INTO t SELECT * FROM s', ['id'], 'KEYED_INSERT_FROM_SELECT@wal'],
  ["UPDATE t SET v = 'x' WHERE id = 1", ['id'], 'KEYED_UPDATE@wal'],
  ["UPDATE t SET v = 'x' WHERE 1 = t.id", ['id'], 'KEYED_UPDATE@wal'],
  ["UPDATE t SET v = 'x' WHERE id = CAST('7' AS INTEGER)", ['id'], 'KEYED_UPDATE@wal'],
  ["UPDATE t SET v = 'x' WHERE id = 1 AND v = 'y'", ['id'], 'KEYED_UPDATE@wal'],
  ["UPDATE t SET v = 'x' WHERE a = 1 AND b = 'k'", ['a', 'b'], 'KEYED_UPDATE@wal'],
  ["UPDATE t SET v = 'x' WHERE a = 1", ['a', 'b'], 'KEYED_RANGE@wal'],
  ["UPDATE t SET v = 'x' WHERE id BETWEEN 1 AND 9", ['id'], 'KEYED_RANGE@wal'],
  ["UPDATE t SET v = 'x' WHERE id > 5", ['id'], 'KEYED_RANGE@wal'],
  ["UPDATE t SET v = 'x' WHERE id IN (1, 2, 3)", ['id'], 'KEYED_RANGE@wal'],
  ["UPDATE t SET v = 'x' WHERE id IN (SELECT id FROM s)", ['id'], 'KEYED_FROM_SUBQUERY@wal'],
  ["UPDATE t SET v = 'x' WHERE id = 1 OR id = 2", ['id'], 'NON_KEYED_UPDATE@delta'],
  ["UPDATE t SET v = 'x' WHERE v = 'y'", ['id'], 'NON_KEYED_UPDATE@delta'],
  ["UPDATE t SET v = 'x'", ['id'], 'NON_KEYED_UPDATE@delta'],
  ["UPDATE t SET v = s.v FROM s WHERE t.id = s.id", ['id'], 'NON_KEYED_UPDATE@delta'],
  ['DELETE FROM t WHERE id = 4', ['id'], 'KEYED_DELETE@wal'],
  ['DELETE FROM t WHERE id < 4', ['id'], 'KEYED_RANGE_DELETE@wal'],
  ['DELETE FROM t WHERE id IN (SELECT id FROM s)', ['id'], 'KEYED_DELETE_FROM_SUBQUERY@wal'],
  ["DELETE FROM t WHERE v LIKE 'a%'", ['id'], 'NON_KEYED_DELETE@delta'],
  ['DELETE FROM t', ['id'], 'NON_KEYED_DELETE@delta'],
  ['TRUNCATE t', ['id'], 'NON_KEYED_DELETE@delta'],
  ["MERGE INTO t USING (VALUES (1, 'a')) AS s(id, v) ON t.id = s.id WHEN MATCHED THEN UPDATE SET v = s.v", ['id'], 'MERGE_ROWS@wal'],
  ['MERGE INTO t USING (SELECT * FROM s) AS s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)', ['id'], 'MERGE_QUERY@wal'],
  ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', ['id'], 'MERGE_TABLE@wal'],
  ['MERGE INTO t USING s ON t.v = s.v WHEN MATCHED THEN DELETE', ['id'], 'MERGE_TABLE@delta'],
  ['MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE', ['a', 'b'], 'MERGE_TABLE@delta'],
];

describe('routeKeyedWrite', () => {
  it.each(GOLDEN)('%s (keys %j) → %s', async (sql, keys, want) => {
    expect(await route(sql, keys)).toBe(want);
  });
});

import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { K3DuckDB } from '../../src/exec/index.ts';
import { PrintedSqlCache } from '../../src/plan/printed-sql-cache.ts';
import { deserializeSelect, renderExpression, serializeSelect, isSelectNode } from '../../src/plan/select-ast.ts';
import { instrument } from '../sql/duckdb-call-counter.ts';

let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
});
afterAll(() => instance.closeSync());

describe('printed SQL cache', () => {
  it('prints a repeated statement shape once: the second request asks DuckDB nothing', async () => {
    const { db, counter } = instrument({ instance, sandboxed: false, connect: () => instance.connect(), closeSync: () => undefined } as unknown as K3DuckDB);
    const conn = await db.connect();
    try {
      // A text no other test prints (the cache is per process).
      const [stmt] = await serializeSelect(conn, 'SELECT sum(v) * 3 + count(*) AS printed_once_probe FROM kv WHERE id > 41');
      const node = stmt!.node;
      if (!isSelectNode(node)) throw new Error('expected a SELECT node');
      counter.reset();
      const first = await deserializeSelect(conn, stmt!);
      const name = await renderExpression(conn, node.select_list[0]!);
      expect(counter.calls.length).toBe(2);
      counter.reset();
      expect(await deserializeSelect(conn, stmt!)).toBe(first);
      expect(await renderExpression(conn, node.select_list[0]!)).toBe(name);
      expect(counter.calls).toEqual([]);
      expect(first).toBe('SELECT ((sum(v) * 3) + count_star()) AS printed_once_probe FROM kv WHERE (id > 41)');
      expect(name).toBe('((sum(v) * 3) + count_star())');
    } finally {
      conn.closeSync();
    }
  });

  it('is bounded by entries and characters, least recently used out', () => {
    const cache = new PrintedSqlCache(2, 100);
    cache.set('a', 'A');
    cache.set('b', 'B');
    expect(cache.get('a')).toBe('A'); // a is now the most recent
    cache.set('c', 'C');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('A');
    expect(cache.get('c')).toBe('C');
    cache.set('x'.repeat(60), 'y'.repeat(50)); // larger than the character bound: not kept
    expect(cache.get('x'.repeat(60))).toBeUndefined();
    cache.set('d'.repeat(50), 'D'.repeat(49)); // 99 characters: a and c must go
    expect(cache.size).toBe(1);
    expect(cache.get('a')).toBeUndefined();
  });
});

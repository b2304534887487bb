/** The Morton key in DuckDB SQL orders a grid exactly like a bit-interleaving reference in JS. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { createDuckDB, type K3DuckDB } from '../../src/exec/duckdb-instance.ts';
import { zorderBits, zorderSql } from '../../src/maintenance/zorder-sql.ts';

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

function morton(a: number, b: number, bits: number): number {
  let key = 0;
  for (let i = 0; i < bits; i++) key += (((a >> i) & 1) * 2 + ((b >> i) & 1)) * 4 ** i;
  return key;
}

describe('zorderSql', () => {
  it('orders an 8×8 grid (with a text column and NULLs) along the Z curve', async () => {
    // a: 10·x (ranks 0..7); b: letters (ranks 0..6) and NULL last (rank 7).
    const source = "SELECT x * 10 AS a, CASE WHEN y = 7 THEN NULL ELSE chr((97 + y)::INTEGER) END AS b, x, y FROM range(8) r(x), range(8) s(y)";
    const rows = (await conn.runAndReadAll(`SELECT x, y, __k3_zorder_chunk FROM (${zorderSql(source, ['a', 'b'], 4)}) ORDER BY __k3_zorder_key`)).getRows();
    const got = rows.map((r) => [Number(r[0]), Number(r[1])]);
    const expected = [...got].sort((p, q) => morton(p[0]!, p[1]!, 3) - morton(q[0]!, q[1]!, 3));
    expect(got).toEqual(expected);
    // Four chunks of 16 rows, each a 4×4 quadrant.
    expect(rows.map((r) => Number(r[2]))).toEqual(Array.from({ length: 64 }, (_, i) => 1 + Math.floor(i / 16)));
    expect(new Set(got.slice(0, 16).map(([x, y]) => `${x! < 4}${y! < 4}`))).toEqual(new Set(['truetrue']));
  });

  it('keeps the key within 64 bits for any column count', () => {
    expect(zorderBits(1)).toBe(32);
    expect(zorderBits(2)).toBe(32);
    expect(zorderBits(3)).toBe(21);
    expect(zorderBits(16)).toBe(4);
    expect(() => zorderSql('SELECT 1 AS a', [])).toThrow(/1 to 16 columns/);
  });
});

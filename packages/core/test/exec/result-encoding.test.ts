import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDB, encodeReader, encodeResult, withConnection, type K3DuckDB } from '../../src/exec/index.ts';
import { DUCKDB_KEYWORDS } from '../../src/exec/duckdb-keywords.ts';
import { GOLDEN } from './result-golden.ts';
import { inWireForm } from '../support/wire-rows.ts';

describe('result encoding', () => {
  let db: K3DuckDB;
  beforeAll(async () => {
    db = await createDuckDB({ threads: 1 });
  });
  afterAll(() => db.closeSync());

  it('encodes every type per the golden table, with the type text DuckDB prints', async () => {
    const select = GOLDEN.map(([expr], i) => `${expr} AS c${i}, typeof(${expr}) AS t${i}`).join(', ');
    // Core's domain rows, encoded as every adapter encodes them (encodeRows by column type).
    const encoded = inWireForm(await withConnection(db, async (conn) => encodeReader(await conn.runAndReadAll(`SELECT ${select}`))));
    expect(encoded.rows).toHaveLength(1);
    const row = encoded.rows[0]!;
    GOLDEN.forEach(([expr, type, value], i) => {
      const col = encoded.columns[2 * i]!;
      expect({ expr, name: col.name, type: col.type, value: row[2 * i] }).toEqual({ expr, name: `c${i}`, type, value });
      // Our type text is exactly DuckDB's own typeof() text.
      expect({ expr, type: row[2 * i + 1] }).toEqual({ expr, type });
    });
    // The wire form survives JSON serialization unchanged (no bigint, no NaN numbers).
    expect(JSON.parse(JSON.stringify(encoded))).toEqual(encoded);
  });

  it('encodes a materialized result from conn.run and many rows', async () => {
    const encoded = await withConnection(db, async (conn) =>
      encodeResult(await conn.run('SELECT range AS id, range::INTEGER % 3 AS m FROM range(5000) ORDER BY id')));
    expect(encoded.columns).toEqual([{ name: 'id', type: 'BIGINT' }, { name: 'm', type: 'INTEGER' }]);
    expect(encoded.rows).toHaveLength(5000);
    expect(encoded.rows[4999]).toEqual([4999n, 4999 % 3]);
  });

  it('keeps duplicate column names and an empty result', async () => {
    const encoded = await withConnection(db, async (conn) =>
      encodeReader(await conn.runAndReadAll('SELECT 1 AS a, 2 AS a FROM range(0)')));
    expect(encoded).toEqual({ columns: [{ name: 'a', type: 'INTEGER' }, { name: 'a', type: 'INTEGER' }], rows: [] });
  });

  it('FLOAT values read back to the same float32, in at most 9 significant digits', async () => {
    const encoded = inWireForm(await withConnection(db, async (conn) =>
      encodeReader(await conn.runAndReadAll('SELECT f, f::DOUBLE FROM (SELECT (random() * 1e6 - 5e5)::FLOAT AS f FROM range(2000))'))));
    for (const [f, exact] of encoded.rows) {
      expect(typeof f).toBe('number');
      expect(Math.fround(f as number)).toBe(exact);
      expect((f as number).toPrecision(9).length).toBeGreaterThanOrEqual(String(Number((f as number).toPrecision(9))).length);
    }
  });

  it('the keyword list matches the running DuckDB', async () => {
    const names = await withConnection(db, async (conn) =>
      (await conn.runAndReadAll('SELECT keyword_name FROM duckdb_keywords()')).getRows().map((r) => r[0] as string));
    expect(new Set(names)).toEqual(DUCKDB_KEYWORDS);
  });
});

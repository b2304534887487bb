/**
 * encodeBounded returns domain rows and caps them by the size the wires print: bigints as their
 * quoted decimal text and bytes as quoted base64 — the exact JSON length of the encoded rows for
 * these types (JSON.stringify alone would throw on a bigint and print bytes as an index object).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRows } from '@k3/client/sdk';
import { jsonSize } from '../../src/exec/bounded-result.ts';
import { createDuckDB, encodeBounded, withConnection, type K3DuckDB } from '../../src/exec/index.ts';
import { codeOf } from '../support/error-code.ts';

const SQL = `SELECT i * 1234567890123::BIGINT AS big, i::INTEGER AS n, repeat('x', i::INTEGER) AS s,
  ('\\xAA\\x00' || repeat('b', i::INTEGER))::BLOB AS bytes, [i * 9007199254740993::HUGEINT, NULL] AS l
  FROM range(300) t(i)`;

let db: K3DuckDB;
beforeAll(async () => {
  db = await createDuckDB({ threads: 1 });
});
afterAll(() => db.closeSync());

describe('encodeBounded', () => {
  it('returns domain values and sizes them exactly as the encoded rows print', async () => {
    const res = await withConnection(db, async (conn) => encodeBounded(await conn.stream(SQL), undefined));
    expect(res.rows[2]).toEqual([2469135780246n, 2, 'xx', new Uint8Array([0xaa, 0, 0x62, 0x62]), [18014398509481986n, null]]);
    const wireLength = JSON.stringify(encodeRows(res.rows, res.columns)).length;
    expect(jsonSize(res.rows)).toBe(wireLength);
  });

  it('refuses a result one byte over K3_RESULT_MAX_BYTES and passes one at it', async () => {
    const all = await withConnection(db, async (conn) => encodeBounded(await conn.stream(SQL), undefined));
    const size = jsonSize(all.rows);
    const at = await withConnection(db, async (conn) => encodeBounded(await conn.stream(SQL), { maxRows: 1000, maxBytes: size }));
    expect(at.rows).toEqual(all.rows);
    // 300 rows are one DuckDB chunk, so the cap sees exactly this size.
    expect(await codeOf(withConnection(db, async (conn) => encodeBounded(await conn.stream(SQL), { maxRows: 1000, maxBytes: size - 1 })))).toBe('ERR_RESULT_TOO_LARGE');
  });
});

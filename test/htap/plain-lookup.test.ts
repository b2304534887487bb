/**
 * wip/lookup12: point lookups answered in JavaScript (packages/core/src/wal/plain-answer.ts) — a key
 * the overlay decides, or a key in a decoded file of plain columns — against the general path,
 * differentially: every plain type at its extremes, NULLs, strings with quotes / non-ASCII / empty,
 * negative keys, several files, overlay upserts, tombstones and new keys, `*` and column lists
 * (case-insensitive, repeated), STRONG / EVENTUAL / OLTP_ONLY. Each fast answer must also say it
 * was answered without DuckDB (else the test would pass on the old path too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Freshness, type ExecuteQueryResult } from '../../packages/core/src/api/index.ts';
import { createHarness, type Harness } from '../../packages/core/test/sql/engine-harness.ts';

let h: Harness;

const COLUMNS = 'id BIGINT PRIMARY KEY, i8 TINYINT, i16 SMALLINT, i32 INTEGER, u8 UTINYINT, u16 USMALLINT, u32 UINTEGER, u64 UBIGINT, big BIGINT, b BOOLEAN, s VARCHAR';
const STRINGS = ["it's", '', 'ümlaut ✓', '😀 emoji', 'a\\b', '"quoted"'];

function row(id: number, tag: string): string {
  if (id % 7 === 0) return `(${id}, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;
  const hi = id % 2 === 0;
  const s = `${tag} ${STRINGS[Math.abs(id) % STRINGS.length]!}`.replaceAll("'", "''");
  return `(${id}, ${hi ? 127 : -128}, ${hi ? 32767 : -32768}, ${hi ? 2147483647 : -2147483648}, ${hi ? 255 : 0}, ${hi ? 65535 : 0}, ${hi ? 4294967295 : 0}, ${hi ? '18446744073709551615' : 0}, ${hi ? '9223372036854775807' : '-9223372036854775808'}, ${id % 3 === 0}, '${s}')`;
}

async function query(sql: string, freshness: Freshness | undefined): Promise<ExecuteQueryResult> {
  const r = await h.engine.execute({ bucket: h.bucket, sql, ...(freshness !== undefined ? { freshness } : {}) });
  if (!('query' in r)) throw new Error(`not a query: ${sql}`);
  return r.query;
}

beforeAll(async () => {
  h = await createHarness({ K3_KEYED_FILE_ROWS: '40' }, { drainLogWrites: false });
  await h.ddl(`CREATE TABLE plain (${COLUMNS})`);
  // Keys −60 … 59 over several key-range files.
  await h.write(`INSERT INTO plain VALUES ${Array.from({ length: 120 }, (_, i) => row(i - 60, 'delta')).join(', ')}`);
  while ((await h.engine.compact(h.bucket, 'plain')).truncated);
  await h.write(`INSERT OR REPLACE INTO plain VALUES ${[-59, -3, 4, 21, 50].map((id) => row(id, 'log')).join(', ')}`);
  await h.write(`INSERT INTO plain VALUES ${[100, 101, 105].map((id) => row(id, 'new')).join(', ')}`);
  await h.write('DELETE FROM plain WHERE id IN (-58, 5, 22, 101)');
});
afterAll(async () => {
  await h?.close();
});

describe('point lookups answered without DuckDB = the general path', () => {
  it('overlay and decoded plain files, every plain type, *, column lists', async () => {
    const keys = [-60, -59, -58, -3, -1, 0, 4, 5, 7, 21, 22, 49, 50, 59, 60, 100, 101, 105, 1000];
    const overlay = new Set([-59, -3, 4, 21, 50, 100, 105, -58, 5, 22, 101]);
    const projections = ['*', 'S, "ID", i8, u64, big, b, s', 'u32, i16, u16, u8, i32'];
    let plain = 0;
    for (const freshness of [Freshness.STRONG, undefined, Freshness.OLTP_ONLY]) {
      for (const projection of projections) {
        for (const id of keys) {
          const general = await query(`SELECT ${projection} FROM plain WHERE (id = ${id})`, freshness);
          // Overlay keys (STRONG), every OLTP_ONLY key and every key a (loaded) Delta file holds.
          const expected = freshness === Freshness.OLTP_ONLY || (freshness === Freshness.STRONG && overlay.has(id)) || (id >= -60 && id < 60);
          let a: ExecuteQueryResult | undefined;
          for (let attempt = 0; attempt < 50; attempt++) {
            a = await query(`SELECT ${projection} FROM plain WHERE id = ${id}`, freshness);
            expect(a.strategyReason, `${projection} id ${id}`).toContain('point lookup');
            expect(a.columns, `${projection} id ${id}`).toEqual(general.columns);
            expect(a.rows, `${projection} id ${id} at ${freshness ?? 'EVENTUAL'}`).toEqual(general.rows);
            if (a.strategyReason.includes('without DuckDB') || !expected) break;
            await h.engine.lookupCacheSettled();
          }
          expect(a!.strategyReason.includes('without DuckDB'), `${projection} id ${id} at ${freshness ?? 'EVENTUAL'}: ${a!.strategyReason}`).toBe(expected);
          if (expected) plain++;
        }
      }
    }
    expect(plain).toBeGreaterThan(100);
    // Spot checks of the values themselves.
    expect((await query('SELECT big, u64, s FROM plain WHERE id = 4', Freshness.STRONG)).rows).toEqual([[9223372036854775807n, 18446744073709551615n, 'log a\\b']]);
    expect((await query('SELECT big, u64, s FROM plain WHERE id = -3', Freshness.STRONG)).rows).toEqual([[-9223372036854775808n, 0n, 'log 😀 emoji']]);
    expect((await query('SELECT * FROM plain WHERE id = 5', Freshness.STRONG)).rows).toEqual([]);
  }, 120_000);

  it('a table with a column that is not plain keeps the DuckDB answers (and they are the same)', async () => {
    await h.ddl('CREATE TABLE mixed (id BIGINT PRIMARY KEY, d DOUBLE, s VARCHAR)');
    await h.write("INSERT INTO mixed VALUES (1, 0.1, 'a'), (2, -0.0, 'b'), (3, 'inf', NULL)");
    while ((await h.engine.compact(h.bucket, 'mixed')).truncated);
    await h.write("INSERT OR REPLACE INTO mixed VALUES (2, 1e300, 'c')");
    for (const freshness of [Freshness.STRONG, undefined]) {
      for (const id of [1, 2, 3, 4]) {
        for (let i = 0; i < 3; i++) {
          const a = await query(`SELECT * FROM mixed WHERE id = ${id}`, freshness);
          const b = await query(`SELECT * FROM mixed WHERE (id = ${id})`, freshness);
          expect(a.rows).toEqual(b.rows);
          expect(a.columns).toEqual(b.columns);
          // s alone is plain: the overlay answers it in JavaScript; the file (d is DOUBLE) is not held so.
          if (a.strategyReason.includes('decoded-file cache')) expect(a.strategyReason).not.toContain('without DuckDB');
          await h.engine.lookupCacheSettled();
        }
      }
    }
    const s = await query('SELECT s FROM mixed WHERE id = 2', Freshness.STRONG);
    expect(s.rows).toEqual([['c']]);
    expect(s.strategyReason).toContain('without DuckDB');
    const d = await query('SELECT d FROM mixed WHERE id = 2', Freshness.STRONG);
    expect(d.rows).toEqual([[1e300]]);
    expect(d.strategyReason).not.toContain('without DuckDB');
  }, 60_000);
});

/**
 * A blind INSERT OR REPLACE of a plain SELECT captured without the scratch table
 * (packages/core/src/sql/blind-select.ts; docs/design/hot-path.md, "Bulk upserts, round 12
 * (wip/bulk12)"). Differential: every statement runs on DuckDB itself (twin tables `ta` / `tb`
 * with a PRIMARY KEY), on this coordinator (the SELECT capture on) against `ta`, and on a second
 * coordinator (own engine, same bucket, K3_BLIND_SELECT_CAPTURE=false: the scratch-table path)
 * against `tb`, both holding the same rows in Delta, in the un-drained log and as tombstones. Per
 * statement: the same rowsAffected or both refuse with the same code, and the SAME write-log record
 * (every WalWriter.append spied); which statements the SELECT capture answered is asserted (with it
 * off the list is all false, and the test fails). Then both tables read the same from both
 * coordinators STRONG, equal DuckDB's, and after a drain EVENTUAL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blindSelectTaken } from '../../packages/core/src/sql/blind-select.ts';
import { twinDifferential, type TwinDifferential } from './twin-differential.ts';

let twins: TwinDifferential;
beforeAll(async () => {
  twins = await twinDifferential({ K3_BLIND_SELECT_CAPTURE: 'false' }, blindSelectTaken);
});
afterAll(async () => {
  await twins?.close();
});

describe('a blind INSERT OR REPLACE captured from its SELECT', () => {
  it('writes what the scratch-table path writes (rows, rowsAffected, errors, the log record)', async () => {
    // The twins' table: keys in Delta (1–100), in the log (10–14 updated, 150), tombstoned (20, 21, 151).
    await twins.seed();
    const cases: [string, boolean][] = [
      // The bench's shape over keys in Delta (1–30, 10–14 also in the log), in the log (150), tombstoned (20, 21, 151) and new.
      ["INSERT OR REPLACE INTO {t} SELECT i, i % 100, i / 2, i / 4, 'b' || i, NULL FROM range(1, 31) r(i)", true],
      ["INSERT OR REPLACE INTO {t} SELECT i, 7, NULL, NULL, 'c' || i, TIMESTAMP '2026-05-01' FROM range(145, 160) r(i)", true],
      // Casts as INSERT casts: INTEGER into SMALLINT, text into DOUBLE and TIMESTAMP, DOUBLE into DECIMAL(6,2) (rounds), INTEGER into VARCHAR.
      ["INSERT OR REPLACE INTO {t} SELECT 300, 40, '1.5', 2.675, 77, '2026-01-01 10:00:00'", true],
      // Refused alike: out of SMALLINT's range, NULL into NOT NULL, a NULL key, text that is not a number.
      ["INSERT OR REPLACE INTO {t} SELECT 301, 40000, 1, 1, 'x', NULL", false],
      ['INSERT OR REPLACE INTO {t} SELECT 302, 1, 1, 1, NULL, NULL', false],
      ["INSERT OR REPLACE INTO {t} SELECT NULL, 1, 1, 1, 'x', NULL", false],
      ["INSERT OR REPLACE INTO {t} SELECT 303, 1, 'one', 1, 'x', NULL", false],
      // A key twice in one statement: OR REPLACE decides (the scratch-table path).
      ["INSERT OR REPLACE INTO {t} SELECT i % 2 + 400, i, 1, 1, 'dup' || i, NULL FROM range(4) r(i)", false],
      // Too few and too many columns: refused alike.
      ['INSERT OR REPLACE INTO {t} SELECT 304, 1', false],
      ["INSERT OR REPLACE INTO {t} SELECT 305, 1, 1, 1, 'x', NULL, 7", false],
      // Widths not known from the tokens: a star, a product, a trailing comma, a struct literal, a set operation, FROM-first, VALUES.
      ["INSERT OR REPLACE INTO {t} SELECT * FROM (VALUES (306, 1, 1.0, 1.0, 'star', NULL))", false],
      ["INSERT OR REPLACE INTO {t} SELECT i, i * 2, 1, 1, 'prod', NULL FROM range(500, 503) r(i)", false],
      ["INSERT OR REPLACE INTO {t} SELECT 307, 1, 1, 1, 'tc', NULL, FROM range(1)", false],
      ["INSERT OR REPLACE INTO {t} SELECT 308, 1, 1, 1, {'x': 1, 'y': 2}, NULL", false],
      ["INSERT OR REPLACE INTO {t} SELECT 309, 1, 1, 1, 'u1', NULL UNION ALL SELECT 310, 2, 2, 2, 'u2', NULL", false],
      ["INSERT OR REPLACE INTO {t} FROM range(510, 512) r(i) SELECT i, 1, 1, 1, 'ff', NULL", false],
      ["INSERT OR REPLACE INTO {t} VALUES (311, 1, 1, 1, 'values', NULL)", false],
      // Clauses after the list, commas inside parentheses, CASE, DISTINCT, quoted names.
      ["INSERT OR REPLACE INTO {t} SELECT i, i % 7, i / 4, i / 8, 'o' || i, NULL FROM range(600, 700) r(i) ORDER BY i DESC LIMIT 10", true],
      ["INSERT OR REPLACE INTO {t} SELECT i, CASE WHEN i > 701 THEN 1 ELSE 2 END, greatest(i, 2), round(i / 3, 2), concat('c', i), make_timestamp(2026, 1, 1, 0, 0, 0) FROM range(700, 703) r(i)", true],
      ["INSERT OR REPLACE INTO {t} SELECT DISTINCT \"x\" % 3 + 900, 1, 1.0, 1.0, 'd', NULL FROM range(9) r(\"x\")", true],
      // Commas inside parentheses are not the list's (the struct literal above, at depth 0, is refused).
      ["INSERT OR REPLACE INTO {t} SELECT 312, 1, 1, 1, CAST({'x': 1, 'y': 2} AS VARCHAR), NULL", true],
      // The same rows again (every row replaced by an equal one: counted, recorded).
      ["INSERT OR REPLACE INTO {t} SELECT i, i % 100, i / 2, i / 4, 'b' || i, NULL FROM range(1, 31) r(i)", true],
    ];
    const taken: boolean[] = [];
    for (const [sql] of cases) taken.push((await twins.differential(sql)).fast);
    expect(cases.map(([sql], i) => `${taken[i]} ${sql}`)).toEqual(cases.map(([sql, images]) => `${images} ${sql}`));
    await twins.assertSameRows();
  });

  it('is not used for DOUBLE keys (-0.0 and 0.0 are one key), nor for tables with CHECK constraints', async () => {
    for (const [i, [setup, sql]] of ([
      ['CREATE TABLE {t} (k DOUBLE PRIMARY KEY, s VARCHAR)', "INSERT OR REPLACE INTO {t} SELECT x, 's' || x FROM (VALUES (-0.0), (0.0), (1.5)) v(x)"],
      ['CREATE TABLE {t} (k BIGINT PRIMARY KEY, n INTEGER CHECK (n > 0))', 'INSERT OR REPLACE INTO {t} SELECT i, i FROM range(0, 3) r(i)'],
    ] as const).entries()) {
      const [x, y] = [`x${i}`, `y${i}`];
      for (const t of [x, y]) {
        await twins.c.h.ddl(setup.replaceAll('{t}', t));
        await twins.c.ref.runAll([setup.replaceAll('{t}', t)]);
      }
      const { fast } = await twins.differential(sql, [x, y]);
      expect(fast, sql).toBe(false);
    }
  });
});

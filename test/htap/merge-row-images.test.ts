/**
 * A keyed MERGE of the ingest shape answered by its row images (packages/core/src/sql/merge-images.ts;
 * docs/design/hot-path.md, "MERGE ingest: row images without MERGE (wip/ingest11)"). Differential:
 * every statement runs on DuckDB itself (twin tables `ta` / `tb` with a PRIMARY KEY), on this
 * coordinator (images on) against `ta`, and on a second coordinator (own engine, own warm state,
 * same bucket, K3_MERGE_ROW_IMAGES=false: today's MERGE path) against `tb`, both holding the same
 * rows in Delta, in the un-drained log and as tombstones. Per statement: the same rowsAffected or
 * both refuse with the same code, and the SAME write-log record (upserts and deletes, every
 * WalWriter.append spied); which statements the images answered is asserted (with the images off
 * the list is all false, and the test fails). Then both tables read the same from both
 * coordinators STRONG, equal DuckDB's, and after a drain EVENTUAL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeImagesTaken } from '../../packages/core/src/sql/merge-images.ts';
import { twinDifferential, type TwinDifferential } from './twin-differential.ts';

let twins: TwinDifferential;
beforeAll(async () => {
  twins = await twinDifferential({ K3_MERGE_ROW_IMAGES: 'false' }, mergeImagesTaken);
});
afterAll(async () => {
  await twins?.close();
});

describe('a keyed MERGE answered by its row images', () => {
  it('writes what the MERGE writes (rows, rowsAffected, errors, the log record)', async () => {
    // The twins' table: keys in Delta (1–100), in the log (10–14 updated, 150), tombstoned (20, 21, 151).
    await twins.seed();
    const bench = (rows: string): string => `MERGE INTO {t} AS t USING (VALUES ${rows}) AS s(id, a, v, d, note, ts) ON t.id = s.id
      WHEN MATCHED THEN UPDATE SET v = s.v, d = s.d, note = s.note WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.a, s.v, s.d, s.note, s.ts)`;
    const cases: [string, boolean][] = [
      // The bench's shape: keys in Delta (1, 2), in the log (10, 150), tombstoned (20), new (200); NULLs in non-key columns.
      [bench("(1, 1, 9.5, 1.25, 'm1', NULL), (2, NULL, NULL, NULL, 'm2', NULL), (10, 3, 2.5, 3.33, 'm10', TIMESTAMP '2026-02-01'), (150, 4, NULL, 4.00, 'm150', NULL), (20, 5, 5.5, NULL, 'back', NULL), (200, 6, 6.5, 6.66, 'new', TIMESTAMP '2026-03-01')"), true],
      // The same values again: rowsAffected counts them, the record holds nothing changed (no record at all).
      [bench("(1, 1, 9.5, 1.25, 'm1', NULL), (2, NULL, NULL, NULL, 'm2', NULL)"), true],
      // Half equal, half changed; -0.0 for 0.0 is "changed" only if the MERGE path says so.
      [bench("(1, 1, 9.5, 1.25, 'm1', NULL), (3, 1, -0.0, 0.75, 'n3', NULL), (201, 1, 0.0, 0, 'z', NULL)"), true],
      // Casts that narrow and widen: INTEGER into SMALLINT (insert), DOUBLE into DECIMAL(6,2) (rounds), DECIMAL into DOUBLE, INTEGER into VARCHAR.
      ['MERGE INTO {t} AS t USING (VALUES (4, 300, 1.005, 2.125, 77), (202, 301, 2.675, 3.3, 78)) AS s(id, a, x, y, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET d = s.x, v = s.y, note = s.n WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.a, s.y, s.x, s.n, NULL)', true],
      // A value out of the column's range: both refuse (the MERGE path's own error).
      ['MERGE INTO {t} AS t USING (VALUES (5, 40000)) AS s(id, a) ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a', false],
      ['MERGE INTO {t} AS t USING (VALUES (203, 40000)) AS s(id, a) ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id, s.a)', false],
      // DEFAULTs for columns the INSERT does not name (note's DEFAULT 'none', NULL elsewhere), columns in another order.
      ['MERGE INTO {t} AS t USING (VALUES (204, 7), (6, 8)) AS s(id, a) ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = t.a + s.a WHEN NOT MATCHED THEN INSERT (a, id) VALUES (s.a, s.id)', true],
      // NOT NULL column given NULL: refused.
      ['MERGE INTO {t} AS t USING (VALUES (205, NULL)) AS s(id, n) ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, note) VALUES (s.id, s.n)', false],
      ['MERGE INTO {t} AS t USING (VALUES (7, NULL)) AS s(id, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET note = s.n', false],
      // A generated key (not the source's): the images decline; the MERGE path checks it against STRONG.
      ['MERGE INTO {t} AS t USING (VALUES (8, 1)) AS s(id, a) ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id, s.a) WHEN MATCHED THEN UPDATE SET a = 2', true],
      ['MERGE INTO {t} AS t USING (VALUES (206, 1)) AS s(id, a) ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id + 1000, s.a)', false],
      ['MERGE INTO {t} AS t USING (VALUES (207, 1)) AS s(id, a) ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id - 198, s.a)', false], // = 9: a clash
      ['MERGE INTO {t} AS t USING (VALUES (208, 1)) AS s(id, a) ON t.id = s.id WHEN NOT MATCHED THEN INSERT (a) VALUES (s.a)', false], // NULL key
      // Duplicate source keys: inserted twice (refused), matched twice with the same values (DuckDB updates it twice).
      ["MERGE INTO {t} AS t USING (VALUES (209, 'a'), (209, 'b')) AS s(id, n) ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, note) VALUES (s.id, s.n)", false],
      ["MERGE INTO {t} AS t USING (VALUES (11, 'same'), (11, 'same')) AS s(id, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET note = s.n", false],
      // A source key the ON does not match because of its type: 2.4 is not 2 (the keys table casts it to 2), so DuckDB inserts 2: a duplicate.
      ["MERGE INTO {t} AS t USING (VALUES (2.4, 'x')) AS s(id, n) ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, note) VALUES (s.id, s.n)", false],
      ["MERGE INTO {t} AS t USING (VALUES (2.4, 'x')) AS s(id, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET note = s.n", false],
      // DECIMAL source keys compared with BIGINT ones: 3.0 matches 3, 210.0 inserts 210.
      ["MERGE INTO {t} AS t USING (VALUES (3.0, 'x3'), (210.0, 'y')) AS s(id, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET note = s.n WHEN NOT MATCHED THEN INSERT (id, note) VALUES (s.id, s.n)", true],
      // Keys as text mixed with decimals (VALUES unifies them to VARCHAR): the source-once path declines, so do the images.
      ["MERGE INTO {t} AS t USING (VALUES (3.0, 'x3'), ('215', 'y')) AS s(id, n) ON t.id = s.id WHEN MATCHED THEN UPDATE SET note = s.n WHEN NOT MATCHED THEN INSERT (id, note) VALUES (s.id, s.n)", false],
      // Quoted names, a CASE in SET (its WHEN is not a clause), UPDATE only, INSERT only with BY TARGET.
      ['MERGE INTO {t} AS "T" USING (VALUES (12, 5)) AS s(id, a) ON "T".id = s.id WHEN MATCHED THEN UPDATE SET "A" = CASE WHEN s.a > 3 THEN s.a * 2 ELSE "T".a END, "note" = \'case\'', true],
      ['MERGE INTO {t} AS t USING (VALUES (13, 1), (211, 2)) AS s(id, a) ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a', true],
      ["MERGE INTO {t} AS t USING (VALUES (13, 1), (212, 2)) AS s(id, a) ON t.id = s.id WHEN NOT MATCHED BY TARGET THEN INSERT (id, a, note) VALUES (s.id, s.a, 'ins')", true],
      // An ON with a condition besides the keys: every loaded row matched (taken); loaded rows it does not match (the MERGE path: it inserts a duplicate).
      ["MERGE INTO {t} AS t USING (VALUES (22, 1), (216, 2)) AS s(id, a) ON t.id = s.id AND t.note <> 'zzz' WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id, s.a)", true],
      ["MERGE INTO {t} AS t USING (VALUES (23, 1), (217, 2)) AS s(id, a) ON t.id = s.id AND t.a > 1000 WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id, s.a)", false],
      ["MERGE INTO {t} AS t USING (VALUES (24, 1)) AS s(id, a) ON t.id = s.id AND t.a > 1000 WHEN MATCHED THEN UPDATE SET a = s.a", false],
      // An inserted key computed from the source key (checked to be the named key), and a quoted qualifier.
      ['MERGE INTO {t} AS t USING (VALUES (25, 1), (218, 2)) AS "S"(id, a) ON t.id = "S".id WHEN MATCHED THEN UPDATE SET a = "S".a WHEN NOT MATCHED THEN INSERT (id, a) VALUES (CAST("S".id AS BIGINT) + 0, "S".a)', true],
      // A source naming no non-NULL key (nothing to load: the deferred DDL and keys table are made before the MERGE path).
      ['MERGE INTO {t} AS t USING (VALUES (NULL, 1)) AS s(id, a) ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a', false],
      ['MERGE INTO {t} AS t USING (VALUES (NULL, 1)) AS s(id, a) ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id, s.a)', false],
      // An unaliased target: its own name as the qualifier is the merged row, not a read of the table
      // (pre-pass.ts), so the MERGE loads only the named keys and the images answer it.
      ['MERGE INTO {t} USING (VALUES (26, 1), (219, 2)) AS s(id, a) ON {t}.id = s.id WHEN MATCHED THEN UPDATE SET a = {t}.a + s.a WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id, s.a)', true],
      // A source reading the target itself stays self-reading (every STRONG row loaded; the MERGE path).
      ['MERGE INTO {t} USING (SELECT id, a + 1 FROM {t} WHERE id IN (27, 28)) AS s(id, a) ON {t}.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a', false],
      // Shapes the images do not take: a condition, a DELETE, a key assigned, DO NOTHING, RETURNING-free but SET * / INSERT *.
      ["MERGE INTO {t} AS t USING (VALUES (14, 1), (213, 2)) AS s(id, a) ON t.id = s.id WHEN MATCHED AND s.a > 0 THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id, s.a)", false],
      ['MERGE INTO {t} AS t USING (VALUES (15, 1)) AS s(id, a) ON t.id = s.id WHEN MATCHED THEN DELETE', false],
      ['MERGE INTO {t} AS t USING (VALUES (16, 1)) AS s(id, a) ON t.id = s.id WHEN MATCHED THEN UPDATE SET id = 316', false],
      ['MERGE INTO {t} AS t USING (VALUES (17, 1)) AS s(id, a) ON t.id = s.id WHEN MATCHED THEN DO NOTHING WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id, s.a)', false],
      // An INSERT reading the target declines; a subquery declines.
      ['MERGE INTO {t} AS t USING (VALUES (18, 1), (214, 9)) AS s(id, a) ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = (SELECT 5) WHEN NOT MATCHED THEN INSERT (id, a) VALUES (s.id, s.a)', false],
    ];
    const taken: boolean[] = [];
    for (const [sql] of cases) taken.push((await twins.differential(sql)).fast);
    expect(taken).toEqual(cases.map(([, images]) => images));
    await twins.assertSameRows();
  });
});

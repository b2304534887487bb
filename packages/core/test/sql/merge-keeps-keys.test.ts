/**
 * mergeKeepsKeys (sql/merge-keeps-keys.ts): true only for a MERGE that has no DELETE and whose
 * UPDATE SET lists assign plain names none of which is a key column; everything it does not
 * recognize is false (the removed keys are then counted as before). test/htap/merge-named-rows.test.ts
 * runs key-moving MERGEs against DuckDB (their tombstones must be written).
 */
import { describe, expect, it } from 'vitest';
import { mergeKeepsKeys } from '../../src/sql/merge-keeps-keys.ts';
import { tokenize } from '../../src/sql/sql-tokens.ts';

const keeps = (sql: string, keys = ['id']): boolean => mergeKeepsKeys(tokenize(sql), keys);
const head = 'MERGE INTO t USING (VALUES (1, 2)) AS s(id, v) ON t.id = s.id ';

describe('a MERGE that removes no key', () => {
  it('keeps keys when it only inserts and updates other columns', () => {
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET v = s.v, w = f(s.v, 2) WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`)).toBe(true);
    expect(keeps(`${head}WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.v)`)).toBe(true);
    expect(keeps(`${head}WHEN MATCHED AND t.v > 1 THEN DO NOTHING WHEN MATCHED THEN UPDATE SET v = (CASE WHEN s.v > 0 THEN 1 END)`)).toBe(true);
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET v = s.v RETURNING *`)).toBe(true);
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET id2 = 1`, ['id', 'k'])).toBe(true);
  });

  it('does not when it deletes, assigns a key or is not recognized', () => {
    expect(keeps(`${head}WHEN MATCHED THEN DELETE`)).toBe(false);
    expect(keeps(`${head}WHEN NOT MATCHED BY SOURCE THEN DELETE WHEN MATCHED THEN UPDATE SET v = 1`)).toBe(false);
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET id = s.id + 1`)).toBe(false);
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET v = 1, ID = 2`)).toBe(false);
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET v = 1, "Id" = 2`)).toBe(false);
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET v = 1, k = 2`, ['id', 'k'])).toBe(false);
    // A top-level CASE would end the scan at its WHEN: refused rather than read past.
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET v = CASE WHEN s.v > 0 THEN 1 END, id = 5`)).toBe(false);
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET *`)).toBe(false);
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET t.v = 1`)).toBe(false);
    expect(keeps(`${head}WHEN MATCHED THEN UPDATE SET (v, w) = (1, 2)`)).toBe(false);
    expect(keeps('UPDATE t SET v = 1')).toBe(false);
    expect(keeps("INSERT INTO t VALUES (1, 2) ON CONFLICT DO UPDATE SET v = 3")).toBe(false);
  });
});

/**
 * blindAsInsert (sql/blind-replace.ts): the single-row fast path runs a blind replace on its empty
 * scratch target as the plain INSERT of the same row — only the `OR REPLACE` words or the trailing
 * `ON CONFLICT …` clause are cut, every other byte is the user's.
 */
import { describe, expect, it } from 'vitest';
import { analyseStatement } from '../../src/sql/analysed-statement.ts';
import { blindAsInsert } from '../../src/sql/blind-replace.ts';

function asInsert(sql: string): string {
  const s = analyseStatement(sql, 0).statement;
  if (s === undefined) throw new Error(`no statement: ${sql}`);
  return blindAsInsert(s);
}

describe('blindAsInsert', () => {
  it('cuts OR REPLACE and nothing else', () => {
    expect(asInsert("INSERT OR REPLACE INTO kv VALUES (1, 'or replace', 2)")).toBe("INSERT  INTO kv VALUES (1, 'or replace', 2)");
    expect(asInsert("insert or  replace into \"kv\" VALUES (1, 'ON CONFLICT', DEFAULT)")).toBe("insert  into \"kv\" VALUES (1, 'ON CONFLICT', DEFAULT)");
  });

  it('cuts the ON CONFLICT clause of a blind upsert', () => {
    expect(asInsert("INSERT INTO kv (id, name) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, n = EXCLUDED.n"))
      .toBe("INSERT INTO kv (id, name) VALUES (1, 'x') ");
    expect(asInsert("INSERT INTO kv VALUES (1, 'on conflict', 2) on conflict do update set name = excluded.name, n = excluded.n"))
      .toBe("INSERT INTO kv VALUES (1, 'on conflict', 2) ");
  });
});

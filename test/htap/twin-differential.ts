/**
 * Test support for "a fast path writes exactly what the general path writes" (merge-row-images,
 * blind-select): twin tables `ta` / `tb` (same rows in Delta, in the un-drained log and as
 * tombstones) on this coordinator (fast path on) and on a second coordinator of the same bucket
 * (the fast path switched off by `env`), with DuckDB as the reference. `differential(sql)` runs one
 * statement (`{t}` = the table) on all three and asserts the same rowsAffected or the same refusal
 * and the SAME write-log record (every WalWriter.append spied); it says whether the fast path took it.
 */
import { expect, vi } from 'vitest';
import { Freshness } from '../../packages/core/src/api/index.ts';
import type { Engine } from '../../packages/core/src/sql/index.ts';
import { WalWriter } from '../../packages/core/src/wal/wal-writer.ts';
import { wireRows } from '../../packages/core/test/support/wire-rows.ts';
import { countedEngine, otherCoordinator, outcome, type CountedEngine } from './counted-engine.ts';

export interface TwinDifferential {
  readonly c: CountedEngine;
  readonly other: Awaited<ReturnType<typeof otherCoordinator>>;
  /**
   * Creates ta / tb (`id BIGINT PRIMARY KEY, a SMALLINT, v DOUBLE, d DECIMAL(6,2), note VARCHAR NOT
   * NULL DEFAULT 'none', ts TIMESTAMP`), fills ids 1–100 and drains them into Delta, then leaves in
   * the log: ids 10–14 updated, 150 inserted, 20, 21 and 151 deleted — on k3 and on DuckDB.
   */
  seed(): Promise<void>;
  /** The statement on DuckDB (ta, tb), on k3 with the fast path (ta) and without (tb). `tables` renames ta / tb. */
  differential(template: string, tables?: [string, string]): Promise<{ fast: boolean; got: string }>;
  /** Both tables read the same from both coordinators STRONG and equal DuckDB's; after a drain of ta, EVENTUAL too. */
  assertSameRows(): Promise<void>;
  close(): Promise<void>;
}

const sorted = (rows: unknown): string[] => ((rows ?? []) as unknown[]).map((r) => JSON.stringify(r)).sort();

export async function twinDifferential(offEnv: Record<string, string>, taken: () => number): Promise<TwinDifferential> {
  const c = await countedEngine();
  const other = await otherCoordinator(c.h, offEnv);
  const appended: { root: string; upserts: unknown; deletes: unknown }[] = [];
  const append = WalWriter.prototype.append;
  vi.spyOn(WalWriter.prototype, 'append').mockImplementation(function (this: WalWriter, root, content) {
    appended.push({ root, upserts: content.upserts, deletes: content.deletes });
    return append.call(this, root, content);
  });
  const read = async (engine: Engine, table: string, freshness: Freshness): Promise<unknown[][]> => {
    const r = await engine.execute({ bucket: c.h.bucket, sql: `SELECT * FROM ${table} ORDER BY id`, freshness });
    return 'query' in r ? wireRows(r.query) : [];
  };
  return {
    c,
    other,
    async seed() {
      const setup = (t: string): string[] => [
        `CREATE TABLE ${t} (id BIGINT PRIMARY KEY, a SMALLINT, v DOUBLE, d DECIMAL(6,2), note VARCHAR NOT NULL DEFAULT 'none', ts TIMESTAMP)`,
      ];
      const fill = (t: string): string[] => [
        `INSERT INTO ${t} SELECT i, i % 100, i * 0.5, i * 0.25, 'n' || i, TIMESTAMP '2026-01-01' + to_seconds(i) FROM range(1, 101) r(i)`,
      ];
      const log = (t: string): string[] => [
        `UPDATE ${t} SET note = 'log', v = NULL WHERE id BETWEEN 10 AND 14`,
        `INSERT INTO ${t} VALUES (150, 1, 1.5, 1.50, 'log150', NULL), (151, NULL, NULL, NULL, 'log151', NULL)`,
        `DELETE FROM ${t} WHERE id IN (20, 21, 151)`,
      ];
      for (const t of ['ta', 'tb']) {
        for (const sql of setup(t)) await c.h.ddl(sql);
        await c.ref.runAll(setup(t));
        for (const sql of fill(t)) await c.h.write(sql);
        await c.ref.runAll(fill(t));
        while ((await c.h.engine.compact(c.h.bucket, t)).truncated);
        for (const sql of log(t)) await c.h.write(sql);
        await c.ref.runAll(log(t));
      }
    },
    async differential(template, [a, b] = ['ta', 'tb']) {
      const on = (t: string): string => template.replaceAll('{t}', t === 'ta' ? a : b);
      const expected = await c.ref.rowsAffected(on('ta')).then((n) => String(n), (e: Error) => `error: ${e.message.split('\n')[0]}`);
      await c.ref.rowsAffected(on('tb')).catch(() => undefined);
      const before = taken();
      appended.length = 0;
      const got = await outcome(c.h.engine.execute({ bucket: c.h.bucket, sql: on('ta') }));
      const fast = taken() > before;
      const fastRecords = appended.splice(0);
      const want = await outcome(other.engine.execute({ bucket: c.h.bucket, sql: on('tb') }));
      const slowRecords = appended.splice(0);
      if (expected.startsWith('error')) expect(got, `${on('ta')}\nDuckDB: ${expected}`).toMatch(/^error ERR_/);
      else expect(got, on('ta')).toBe(expected);
      expect(got, `fast path vs general path: ${on('ta')}`).toBe(want);
      expect(fastRecords.length, on('ta')).toBe(slowRecords.length);
      for (const [i, r] of fastRecords.entries()) {
        expect(sorted(r.upserts), `upserts of ${on('ta')}`).toEqual(sorted(slowRecords[i]!.upserts));
        expect(sorted(r.deletes), `deletes of ${on('ta')}`).toEqual(sorted(slowRecords[i]!.deletes));
      }
      return { fast, got };
    },
    async assertSameRows() {
      for (const t of ['ta', 'tb']) {
        const want = (await c.ref.run(`SELECT * FROM ${t} ORDER BY id`)).rows;
        expect(await read(c.h.engine, t, Freshness.STRONG), t).toEqual(want);
        expect(await read(other.engine, t, Freshness.STRONG), t).toEqual(want);
      }
      while ((await c.h.engine.compact(c.h.bucket, 'ta')).truncated);
      expect(await read(other.engine, 'ta', Freshness.EVENTUAL)).toEqual((await c.ref.run('SELECT * FROM ta ORDER BY id')).rows);
    },
    async close() {
      vi.restoreAllMocks();
      await other.close();
      await c.close();
    },
  };
}

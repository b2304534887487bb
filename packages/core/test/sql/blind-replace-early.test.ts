/**
 * startBlindReplace (blind-replace-early.ts): a blind replace's DuckDB call started before the warm
 * state is acquired. Its rows are used only when the state came back at the pinned snapshot (same
 * table incarnation, same version); otherwise the scratch table is dropped, so the caller can run
 * the call again under the state's schema. Real DuckDB; the snapshots are the two fields compared.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { useDuckDB } from '../plan/support/duckdb.ts';
import type { Snapshot } from '../../src/delta/snapshot.ts';
import { startBlindReplace } from '../../src/sql/blind-replace-early.ts';

const duck = useDuckDB();
beforeEach(async () => {
  await duck.conn.run('DROP TABLE IF EXISTS kv');
});

const snap = (id: string, version: number): Snapshot => ({ metadata: { id }, version }) as unknown as Snapshot;
/** The shape of blindInOneCall: scratch DDL ; the plain INSERT ; the capture. */
const call = (): Promise<unknown[][]> => duck.conn.runAndReadAll("CREATE TEMP TABLE kv (id BIGINT PRIMARY KEY, v VARCHAR);\nINSERT INTO kv SELECT i, 'v' || i FROM range(3) t(i);\nSELECT CAST(id AS VARCHAR), v FROM kv ORDER BY id").then((r) => r.getRows());
const tables = async (): Promise<string[]> => (await duck.conn.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE temporary")).getRows().map((r) => String(r[0]));

describe('startBlindReplace', () => {
  it('hands over the rows when the state is at the pinned snapshot', async () => {
    const early = startBlindReplace(duck.conn, snap('t1', 5), 'kv', call);
    const taken = await early.take(snap('t1', 5));
    expect(taken).toEqual({ ran: true, rows: [['0', 'v0'], ['1', 'v1'], ['2', 'v2']] });
    expect(await tables()).toEqual(['kv']);
    await early.settled();
  });

  it('drops the scratch table when the state is at another version or incarnation', async () => {
    for (const other of [snap('t1', 6), snap('t2', 5)]) {
      await duck.conn.run('DROP TABLE IF EXISTS kv');
      const early = startBlindReplace(duck.conn, snap('t1', 5), 'kv', call);
      expect(await early.take(other)).toEqual({ ran: false });
      expect(await tables()).toEqual([]);
      // The caller's own call (CREATE TEMP TABLE, no IF NOT EXISTS) then runs as if nothing had.
      expect((await call()).length).toBe(3);
    }
  });

  it('passes a failed call on to take, and settled never rejects', async () => {
    const failing = (): Promise<unknown[][]> => duck.conn.runAndReadAll('SELECT * FROM no_such_table').then((r) => r.getRows());
    const early = startBlindReplace(duck.conn, snap('t1', 5), 'kv', failing);
    await expect(early.settled()).resolves.toBeUndefined();
    await expect(early.take(snap('t1', 5))).rejects.toThrow(/no_such_table/);
  });

  it('undefined rows (the call fell back) are handed over as they are', async () => {
    const early = startBlindReplace(duck.conn, snap('t1', 5), 'kv', () => Promise.resolve(undefined));
    expect(await early.take(snap('t1', 5))).toEqual({ ran: true, rows: undefined });
  });
});

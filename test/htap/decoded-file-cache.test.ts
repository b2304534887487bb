/**
 * The point lookups' decoded-file cache is never stale (issue 14, acceptance "caches are never
 * stale"; docs/design/hot-path.md, "Decoded-file cache"). A reader coordinator process (A) holds a
 * keyed table's Delta file decoded in memory and answers STRONG point lookups from it; a writer
 * coordinator process (B) on the same bucket then writes to the log, drains, deletes, OPTIMIZEs,
 * RESTOREs an older version and DROPs + re-CREATEs the table. Every lookup on A must be exact —
 * the write-log overlay wins over the file, and a new file (drain, OPTIMIZE, re-CREATE) is never
 * answered from the table of the one it replaced — and after each change A must serve the new
 * file from the cache again (so the cache is in play, not bypassed). Keying the cache by the
 * table instead of the immutable file (its rows SQL) makes the drained / re-created reads fail.
 */
import { describe, expect, it } from 'vitest';
import { coordinatorPair } from '../support/coordinator-pair.ts';
import { drainTable, execute, keepWriteLogUndrained } from '../support/server.ts';

keepWriteLogUndrained();

const BUCKET = 'decoded';
const ROWS = 3000;

describe('decoded-file cache of point lookups, with a writer in another coordinator process', () => {
  const servers = coordinatorPair({ K3_COMPACTOR_INTERVAL: '1h' });

  const write = async (sql: string): Promise<void> => {
    const res = await execute(servers.writer.url, BUCKET, sql);
    expect(res.status, `${sql}: ${JSON.stringify(res.body)}`).toBe(200);
  };

  /** A STRONG lookup on the reader: its rows (numbers), where it was answered from, the table version. */
  const lookup = async (key: number): Promise<{ rows: number[][]; cached: boolean; reason: string; version: number }> => {
    const res = await execute(servers.reader.url, BUCKET, `SELECT id, v FROM kv WHERE id = ${key}`, { freshness: 'FRESHNESS_STRONG' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const q = res.body.query!;
    const reason = String(q.strategyReason);
    // The fast path answered (else this test would prove nothing about the cache).
    expect(reason).toContain('point lookup:');
    return { rows: q.rows.map((r) => r.map(Number)), cached: reason.includes('decoded-file cache'), reason, version: Number(q.versions?.['kv']) };
  };

  /** Looks `key` up until the reader answers it from the decoded-file cache; every answer must be `expected`. */
  const untilCached = async (key: number, expected: number[][]): Promise<void> => {
    let cached = false;
    for (let i = 0; i < 400 && !cached; i++) {
      const r = await lookup(key);
      expect(r.rows, `key ${key} (${r.reason})`).toEqual(expected);
      cached = r.cached;
      if (!cached) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(cached, `key ${key} was never answered from the decoded-file cache`).toBe(true);
  };

  it('every lookup is exact while the file under it is drained, optimized, restored and re-created', async () => {
    await write('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT)');
    await write(`INSERT INTO kv SELECT i, i FROM range(${ROWS}) t(i)`);
    await drainTable(servers.writer.url, BUCKET, 'kv');

    await untilCached(5, [[5, 5]]);
    const first = await lookup(6);
    expect(first).toMatchObject({ rows: [[6, 6]], cached: true });

    // A write acknowledged by the other coordinator: the overlay wins over the cached file.
    await write('UPDATE kv SET v = 1005 WHERE id = 5');
    expect((await lookup(5)).rows).toEqual([[5, 1005]]);
    expect(await lookup(6)).toMatchObject({ rows: [[6, 6]], cached: true });

    // Drained: a new file holds key 5's new row; the old file's table must not answer.
    await drainTable(servers.writer.url, BUCKET, 'kv');
    const drained = await lookup(5);
    expect(drained.rows).toEqual([[5, 1005]]);
    expect(drained.reason).toContain('point lookup: delta');
    await untilCached(5, [[5, 1005]]);

    // A delete, drained: no row, from the overlay and then from the new file.
    await write('DELETE FROM kv WHERE id = 7');
    expect((await lookup(7)).rows).toEqual([]);
    await drainTable(servers.writer.url, BUCKET, 'kv');
    expect((await lookup(7)).rows).toEqual([]);
    await untilCached(7, []);
    expect((await lookup(8)).rows).toEqual([[8, 8]]);

    // OPTIMIZE rewrites the files (same rows).
    const optimized = await execute(servers.writer.url, BUCKET, 'OPTIMIZE kv');
    expect(optimized.status, JSON.stringify(optimized.body)).toBe(200);
    await untilCached(5, [[5, 1005]]);
    expect((await lookup(7)).rows).toEqual([]);

    // RESTORE the version of the first load: the old rows are back (its file was held decoded before: it may answer again, it is the same immutable file).
    await write(`RESTORE TABLE kv TO VERSION ${first.version}`);
    expect((await lookup(5)).rows).toEqual([[5, 5]]);
    expect((await lookup(7)).rows).toEqual([[7, 7]]);
    await untilCached(5, [[5, 5]]);

    // DROP + CREATE under the same name: a new incarnation with other values.
    await write('DROP TABLE kv');
    await write('CREATE TABLE kv (id BIGINT PRIMARY KEY, v BIGINT)');
    await write(`INSERT INTO kv SELECT i, i * 10 FROM range(${ROWS}) t(i)`);
    expect((await lookup(5)).rows).toEqual([[5, 50]]);
    await drainTable(servers.writer.url, BUCKET, 'kv');
    expect((await lookup(5)).rows).toEqual([[5, 50]]);
    await untilCached(5, [[5, 50]]);
    expect(await lookup(7)).toMatchObject({ rows: [[7, 70]], cached: true });
  }, 120_000);
});
